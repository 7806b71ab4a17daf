// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are ssh_config text, whose ${VAR} is its own syntax
/**
 * The corpus of issue #18: configs people write and the edge cases of ssh_config(5), each run through
 * OpenSSH's `ssh -G` and `tunnels -G` with the same files (test/config/ssh-g-differential.test.ts). Data
 * only. Paths in `files` are what the programs see: `~/...` is the private home (/root), `/etc/ssh/...` the
 * case's own system-wide config (an empty /etc/ssh unless given).
 */
export interface SshGCase {
  name: string;
  files: Record<string, string>;
  /** The arguments after `-G`. */
  argv: string[];
  /** Added to the clean environment both programs get (PATH, HOME=/root, USER, LOGNAME, LANG). */
  env?: Record<string, string>;
  /** ssh exits non-zero on this case (a bad value, an unknown token): tunnels must too. */
  sshFails?: boolean;
  /** Keys where tunnels differs from ssh on purpose, each with its reason. */
  deliberate?: Record<string, string>;
  /** One program accepts what the other refuses, on purpose (the README's table); the reason. */
  deliberateExit?: string;
}

const lines = (...text: string[]) => `${text.join('\n')}\n`;
const config = (...text: string[]) => ({'~/.ssh/config': lines(...text)});

/** Debian's /etc/ssh/ssh_config as installed (its comments shortened): the system config most users have. */
const DEBIAN_SYSTEM_CONFIG = lines(
  '# This is the ssh client system-wide configuration file.  See',
  '# ssh_config(5) for more information.',
  '',
  'Include /etc/ssh/ssh_config.d/*.conf',
  '',
  'Host *',
  '#   ForwardAgent no',
  '#   ForwardX11 no',
  '#   PasswordAuthentication yes',
  '#   StrictHostKeyChecking ask',
  '#   IdentityFile ~/.ssh/id_rsa',
  '#   Port 22',
  '#   Ciphers aes128-ctr,aes192-ctr,aes256-ctr,aes128-cbc,3des-cbc',
  '#   ProxyCommand ssh -q -W %h:%p gateway.example.com',
  '#   UserKnownHostsFile ~/.ssh/known_hosts.d/%k',
  '    SendEnv LANG LC_*',
  '    HashKnownHosts yes',
  '    GSSAPIAuthentication yes',
);

/** Stands for a private key: ssh -i leaves out a file that does not exist, and -G never reads one. */
const KEY = 'not a real key\n';

const CONNECT_TIMEOUT = 'tunnels gives up a connect after 30 s (ssh waits for the kernel, about 2 min)';
const CIPHER_ORDER = "tunnels' default cipher order is ssh2's, AES-GCM first (faster with AES instructions)";
const NEWER_NAME =
  "ssh 9.2 does not know the name; a newer ssh may (names come with OpenSSH's versions), and tunnels does not use these lists";
const NEWER_KEYWORD =
  'ssh 9.2 does not know the keyword (refused as unknown); the newer ssh a config is written for takes it';
const NEWER_MATCH =
  'ssh 9.2 does not know the Match criterion (an unsupported attribute); the newer ssh a config is written for takes it';
const KEEPALIVE =
  'tunnels keeps a session alive by default (ServerAliveInterval 15): a dead connection is found ' +
  'and reconnected; ssh has keepalives off (0) unless told';

const BASE_CASES: SshGCase[] = [
  // ---- Defaults and destinations ----
  {name: 'bare host, no config at all', files: {}, argv: ['bare']},
  {name: 'bare host, empty config', files: {'~/.ssh/config': ''}, argv: ['bare']},
  {name: 'user@host', files: {}, argv: ['alice@db.example.com']},
  {name: 'ssh:// with user and port', files: {}, argv: ['ssh://u@h.example.com:2222']},
  {name: 'ssh:// host only', files: {}, argv: ['ssh://h.example.com']},
  {
    name: 'ssh:// with a bracketed IPv6 address (ssh 9.2 refuses it)',
    deliberateExit: 'tunnels reads a bracketed IPv6 address in ssh:// as RFC 3986 writes it',
    files: {},
    argv: ['ssh://u@[2001:db8::1]:2222'],
    sshFails: true,
  },
  {name: 'IPv4 address', files: {}, argv: ['192.0.2.10']},
  {name: 'IPv6 address', files: {}, argv: ['2001:db8::5']},
  {name: 'upper-case destination is lower-cased', files: {}, argv: ['DB.Example.COM']},
  {
    name: 'upper-case destination does not match a lower-case Host (matched as typed)',
    files: config('Host db', '  Port 2201'),
    argv: ['DB'],
  },
  {name: 'user@ with an upper-case user keeps it', files: {}, argv: ['Alice@db']},
  {name: 'destination with a trailing dot', files: {}, argv: ['db.example.com.']},
  {name: 'user with an @ inside (last @ splits)', files: {}, argv: ['me@corp@db.example.com']},
  {
    name: "Debian's system config alone",
    files: {'/etc/ssh/ssh_config': DEBIAN_SYSTEM_CONFIG},
    argv: ['bare'],
  },
  {
    name: "Debian's system config with a conf.d file",
    files: {
      '/etc/ssh/ssh_config': DEBIAN_SYSTEM_CONFIG,
      '/etc/ssh/ssh_config.d/10-corp.conf': lines('Host *.corp.invalid', '  User corp', '  Port 2022'),
    },
    argv: ['app.corp.invalid'],
  },
  {
    name: 'user config beats the system config',
    files: {
      '/etc/ssh/ssh_config': lines('Host *', '  Port 2200', '  User sys', '  HashKnownHosts yes'),
      '~/.ssh/config': lines('Host db', '  Port 2300'),
    },
    argv: ['db'],
  },
  {
    name: 'system config fills what the user config leaves',
    files: {
      '/etc/ssh/ssh_config': lines('Host db', '  User sysuser', '  IdentityFile /etc/ssh/keys/%u'),
      '~/.ssh/config': lines('Host db', '  HostName db.example.com'),
    },
    argv: ['db'],
  },

  // ---- Host patterns ----
  {name: 'Host exact match', files: config('Host db', '  HostName 10.0.0.5', '  User admin'), argv: ['db']},
  {
    name: 'Host exact match does not match a longer name',
    files: config('Host db', '  Port 2201'),
    argv: ['db1'],
  },
  {
    name: 'Host wildcard *.example.com',
    files: config('Host *.example.com', '  User web', '  Port 2202'),
    argv: ['www.example.com'],
  },
  {name: 'Host ? wildcard', files: config('Host db?', '  Port 2203'), argv: ['db7']},
  {name: 'Host ? wildcard needs one character', files: config('Host db?', '  Port 2203'), argv: ['db']},
  {name: 'Host list, second pattern matches', files: config('Host a b c', '  User list'), argv: ['b']},
  {
    name: 'Host with commas is one pattern, not a list',
    files: config('Host a,b', '  User comma'),
    argv: ['a'],
  },
  {
    name: 'Host negation excludes',
    files: config('Host * !bastion', '  ProxyJump bastion', 'Host bastion', '  User jump'),
    argv: ['bastion'],
  },
  {
    name: 'Host negation lets others through',
    files: config('Host * !bastion', '  User through'),
    argv: ['app'],
  },
  {name: 'Host with only a negation never matches', files: config('Host !foo', '  Port 2204'), argv: ['bar']},
  {
    name: 'Host negation wins over a positive pattern before it',
    files: config('Host db1 !db*', '  Port 2205'),
    argv: ['db1'],
  },
  {
    name: 'Host negated subdomain',
    files: config('Host *.example.com !*.internal.example.com', '  User public'),
    argv: ['a.internal.example.com'],
  },
  {
    name: 'first obtained value wins across blocks',
    files: config('Host db', '  Port 2206', 'Host d*', '  Port 2207', '  User second'),
    argv: ['db'],
  },
  {
    name: 'first obtained value wins within a block',
    files: config('Host db', '  Port 2208', '  Port 2209'),
    argv: ['db'],
  },
  {
    name: 'Host * first shadows the specific block',
    files: config('Host *', '  User everyone', 'Host db', '  User specific', '  Port 2210'),
    argv: ['db'],
  },
  {
    name: 'Host * last gives defaults',
    files: config('Host db', '  User specific', 'Host *', '  User everyone', '  Port 2211'),
    argv: ['db'],
  },
  {
    name: 'options before any Host apply to all',
    files: config('User top', 'Port 2212', 'Host db', '  User specific'),
    argv: ['db'],
  },
  {
    name: 'Host patterns match the alias, not the HostName',
    files: config('Host db', '  HostName db.prod.example.com', 'Host *.prod.example.com', '  User prod'),
    argv: ['db'],
  },
  {name: 'Host pattern on an IPv4 address', files: config('Host 10.0.0.*', '  User lan'), argv: ['10.0.0.7']},
  {name: 'Host pattern is case-sensitive lower', files: config('Host DB', '  Port 2213'), argv: ['db']},
  {name: 'quoted Host pattern', files: config('Host "db"', '  Port 2214'), argv: ['db']},
  {name: 'Host with a trailing comment', files: config('Host db # production', '  Port 2215'), argv: ['db']},
  {name: 'Host=db with an equals sign', files: config('Host=db', '  Port=2216'), argv: ['db']},
  {
    name: 'Host without a pattern is an error',
    files: config('Host', '  Port 2217'),
    argv: ['db'],
    sshFails: true,
  },
  {
    name: 'HostName %h appends a domain',
    files: config('Host *', '  HostName %h.example.com'),
    argv: ['web1'],
  },
  {
    name: 'HostName with %% and %h',
    files: config('Host db', '  HostName %h%%.example.com'),
    argv: ['db'],
  },
  {
    name: 'HostName from the first block wins over a later one',
    files: config('Host db', '  HostName first.example.com', 'Host *', '  HostName %h.fallback.example.com'),
    argv: ['db'],
  },
  {
    name: 'HostName with an unknown token is an error',
    files: config('Host db', '  HostName %z.example.com'),
    argv: ['db'],
    sshFails: true,
  },
  {
    name: 'upper-case HostName is lower-cased',
    files: config('Host db', '  HostName DB.Example.COM'),
    argv: ['db'],
  },

  // ---- Match ----
  {
    name: 'Match host against the HostName',
    files: config('Host db', '  HostName db.prod.invalid', 'Match host *.prod.invalid', '  User deploy'),
    argv: ['db'],
  },
  {
    name: 'Match originalhost against the alias',
    files: config('Host db', '  HostName db.prod.invalid', 'Match originalhost db', '  Port 2301'),
    argv: ['db'],
  },
  {
    name: 'Match originalhost does not see the HostName',
    files: config(
      'Host db',
      '  HostName db.prod.invalid',
      'Match originalhost *.prod.invalid',
      '  Port 2302',
    ),
    argv: ['db'],
  },
  {
    name: 'Match user (the remote user from the destination)',
    files: config('Match user deploy', '  IdentityFile ~/.ssh/deploy_key', '  Port 2303'),
    argv: ['deploy@app'],
  },
  {
    name: 'Match user from -l',
    files: config('Match user deploy', '  Port 2304'),
    argv: ['-l', 'deploy', 'app'],
  },
  {
    name: 'Match user set by an earlier User line',
    files: config('Host app', '  User deploy', 'Match user deploy', '  Port 2305'),
    argv: ['app'],
  },
  {
    name: 'Match user before any User line sees the local user',
    files: config('Match user root', '  Port 2306', 'Host app', '  User deploy'),
    argv: ['app'],
  },
  {name: 'Match localuser root', files: config('Match localuser root', '  Port 2307'), argv: ['app']},
  {name: 'Match localuser nobody', files: config('Match localuser nobody', '  Port 2308'), argv: ['app']},
  {name: 'Match exec true', files: config('Match exec true', '  Port 2309'), argv: ['app']},
  {name: 'Match exec false', files: config('Match exec false', '  Port 2310'), argv: ['app']},
  {name: 'Match !exec false', files: config('Match !exec false', '  Port 2311'), argv: ['app']},
  {
    name: 'Match exec with %h',
    files: config('Match exec "test %h = app"', '  Port 2312'),
    argv: ['app'],
  },
  {
    name: 'Match exec with %n, %p and %r',
    files: config('Host app', '  Port 2000', 'Match exec "test %n:%p:%r = app:2000:root"', '  User matched'),
    argv: ['app'],
  },
  {
    name: 'Match exec with an unknown token is an error',
    files: config('Match exec "test %z = x"', '  Port 2313'),
    argv: ['app'],
    sshFails: true,
  },
  {
    name: 'Match exec reads the environment',
    files: config('Match exec "test $TUNNELS_CORPUS = on"', '  Port 2314'),
    argv: ['app'],
    env: {TUNNELS_CORPUS: 'on'},
  },
  {name: 'Match all', files: config('Match all', '  User everyone', '  Port 2315'), argv: ['app']},
  {
    name: 'Match all with another criterion is an error',
    files: config('Match all host app', '  Port 2316'),
    argv: ['app'],
    sshFails: true,
  },
  {name: 'Match !host', files: config('Match !host bastion', '  ProxyJump bastion'), argv: ['app']},
  {
    name: 'Match !host on the excluded host',
    files: config('Match !host bastion', '  Port 2317'),
    argv: ['bastion'],
  },
  {name: 'Match host comma list', files: config('Match host a,b,app', '  Port 2318'), argv: ['app']},
  {name: 'Match host list with a negation', files: config('Match host !app,*', '  Port 2319'), argv: ['app']},
  {
    name: 'Match host quoted pattern',
    files: config('Match host "*.example.com"', '  Port 2320'),
    argv: ['www.example.com'],
  },
  {
    name: 'Match with two criteria, both true',
    files: config('Match host app user deploy', '  Port 2321'),
    argv: ['deploy@app'],
  },
  {
    name: 'Match with two criteria, one false',
    files: config('Match host app user deploy', '  Port 2322'),
    argv: ['other@app'],
  },
  {
    name: 'Match host and exec (exec not run when host fails)',
    files: config('Match host nomatch exec false', '  Port 2323', 'Match host app exec true', '  Port 2324'),
    argv: ['app'],
  },
  {
    name: 'Match canonical without canonicalization',
    files: config('Match canonical', '  Port 2325'),
    argv: ['app'],
  },
  {
    name: 'Match canonical with CanonicalizeHostname yes',
    files: config(
      'CanonicalizeHostname yes',
      'CanonicalDomains corp.invalid',
      'Match canonical',
      '  Port 2326',
    ),
    argv: ['app'],
  },
  {name: 'Match final (forces a final pass)', files: config('Match final', '  Port 2327'), argv: ['app']},
  {
    name: 'Match final sees the final HostName',
    files: config(
      'Host app',
      '  HostName app.final.invalid',
      'Match final host *.final.invalid',
      '  User finaluser',
    ),
    argv: ['app'],
  },
  {
    name: 'Match with an unknown criterion is an error',
    files: config('Match colour blue', '  Port 2328'),
    argv: ['app'],
    sshFails: true,
  },
  {
    name: 'Match host without an argument is an error',
    files: config('Match host', '  Port 2329'),
    argv: ['app'],
    sshFails: true,
  },
  {
    name: 'Match without criteria is an error',
    files: config('Match', '  Port 2330'),
    argv: ['app'],
    sshFails: true,
  },
  {
    name: 'Match block ends at the next Host',
    files: config('Match host app', '  Port 2331', 'Host *', '  User after'),
    argv: ['app'],
  },
  {
    name: 'Match case-insensitive keyword and criterion',
    files: config('MATCH HOST app', '  Port 2332'),
    argv: ['app'],
  },
  {
    name: 'Match originalhost with ssh://',
    files: config('Match originalhost app', '  User fromurl'),
    argv: ['ssh://app:2333'],
  },
  {
    name: 'Match host with the CLI HostName',
    files: config('Match host real.example.com', '  Port 2334'),
    argv: ['-o', 'HostName=real.example.com', 'app'],
  },

  // ---- Include ----
  {
    name: 'Include relative to ~/.ssh',
    files: {
      '~/.ssh/config': lines('Include extra.conf', 'Host *', '  User after'),
      '~/.ssh/extra.conf': lines('Host db', '  Port 2401', '  User included'),
    },
    argv: ['db'],
  },
  {
    name: 'Include with ~',
    files: {
      '~/.ssh/config': lines('Include ~/configs/db.conf'),
      '~/configs/db.conf': lines('Host db', '  Port 2402'),
    },
    argv: ['db'],
  },
  {
    name: 'Include with an absolute path',
    files: {
      '~/.ssh/config': lines('Include /root/configs/db.conf'),
      '~/configs/db.conf': lines('Host db', '  Port 2403'),
    },
    argv: ['db'],
  },
  {
    name: 'Include a glob, files in sorted order',
    files: {
      '~/.ssh/config': lines('Include config.d/*'),
      '~/.ssh/config.d/20-second': lines('Host db', '  Port 2405', '  User second'),
      '~/.ssh/config.d/10-first': lines('Host db', '  Port 2404'),
    },
    argv: ['db'],
  },
  {
    name: 'Include a glob with a suffix',
    files: {
      '~/.ssh/config': lines('Include conf.d/*.conf'),
      '~/.ssh/conf.d/a.conf': lines('Host db', '  User fromconf'),
      '~/.ssh/conf.d/b.txt': lines('Host db', '  Port 2406'),
    },
    argv: ['db'],
  },
  {
    name: 'nested Include',
    files: {
      '~/.ssh/config': lines('Include one.conf'),
      '~/.ssh/one.conf': lines('Include two.conf', 'Host db', '  User one'),
      '~/.ssh/two.conf': lines('Host db', '  Port 2407'),
    },
    argv: ['db'],
  },
  {
    name: 'Include inside a matching Host block',
    files: {
      '~/.ssh/config': lines('Host db', '  Include db.conf', 'Host *', '  User default'),
      '~/.ssh/db.conf': lines('Port 2408', 'User fromdb'),
    },
    argv: ['db'],
  },
  {
    name: 'Include inside a Host block that does not match',
    files: {
      '~/.ssh/config': lines('Host other', '  Include db.conf', 'Host *', '  User default'),
      '~/.ssh/db.conf': lines('Port 2409', 'User fromdb'),
    },
    argv: ['db'],
  },
  {
    name: 'Include inside a Match block',
    files: {
      '~/.ssh/config': lines('Match host db', '  Include db.conf'),
      '~/.ssh/db.conf': lines('Port 2410'),
    },
    argv: ['db'],
  },
  {
    name: 'Host block inside an included file does not leak out',
    files: {
      '~/.ssh/config': lines('Host db', '  Include other.conf', '  User afterinclude'),
      '~/.ssh/other.conf': lines('Host other', '  Port 2411'),
    },
    argv: ['db'],
  },
  {
    name: 'Include of a missing file is ignored',
    files: config('Include does-not-exist.conf', 'Host db', '  Port 2412'),
    argv: ['db'],
  },
  {
    name: 'Include of a glob matching nothing is ignored',
    files: config('Include nothing.d/*', 'Host db', '  Port 2413'),
    argv: ['db'],
  },
  {
    name: 'Include several files on one line',
    files: {
      '~/.ssh/config': lines('Include a.conf b.conf'),
      '~/.ssh/a.conf': lines('Host db', '  User froma'),
      '~/.ssh/b.conf': lines('Host db', '  User fromb', '  Port 2414'),
    },
    argv: ['db'],
  },
  {
    name: 'Include in the system config is relative to /etc/ssh',
    files: {
      '/etc/ssh/ssh_config': lines('Include site.conf'),
      '/etc/ssh/site.conf': lines('Host db', '  Port 2415'),
    },
    argv: ['db'],
  },
  {
    name: 'Include that includes itself is an error',
    files: config('Include config'),
    argv: ['db'],
    sshFails: true,
  },
  {
    name: 'Include with a quoted path with a space',
    files: {
      '~/.ssh/config': lines('Include "my configs/db.conf"'),
      '~/.ssh/my configs/db.conf': lines('Host db', '  Port 2416'),
    },
    argv: ['db'],
  },
  {
    name: 'included file with a Match block',
    files: {
      '~/.ssh/config': lines('Include conf.d/*.conf', 'Host db', '  Port 2417'),
      '~/.ssh/conf.d/match.conf': lines('Match user ops', '  IdentityFile ~/.ssh/ops'),
    },
    argv: ['ops@db'],
  },
  {
    name: 'Include with -F is relative to ~/.ssh',
    files: {
      '~/custom.conf': lines('Include extra.conf'),
      '~/.ssh/extra.conf': lines('Host db', '  Port 2418'),
    },
    argv: ['-F', '/root/custom.conf', 'db'],
  },

  // ---- Tokens and ~ ----
  {
    name: 'IdentityFile with %h, %r, %u, %d',
    files: config('Host db', '  User deploy', '  IdentityFile ~/.ssh/%h_%r', '  IdentityFile %d/.ssh/%u_key'),
    argv: ['db'],
  },
  {
    name: 'IdentityFile with ${VAR}',
    files: config('Host db', '  IdentityFile ${KEYDIR}/db_key'),
    argv: ['db'],
    env: {KEYDIR: '/root/keys'},
  },
  {
    name: 'IdentityFile with %l, %L, %i, %n, %p',
    files: config('Host db', '  Port 2501', '  IdentityFile ~/.ssh/%l-%L-%i-%n-%p'),
    argv: ['db'],
  },
  {name: 'IdentityFile with %C', files: config('Host db', '  IdentityFile ~/.ssh/%C'), argv: ['db']},
  {name: 'IdentityFile with %%', files: config('Host db', '  IdentityFile ~/.ssh/100%%'), argv: ['db']},
  {name: 'IdentityFile with ~root', files: config('Host db', '  IdentityFile ~root/.ssh/db'), argv: ['db']},
  {name: 'IdentityFile relative path', files: config('Host db', '  IdentityFile keys/db'), argv: ['db']},
  {
    name: 'CertificateFile with tokens',
    files: config('Host db', '  IdentityFile ~/.ssh/db', '  CertificateFile ~/.ssh/%h-cert.pub'),
    argv: ['db'],
  },
  {
    name: 'UserKnownHostsFile with %h and %k',
    files: config('Host db', '  HostKeyAlias dbalias', '  UserKnownHostsFile ~/.ssh/kh_%h ~/.ssh/kh_%k'),
    argv: ['db'],
  },
  {
    name: 'UserKnownHostsFile with %C, %u, %r, %p, %n',
    files: config('Host db', '  User deploy', '  UserKnownHostsFile ~/.ssh/%C ~/.ssh/%u-%r-%p-%n'),
    argv: ['db'],
  },
  {
    name: 'UserKnownHostsFile with %l, %L, %i, %d',
    files: config('Host db', '  UserKnownHostsFile %d/kh-%l-%L-%i'),
    argv: ['db'],
  },
  {
    name: 'UserKnownHostsFile with ${HOME}',
    files: config('Host db', '  UserKnownHostsFile ${HOME}/.ssh/kh_db'),
    argv: ['db'],
  },
  {
    name: 'UserKnownHostsFile with an undefined ${VAR} is an error',
    files: config('Host db', '  UserKnownHostsFile ${TUNNELS_UNDEFINED_VAR}/kh'),
    argv: ['db'],
    sshFails: true,
  },
  {
    name: 'UserKnownHostsFile with %z is an error',
    files: config('Host db', '  UserKnownHostsFile ~/.ssh/kh_%z'),
    argv: ['db'],
    sshFails: true,
  },
  {
    name: 'UserKnownHostsFile with %j is an error (ssh 9.2 has no %j)',
    files: config('Host db', '  ProxyJump bastion', '  UserKnownHostsFile ~/.ssh/kh-%j'),
    argv: ['db'],
    sshFails: true,
  },
  {
    name: 'UserKnownHostsFile %k without HostKeyAlias is the host',
    files: config('Host db', '  HostName db.example.com', '  UserKnownHostsFile ~/.ssh/known_hosts.d/%k'),
    argv: ['db'],
  },
  {name: 'IdentityAgent with ~', files: config('Host db', '  IdentityAgent ~/.agent.sock'), argv: ['db']},
  {
    name: 'IdentityAgent with %d and %u',
    files: config('Host db', '  IdentityAgent %d/agent-%u.sock'),
    argv: ['db'],
  },
  {
    name: 'IdentityAgent ${SSH_AUTH_SOCK}',
    files: config('Host db', '  IdentityAgent ${SSH_AUTH_SOCK}'),
    argv: ['db'],
    env: {SSH_AUTH_SOCK: '/tmp/agent.123/agent.sock'},
  },
  {
    name: 'IdentityAgent SSH_AUTH_SOCK',
    files: config('Host db', '  IdentityAgent SSH_AUTH_SOCK'),
    argv: ['db'],
    env: {SSH_AUTH_SOCK: '/tmp/agent.123/agent.sock'},
  },
  {name: 'IdentityAgent none', files: config('Host db', '  IdentityAgent none'), argv: ['db']},
  {
    name: 'IdentityAgent with %z is an error',
    files: config('Host db', '  IdentityAgent ~/%z.sock'),
    argv: ['db'],
    sshFails: true,
  },
  {
    name: 'IdentityAgent $VAR/path is an error (only a whole $NAME)',
    files: config('Host db', '  IdentityAgent $HOME/agent.sock'),
    argv: ['db'],
    sshFails: true,
  },
  {
    name: 'IdentityAgent $NAME',
    files: config('Host db', '  IdentityAgent $MY_AGENT'),
    argv: ['db'],
    env: {MY_AGENT: '/tmp/my-agent.sock'},
  },
  {
    name: 'LocalForward with a socket path and %d',
    files: config('Host db', '  LocalForward %d/db.sock /var/run/postgresql/.s.PGSQL.5432'),
    argv: ['db'],
  },
  {
    name: 'RemoteForward with a socket path and %h',
    files: config('Host db', '  RemoteForward /tmp/%h.sock localhost:80'),
    argv: ['db'],
  },
  {
    name: 'ProxyCommand is printed with its tokens unexpanded',
    files: config('Host db', '  ProxyCommand nc -X 5 -x proxy.invalid:1080 %h %p'),
    argv: ['db'],
  },
  {
    name: 'ProxyCommand with %r, %n, %% and an unknown %z (not an error for -G)',
    files: config('Host db', '  ProxyCommand /usr/bin/env echo %r %n %% %z'),
    argv: ['db'],
  },
  {name: 'User with %u stays literal', files: config('Host db', '  User %u'), argv: ['db']},
  {
    name: 'HostKeyAlias with a token stays literal',
    files: config('Host db', '  HostKeyAlias %h-alias'),
    argv: ['db'],
  },

  // ---- Command line ----
  {name: '-o Port before -p: -o wins', files: {}, argv: ['-o', 'Port=2300', '-p', '2301', 'db']},
  {name: '-p before -o Port: -p wins', files: {}, argv: ['-p', '2301', '-o', 'Port=2300', 'db']},
  {name: '-p twice: the first wins', files: {}, argv: ['-p', '1111', '-p', '2222', 'db']},
  {name: '-p beats the config', files: config('Host db', '  Port 2600'), argv: ['-p', '2601', 'db']},
  {name: '-p with a service name', files: {}, argv: ['-p', 'ssh', 'db']},
  {name: '-p 0 is an error', files: {}, argv: ['-p', '0', 'db'], sshFails: true},
  {name: '-p not a number is an error', files: {}, argv: ['-p', 'abc', 'db'], sshFails: true},
  {name: '-p 65536 is an error', files: {}, argv: ['-p', '65536', 'db'], sshFails: true},
  {name: '-oPort=2302 attached', files: {}, argv: ['-oPort=2302', 'db']},
  {name: '-o "Port 2303" with a space', files: {}, argv: ['-o', 'Port 2303', 'db']},
  {name: '-o User before user@host: -o wins', files: {}, argv: ['-o', 'User=a', 'b@db']},
  {name: '-l before user@host', files: {}, argv: ['-l', 'x', 'y@db']},
  {name: 'user@host before -l', files: {}, argv: ['y@db', '-l', 'x']},
  {name: '-l beats the config User', files: config('Host db', '  User cfg'), argv: ['-l', 'cli', 'db']},
  {name: 'user@host beats the config User', files: config('Host db', '  User cfg'), argv: ['cli@db']},
  {name: 'ssh:// with -p', files: {}, argv: ['-p', '1', 'ssh://u@db:2222']},
  {name: 'ssh:// port beats the config', files: config('Host db', '  Port 2602'), argv: ['ssh://db:2603']},
  {name: 'options after the destination', files: {}, argv: ['db', '-p', '2604', '-l', 'late']},
  {name: '-- before the destination', files: {}, argv: ['-p', '2605', '--', 'db']},
  {name: '-A -a: the last wins', files: {}, argv: ['-A', '-a', 'db']},
  {name: '-a -A: the last wins', files: {}, argv: ['-a', '-A', 'db']},
  {name: '-o ForwardAgent=no then -A', files: {}, argv: ['-o', 'ForwardAgent=no', '-A', 'db']},
  {
    name: '-A beats ForwardAgent no in the config',
    files: config('Host db', '  ForwardAgent no'),
    argv: ['-A', 'db'],
  },
  {
    name: '-a beats ForwardAgent yes in the config',
    files: config('Host db', '  ForwardAgent yes'),
    argv: ['-a', 'db'],
  },
  {name: '-X -x: the last wins', files: {}, argv: ['-X', '-x', 'db']},
  {name: '-x -X: the last wins', files: {}, argv: ['-x', '-X', 'db']},
  {
    name: '-X beats ForwardX11 no in the config',
    files: config('Host db', '  ForwardX11 no'),
    argv: ['-X', 'db'],
  },
  {
    name: '-c twice: the last wins',
    files: {},
    argv: ['-c', 'aes128-ctr', '-c', 'aes256-gcm@openssh.com', 'db'],
  },
  {
    name: '-c beats Ciphers in the config',
    files: config('Host db', '  Ciphers aes256-ctr'),
    argv: ['-c', 'aes128-ctr', 'db'],
  },
  {name: '-c with a list', files: {}, argv: ['-c', 'aes128-ctr,aes256-ctr', 'db']},
  {name: '-c with an unknown cipher is an error', files: {}, argv: ['-c', 'rot13', 'db'], sshFails: true},
  {name: '-4', files: {}, argv: ['-4', 'db']},
  {name: '-6', files: {}, argv: ['-6', 'db']},
  {name: '-4 -6: the last wins', files: {}, argv: ['-4', '-6', 'db']},
  {name: '-o AddressFamily=inet6 then -4', files: {}, argv: ['-o', 'AddressFamily=inet6', '-4', 'db']},
  {name: 'AddressFamily inet in the config', files: config('Host db', '  AddressFamily inet'), argv: ['db']},
  {
    name: '-i and -o IdentityFile keep their order',
    files: {'~/.ssh/a': KEY, '~/.ssh/c': KEY},
    argv: ['-i', '/root/.ssh/a', '-o', 'IdentityFile=/root/.ssh/b', '-i', '/root/.ssh/c', 'db'],
  },
  {
    name: '-i comes before the config IdentityFile',
    files: {...config('Host db', '  IdentityFile ~/.ssh/from_config'), '~/.ssh/from_cli': KEY},
    argv: ['-i', '/root/.ssh/from_cli', 'db'],
  },
  {name: '-i with ~', files: {'~/.ssh/tilde_key': KEY}, argv: ['-i', '~/.ssh/tilde_key', 'db']},
  {
    name: '-i with a file that does not exist is left out',
    files: {},
    argv: ['-i', '/root/.ssh/missing_key', 'db'],
  },
  {
    name: '-i twice with the same file',
    files: {'~/.ssh/k': KEY},
    argv: ['-i', '/root/.ssh/k', '-i', '/root/.ssh/k', 'db'],
  },
  {name: '-i relative path', files: {'~/relative_key': KEY}, argv: ['-i', 'relative_key', 'db']},
  {
    name: 'IdentityFile given twice is listed once',
    files: config('Host db', '  IdentityFile ~/.ssh/same', 'Host *', '  IdentityFile ~/.ssh/same'),
    argv: ['db'],
  },
  {
    name: '-L given twice is listed once',
    files: {},
    argv: ['-L', '8080:localhost:80', '-L', '8080:localhost:80', 'db'],
  },
  {
    name: '-L on the CLI and the same in the config',
    files: config('Host db', '  LocalForward 8080 localhost:80'),
    argv: ['-L', '8080:localhost:80', 'db'],
  },
  {
    name: '-L on the CLI and another in the config: both, CLI first',
    files: config('Host db', '  LocalForward 9090 localhost:90'),
    argv: ['-L', '8080:localhost:80', 'db'],
  },
  {name: '-L with a bind address', files: {}, argv: ['-L', '127.0.0.2:8080:localhost:80', 'db']},
  {name: '-L with * bind address', files: {}, argv: ['-L', '*:8080:localhost:80', 'db']},
  {name: '-L with IPv6 brackets', files: {}, argv: ['-L', '[::1]:8080:[2001:db8::2]:80', 'db']},
  {
    name: '-L with ${VAR} for a socket path and a port',
    files: config('Host db', '  LocalForward ${SOCKDIR}/db.sock localhost:${DBPORT}'),
    env: {SOCKDIR: '/run/user/0', DBPORT: '5432'},
    argv: ['-L', '${DBPORT}:${SOCKDIR}/pg.sock', 'db'],
  },
  {
    name: '-L with an unset ${VAR} is an error',
    files: {},
    argv: ['-L', '${TUNNELS_UNSET_VAR}:h:80', 'db'],
    sshFails: true,
  },
  {name: '-L socket to socket', files: {}, argv: ['-L', '/tmp/a.sock:/run/b.sock', 'db']},
  {name: '-R socket to host:port', files: {}, argv: ['-R', '/tmp/r.sock:localhost:3000', 'db']},
  {name: '-R port to socket', files: {}, argv: ['-R', '9000:/run/app.sock', 'db']},
  {name: '-R bind:port alone (reverse SOCKS)', files: {}, argv: ['-R', 'localhost:1080', 'db']},
  {
    name: '-L with slashes is an error',
    files: {},
    argv: ['-L', '8080/localhost/80', 'db'],
    sshFails: true,
  },
  {name: '-L malformed is an error', files: {}, argv: ['-L', '8080', 'db'], sshFails: true},
  {name: '-R', files: {}, argv: ['-R', '9000:localhost:3000', 'db']},
  {name: '-R with a port only (reverse SOCKS)', files: {}, argv: ['-R', '1080', 'db']},
  {name: '-D', files: {}, argv: ['-D', '1080', 'db']},
  {name: '-D with a bind address', files: {}, argv: ['-D', 'localhost:1081', 'db']},
  {name: '-D twice, same', files: {}, argv: ['-D', '1080', '-D', '1080', 'db']},
  {name: '-J bastion', files: {}, argv: ['-J', 'bastion', 'db']},
  {name: '-J user@bastion:2222', files: {}, argv: ['-J', 'jump@bastion:2222', 'db']},
  {name: '-J a,b', files: {}, argv: ['-J', 'a,b', 'db']},
  {name: '-J with an IPv4 jump host', files: {}, argv: ['-J', '192.0.2.1:2200', 'db']},
  {name: '-J ssh:// jump host', files: {}, argv: ['-J', 'ssh://j@bastion:2201', 'db']},
  {
    name: '-J beats ProxyJump in the config',
    files: config('Host db', '  ProxyJump cfgbastion'),
    argv: ['-J', 'clibastion', 'db'],
  },
  {
    name: '-J beats ProxyCommand in the config',
    files: config('Host db', '  ProxyCommand nc %h %p'),
    argv: ['-J', 'clibastion', 'db'],
  },
  {
    name: '-o ProxyCommand beats ProxyJump in the config',
    files: config('Host db', '  ProxyJump cfgbastion'),
    argv: ['-o', 'ProxyCommand=nc %h %p', 'db'],
  },
  {
    name: '-o ProxyJump=none',
    files: config('Host db', '  ProxyJump cfgbastion'),
    argv: ['-o', 'ProxyJump=none', 'db'],
  },
  {
    name: '-o ProxyCommand=none',
    files: config('Host db', '  ProxyCommand nc %h %p'),
    argv: ['-o', 'ProxyCommand=none', 'db'],
  },
  {
    name: 'ProxyJump first in the config wins over a later ProxyCommand',
    files: config('Host db', '  ProxyJump bastion', 'Host *', '  ProxyCommand nc %h %p'),
    argv: ['db'],
  },
  {
    name: 'ProxyCommand first in the config wins over a later ProxyJump',
    files: config('Host db', '  ProxyCommand nc %h %p', 'Host *', '  ProxyJump bastion'),
    argv: ['db'],
  },
  {
    name: 'ProxyJump none in the config',
    files: config('Host db', '  ProxyJump none', 'Host *', '  ProxyJump bastion'),
    argv: ['db'],
  },
  {
    name: 'ProxyJump with a chain',
    files: config('Host db', '  ProxyJump jump1,jump2@host2:2222'),
    argv: ['db'],
  },
  {
    name: '-F a file instead of ~/.ssh/config',
    files: {
      '~/.ssh/config': lines('Host db', '  Port 2700'),
      '~/alt.conf': lines('Host db', '  Port 2701'),
    },
    argv: ['-F', '/root/alt.conf', 'db'],
  },
  {
    name: '-F skips the system config too',
    files: {
      '/etc/ssh/ssh_config': lines('Host *', '  User system'),
      '~/alt.conf': lines('Host db', '  Port 2702'),
    },
    argv: ['-F', '/root/alt.conf', 'db'],
  },
  {
    name: '-F with a literal ~ is an error (ssh does not expand it)',
    deliberateExit: 'tunnels expands ~ in -F (the UI and favorites pass it on without a shell)',
    files: {'~/alt.conf': lines('Host db', '  Port 2703')},
    argv: ['-F', '~/alt.conf', 'db'],
    sshFails: true,
  },
  {
    name: '-F with a relative path (from the working directory, the home here)',
    files: {'~/alt.conf': lines('Host db', '  Port 2705')},
    argv: ['-F', 'alt.conf', 'db'],
  },
  {
    name: '-F none reads no file',
    files: {
      '/etc/ssh/ssh_config': lines('Host *', '  User system'),
      '~/.ssh/config': lines('Host db', '  Port 2704'),
    },
    argv: ['-F', 'none', 'db'],
  },
  {
    name: '-F a missing file is an error',
    files: {},
    argv: ['-F', '/root/missing.conf', 'db'],
    sshFails: true,
  },
  {
    name: '-o unknown option is an error',
    deliberateExit:
      'an unknown -o is a warning in tunnels: scripts have relied on it since the first release',
    files: {},
    argv: ['-o', 'NoSuchOption=yes', 'db'],
    sshFails: true,
  },
  {
    name: '-o with IgnoreUnknown first',
    files: {},
    argv: ['-o', 'IgnoreUnknown=NoSuch*', '-o', 'NoSuchOption=yes', 'db'],
  },
  {
    name: '-o HostName',
    files: config('Host db', '  HostName cfg.example.com'),
    argv: ['-o', 'HostName=cli.example.com', 'db'],
  },
  {name: '-o BatchMode=yes', files: {}, argv: ['-o', 'BatchMode=yes', 'db']},
  {
    name: '-o ClearAllForwardings=yes drops CLI and config forwards',
    files: config('Host db', '  LocalForward 9090 localhost:90'),
    argv: ['-o', 'ClearAllForwardings=yes', '-L', '8080:localhost:80', 'db'],
  },
  {name: '-o LocalForward', files: {}, argv: ['-o', 'LocalForward=8081 localhost:81', 'db']},
  {
    name: '-o options apply before the config',
    files: config('Host db', '  StrictHostKeyChecking yes', '  ConnectTimeout 5'),
    argv: ['-o', 'StrictHostKeyChecking=accept-new', 'db'],
  },
  {name: 'destination missing is an error', files: {}, argv: ['-p', '22'], sshFails: true},

  // ---- Parsing ----
  {
    name: 'trailing comment after a value',
    files: config('Host db', '  Port 2801 # the db port'),
    argv: ['db'],
  },
  {name: '# inside a word is kept', files: config('Host db', '  IdentityFile ~/.ssh/id#1'), argv: ['db']},
  {name: 'comment line indented', files: config('Host db', '  # Port 9999', '  Port 2802'), argv: ['db']},
  {
    name: 'quoted IdentityFile with spaces',
    files: config('Host db', '  IdentityFile "~/.ssh/my key"'),
    argv: ['db'],
  },
  {name: 'Key=Value', files: config('Host db', '  Port=2803', '  User=eq'), argv: ['db']},
  {name: 'Key = Value', files: config('Host db', '  Port = 2804', '  User = eqspaced'), argv: ['db']},
  {
    name: 'Key =Value and Key= Value',
    files: config('Host db', '  Port =2805', '  User= eqmixed'),
    argv: ['db'],
  },
  {name: 'tabs', files: config('Host\tdb', '\tPort\t2806', '\tUser\ttabbed'), argv: ['db']},
  {
    name: 'CRLF line endings',
    files: {'~/.ssh/config': 'Host db\r\n  Port 2807\r\n  User crlf\r\n'},
    argv: ['db'],
  },
  {name: 'no final newline', files: {'~/.ssh/config': 'Host db\n  Port 2808'}, argv: ['db']},
  {
    name: 'keywords in any case',
    files: config('HOST db', '  pOrT 2809', '  USER upper', '  hostname DB.EXAMPLE'),
    argv: ['db'],
  },
  {
    name: 'blank and whitespace-only lines',
    files: config('', '   ', 'Host db', '', '\t', '  Port 2810', ''),
    argv: ['db'],
  },
  {
    name: 'trailing whitespace after a value',
    files: config('Host db   ', '  Port 2811   ', '  User trail\t'),
    argv: ['db'],
  },
  {name: 'Port http (a service name)', files: config('Host db', '  Port http'), argv: ['db']},
  {name: 'Port ssh (a service name)', files: config('Host db', '  Port ssh'), argv: ['db']},
  {name: 'Port 0 is an error', files: config('Host db', '  Port 0'), argv: ['db'], sshFails: true},
  {name: 'Port 65536 is an error', files: config('Host db', '  Port 65536'), argv: ['db'], sshFails: true},
  {name: 'Port with no value is an error', files: config('Host db', '  Port'), argv: ['db'], sshFails: true},
  {
    name: 'Port with two values is an error',
    files: config('Host db', '  Port 22 23'),
    argv: ['db'],
    sshFails: true,
  },
  {
    name: 'Port error in a block that does not match',
    files: config('Host other', '  Port banana'),
    argv: ['db'],
    sshFails: true,
  },
  {
    name: 'unknown option is an error',
    files: config('Host db', '  NoSuchOption yes'),
    argv: ['db'],
    sshFails: true,
  },
  {
    name: 'unknown option with IgnoreUnknown',
    files: config('IgnoreUnknown UseKeychain,AddKeysToAgent2', 'Host db', '  UseKeychain yes', '  Port 2812'),
    argv: ['db'],
  },
  {
    name: 'deprecated option is ignored',
    files: config('Host db', '  Protocol 2', '  UseRoaming no', '  Port 2813'),
    argv: ['db'],
  },
  {name: 'ConnectTimeout 1m30s', files: config('Host db', '  ConnectTimeout 1m30s'), argv: ['db']},
  {name: 'ConnectTimeout 10', files: config('Host db', '  ConnectTimeout 10'), argv: ['db']},
  {
    name: 'ConnectTimeout 0',
    files: config('Host db', '  ConnectTimeout 0'),
    argv: ['db'],
    deliberate: {connecttimeout: CONNECT_TIMEOUT},
  },
  {
    name: 'ConnectTimeout none',
    files: config('Host db', '  ConnectTimeout none'),
    argv: ['db'],
    deliberate: {connecttimeout: CONNECT_TIMEOUT},
  },
  {
    name: 'ConnectTimeout bad unit is an error',
    files: config('Host db', '  ConnectTimeout 5y'),
    argv: ['db'],
    sshFails: true,
  },
  {name: 'ServerAliveInterval 2h', files: config('Host db', '  ServerAliveInterval 2h'), argv: ['db']},
  {name: 'ServerAliveInterval 30', files: config('Host db', '  ServerAliveInterval 30'), argv: ['db']},
  {name: 'ServerAliveInterval 0 (off)', files: config('Host db', '  ServerAliveInterval 0'), argv: ['db']},
  {name: 'ServerAliveInterval 1W2d', files: config('Host db', '  ServerAliveInterval 1W2d'), argv: ['db']},
  {
    name: 'ServerAliveCountMax 5 and Interval 10',
    files: config('Host db', '  ServerAliveCountMax 5', '  ServerAliveInterval 10'),
    argv: ['db'],
  },
  {name: 'ServerAliveCountMax 0', files: config('Host db', '  ServerAliveCountMax 0'), argv: ['db']},
  {
    name: 'Ciphers explicit list',
    files: config('Host db', '  Ciphers aes256-gcm@openssh.com,aes128-ctr'),
    argv: ['db'],
  },
  {name: 'Ciphers +append', files: config('Host db', '  Ciphers +aes128-cbc'), argv: ['db']},
  {
    name: 'Ciphers -remove',
    files: config('Host db', '  Ciphers -chacha20-poly1305@openssh.com'),
    argv: ['db'],
  },
  {name: 'Ciphers -remove with a wildcard', files: config('Host db', '  Ciphers -*-ctr'), argv: ['db']},
  {name: 'Ciphers ^prepend', files: config('Host db', '  Ciphers ^aes256-gcm@openssh.com'), argv: ['db']},
  {name: 'Ciphers +append of a default one', files: config('Host db', '  Ciphers +aes128-ctr'), argv: ['db']},
  {
    name: 'Ciphers with an unknown cipher is an error',
    files: config('Host db', '  Ciphers rot13'),
    argv: ['db'],
    sshFails: true,
  },
  {name: 'ForwardAgent yes', files: config('Host db', '  ForwardAgent yes'), argv: ['db']},
  {name: 'ForwardAgent Yes / TRUE variants', files: config('Host db', '  ForwardAgent TRUE'), argv: ['db']},
  {
    name: 'ForwardAgent a socket path',
    files: config('Host db', '  ForwardAgent /tmp/other-agent.sock'),
    argv: ['db'],
  },
  {name: 'ForwardAgent ~ path', files: config('Host db', '  ForwardAgent ~/.agent.sock'), argv: ['db']},
  {
    name: 'ForwardAgent $VAR',
    files: config('Host db', '  ForwardAgent $OTHER_AGENT'),
    argv: ['db'],
    env: {OTHER_AGENT: '/tmp/other.sock'},
  },
  {name: 'BatchMode YES', files: config('Host db', '  BatchMode YES'), argv: ['db']},
  {name: 'BatchMode true', files: config('Host db', '  BatchMode true'), argv: ['db']},
  {name: 'BatchMode False', files: config('Host db', '  BatchMode False'), argv: ['db']},
  {
    name: 'BatchMode maybe is an error',
    files: config('Host db', '  BatchMode maybe'),
    argv: ['db'],
    sshFails: true,
  },
  {name: 'HostKeyAlias is lower-cased', files: config('Host db', '  HostKeyAlias DB-Prod'), argv: ['db']},
  {name: 'GatewayPorts yes', files: config('Host db', '  GatewayPorts yes'), argv: ['db']},
  {
    name: 'CanonicalizeHostname yes, domain does not resolve: falls back',
    files: config('CanonicalizeHostname yes', 'CanonicalDomains corp.invalid other.invalid'),
    argv: ['app'],
  },
  {
    name: 'CanonicalizeHostname always',
    files: config('CanonicalizeHostname always', 'CanonicalDomains corp.invalid'),
    argv: ['app'],
  },
  {
    name: 'CanonicalizeHostname no',
    files: config('CanonicalizeHostname no', 'CanonicalDomains corp.invalid'),
    argv: ['app'],
  },
  {
    name: 'CanonicalizeHostname yes without fallback fails',
    files: config(
      'CanonicalizeHostname yes',
      'CanonicalDomains corp.invalid',
      'CanonicalizeFallbackLocal no',
    ),
    argv: ['app'],
    sshFails: true,
  },
  {
    name: 'CanonicalizeMaxDots: a name with more dots is left alone',
    files: config(
      'CanonicalizeHostname yes',
      'CanonicalDomains corp.invalid',
      'CanonicalizeFallbackLocal no',
    ),
    argv: ['a.b.example'],
  },
  {
    name: 'CanonicalizeHostname yes re-reads Host blocks',
    files: config('CanonicalizeHostname yes', 'CanonicalDomains corp.invalid', 'Host app', '  Port 2814'),
    argv: ['app'],
  },
  {name: 'StrictHostKeyChecking yes', files: config('Host db', '  StrictHostKeyChecking yes'), argv: ['db']},
  {name: 'StrictHostKeyChecking no', files: config('Host db', '  StrictHostKeyChecking no'), argv: ['db']},
  {name: 'StrictHostKeyChecking off', files: config('Host db', '  StrictHostKeyChecking off'), argv: ['db']},
  {
    name: 'StrictHostKeyChecking accept-new',
    files: config('Host db', '  StrictHostKeyChecking accept-new'),
    argv: ['db'],
  },
  {name: 'StrictHostKeyChecking ask', files: config('Host db', '  StrictHostKeyChecking ask'), argv: ['db']},
  {
    name: 'StrictHostKeyChecking bogus is an error',
    files: config('Host db', '  StrictHostKeyChecking sometimes'),
    argv: ['db'],
    sshFails: true,
  },
  {
    name: 'HashKnownHosts yes from the system config',
    files: {'/etc/ssh/ssh_config': DEBIAN_SYSTEM_CONFIG, '~/.ssh/config': lines('Host db', '  Port 2815')},
    argv: ['db'],
  },
  {
    name: 'HashKnownHosts no in the user config beats the system one',
    files: {'/etc/ssh/ssh_config': DEBIAN_SYSTEM_CONFIG, '~/.ssh/config': lines('HashKnownHosts no')},
    argv: ['db'],
  },
  {
    name: 'ClearAllForwardings in the config',
    files: config(
      'Host db',
      '  ClearAllForwardings yes',
      '  LocalForward 8080 localhost:80',
      '  DynamicForward 1080',
    ),
    argv: ['db'],
  },
  {
    name: 'ClearAllForwardings in the config drops CLI forwards too',
    files: config('Host db', '  ClearAllForwardings yes'),
    argv: ['-L', '8080:localhost:80', '-R', '9000:localhost:3000', 'db'],
  },
  {name: 'ExitOnForwardFailure yes', files: config('Host db', '  ExitOnForwardFailure yes'), argv: ['db']},
  {name: 'NumberOfPasswordPrompts 1', files: config('Host db', '  NumberOfPasswordPrompts 1'), argv: ['db']},
  {name: 'NumberOfPasswordPrompts 0', files: config('Host db', '  NumberOfPasswordPrompts 0'), argv: ['db']},
  {
    name: 'IdentitiesOnly yes',
    files: config('Host db', '  IdentitiesOnly yes', '  IdentityFile ~/.ssh/only'),
    argv: ['db'],
  },
  {name: 'PasswordAuthentication no', files: config('Host db', '  PasswordAuthentication no'), argv: ['db']},
  {
    name: 'KbdInteractiveAuthentication no',
    files: config('Host db', '  KbdInteractiveAuthentication no'),
    argv: ['db'],
  },
  {
    name: 'ChallengeResponseAuthentication is KbdInteractiveAuthentication',
    files: config('Host db', '  ChallengeResponseAuthentication no'),
    argv: ['db'],
  },
  {
    name: 'GlobalKnownHostsFile custom',
    files: config('Host db', '  GlobalKnownHostsFile /etc/ssh/corp_known_hosts'),
    argv: ['db'],
  },
  {name: 'GlobalKnownHostsFile none', files: config('Host db', '  GlobalKnownHostsFile none'), argv: ['db']},
  {name: 'UserKnownHostsFile none', files: config('Host db', '  UserKnownHostsFile none'), argv: ['db']},
  {
    name: 'UserKnownHostsFile /dev/null',
    files: config('Host db', '  UserKnownHostsFile /dev/null'),
    argv: ['db'],
  },
  {
    name: 'UserKnownHostsFile two files, the later line ignored',
    files: config('Host db', '  UserKnownHostsFile ~/.ssh/a ~/.ssh/b', '  UserKnownHostsFile ~/.ssh/c'),
    argv: ['db'],
  },
  {
    name: 'UserKnownHostsFile none with another file is an error',
    files: config('Host db', '  UserKnownHostsFile none ~/.ssh/other'),
    argv: ['db'],
    sshFails: true,
  },
  {
    name: 'LocalForward with a bind address',
    files: config('Host db', '  LocalForward 127.0.0.1:8080 localhost:80'),
    argv: ['db'],
  },
  {
    name: 'LocalForward with localhost bind',
    files: config('Host db', '  LocalForward localhost:8080 localhost:80'),
    argv: ['db'],
  },
  {
    name: 'LocalForward IPv6',
    files: config('Host db', '  LocalForward [::1]:8080 [2001:db8::3]:80'),
    argv: ['db'],
  },
  {
    name: 'LocalForward missing a target is an error',
    files: config('Host db', '  LocalForward 8080'),
    argv: ['db'],
    sshFails: true,
  },
  {
    name: 'LocalForward in two blocks, both kept in order',
    files: config(
      'Host db',
      '  LocalForward 8080 localhost:80',
      'Host *',
      '  LocalForward 9090 localhost:90',
    ),
    argv: ['db'],
  },
  {
    name: 'LocalForward repeated in two blocks is listed once',
    files: config(
      'Host db',
      '  LocalForward 8080 localhost:80',
      'Host *',
      '  LocalForward 8080 localhost:80',
    ),
    argv: ['db'],
  },
  {
    name: 'DynamicForward',
    files: config('Host db', '  DynamicForward 1080', '  DynamicForward 127.0.0.1:1081'),
    argv: ['db'],
  },
  {
    name: 'RemoteForward',
    files: config(
      'Host db',
      '  RemoteForward 9000 localhost:3000',
      '  RemoteForward 0.0.0.0:9001 127.0.0.1:3001',
    ),
    argv: ['db'],
  },
  {name: 'RemoteForward dynamic (port only)', files: config('Host db', '  RemoteForward 1080'), argv: ['db']},
  {name: 'ForwardX11 yes', files: config('Host db', '  ForwardX11 yes'), argv: ['db']},
  {
    name: 'HostName then Port with = and quotes',
    files: config('Host db', '  HostName="db.example.com"', '  Port="2816"'),
    argv: ['db'],
  },
  {name: 'quoted value with = inside', files: config('Host db', '  IdentityFile="~/.ssh/a=b"'), argv: ['db']},
  {
    name: 'unterminated quote is an error',
    files: config('Host db', '  IdentityFile "~/.ssh/open'),
    argv: ['db'],
    sshFails: true,
  },
  {name: 'User with a quoted space', files: config('Host db', '  User "first last"'), argv: ['db']},
  {
    name: 'CertificateFile twice',
    files: config('Host db', '  CertificateFile ~/.ssh/a-cert.pub', '  CertificateFile ~/.ssh/b-cert.pub'),
    argv: ['db'],
  },

  // ---- More command-line and option edge cases ----
  {name: '-o Port with a service name', files: {}, argv: ['-o', 'Port=http', 'db']},
  {name: '-o User beats ssh:// user', files: {}, argv: ['-o', 'User=cli', 'ssh://url@db']},
  {name: '-o ConnectTimeout=1m', files: {}, argv: ['-o', 'ConnectTimeout=1m', 'db']},
  {
    name: '-o ConnectTimeout=-1 is an error',
    files: {},
    argv: ['-o', 'ConnectTimeout=-1', 'db'],
    sshFails: true,
  },
  {name: '-o StrictHostKeyChecking=No (case)', files: {}, argv: ['-o', 'StrictHostKeyChecking=No', 'db']},
  {name: '-o ExitOnForwardFailure=yes', files: {}, argv: ['-o', 'ExitOnForwardFailure=yes', 'db']},
  {name: '-o HostKeyAlias', files: {}, argv: ['-o', 'HostKeyAlias=Other-Alias', 'db']},
  {name: '-o HashKnownHosts=yes', files: {}, argv: ['-o', 'HashKnownHosts=yes', 'db']},
  {
    name: '-o IdentitiesOnly=yes with -i',
    files: {'~/.ssh/only': KEY},
    argv: ['-o', 'IdentitiesOnly=yes', '-i', '/root/.ssh/only', 'db'],
  },
  {
    name: '-o IdentityFile with a quoted ~',
    files: {},
    argv: ['-o', 'IdentityFile="~/.ssh/quoted key"', 'db'],
  },
  {name: '-o RemoteForward', files: {}, argv: ['-o', 'RemoteForward=9000 localhost:3000', 'db']},
  {name: '-o DynamicForward', files: {}, argv: ['-o', 'DynamicForward=1082', 'db']},
  {name: '-o UserKnownHostsFile with %h', files: {}, argv: ['-o', 'UserKnownHostsFile=~/.ssh/kh-%h', 'db']},
  {
    name: '-o GlobalKnownHostsFile',
    files: {},
    argv: ['-o', 'GlobalKnownHostsFile=/etc/ssh/other_hosts', 'db'],
  },
  {name: '-o NumberOfPasswordPrompts=2', files: {}, argv: ['-o', 'NumberOfPasswordPrompts=2', 'db']},
  {name: '-o PasswordAuthentication=no', files: {}, argv: ['-o', 'PasswordAuthentication=no', 'db']},
  {name: '-o ServerAliveCountMax=1', files: {}, argv: ['-o', 'ServerAliveCountMax=1', 'db']},
  {name: '-o ServerAliveInterval=5', files: {}, argv: ['-o', 'ServerAliveInterval=5', 'db']},
  {name: '-o ForwardX11=yes', files: {}, argv: ['-o', 'ForwardX11=yes', 'db']},
  {name: '-Y (trusted X11)', files: {}, argv: ['-Y', 'db']},
  {name: '-g (GatewayPorts)', files: {}, argv: ['-g', 'db']},
  {name: '-N (no remote command)', files: {}, argv: ['-N', 'db']},
  {
    name: '-s (a subsystem)',
    deliberateExit: 'tunnels has no subsystem mode (-s)',
    files: {},
    argv: ['-s', 'db', 'sftp'],
  },
  {name: '-o SessionType=none', files: {}, argv: ['-o', 'SessionType=none', 'db']},
  {name: '-o IdentityAgent=none', files: {}, argv: ['-o', 'IdentityAgent=none', 'db']},
  {
    name: '-o ClearAllForwardings=no keeps forwards',
    files: {},
    argv: ['-o', 'ClearAllForwardings=no', '-D', '1080', 'db'],
  },
  {name: '-J then -o ProxyJump', files: {}, argv: ['-J', 'first', '-o', 'ProxyJump=second', 'db']},
  {
    name: '-o ProxyJump then -J is an error (a single -J)',
    files: {},
    argv: ['-o', 'ProxyJump=first', '-J', 'second', 'db'],
    sshFails: true,
  },
  {name: '-J none', files: config('Host db', '  ProxyJump cfgbastion'), argv: ['-J', 'none', 'db']},
  // OpenSSH since March 2026 (Debian's 9.2p1-2+deb12u10): ProxyJump none no longer stops a later
  // ProxyCommand, and a -J or -o ProxyJump's names may not carry characters a shell gives meaning to.
  {
    name: 'ProxyJump none, then a ProxyCommand for every host',
    files: config('Host db', '  ProxyJump none', 'Host *', '  ProxyCommand nc -X 5 -x proxy:1080 %h %p'),
    argv: ['db'],
  },
  {
    name: 'ProxyJump none and a ProxyCommand in one block',
    files: config('Host db', '  ProxyJump none', '  ProxyCommand nc %h %p'),
    argv: ['db'],
  },
  {
    name: 'ProxyCommand, then ProxyJump none',
    files: config('Host db', '  ProxyCommand nc %h %p', '  ProxyJump none'),
    argv: ['db'],
  },
  {
    name: "-J none keeps the config's ProxyCommand",
    files: config('Host *', '  ProxyCommand nc %h %p'),
    argv: ['-J', 'none', 'db'],
  },
  // ssh writes a host that is an address in its standard form, CanonicalizeHostname or not.
  {
    name: 'a HostName that is a short IPv4 address',
    files: config('Host tantale', '  HostName 1'),
    argv: ['tantale'],
  },
  {name: 'short and octal IPv4 addresses typed as the host', files: {}, argv: ['-F', 'none', '010.0x1.1']},
  {name: 'an IPv6 address with zeros written out', files: {}, argv: ['-F', 'none', '0:0:0:0:0:0:0:1']},
  {
    name: 'an address under CanonicalizeHostname with no fallback',
    files: config('CanonicalizeHostname yes', 'CanonicalDomains example.com', 'CanonicalizeFallbackLocal no'),
    argv: ['10.1'],
  },
  {
    name: 'Match canonical sees the address in its standard form',
    files: config(
      'Host x',
      '  HostName 1',
      '  CanonicalizeHostname yes',
      'Match canonical host 0.0.0.1',
      '  User matched',
    ),
    argv: ['x'],
  },
  {
    name: 'ports by service name in forwards',
    files: config('Host db', '  LocalForward http localhost:https'),
    argv: ['-L', 'imap:127.0.0.1:ssh', '-D', 'socks', '-R', '8022:localhost:ssh', 'db'],
  },
  {
    name: 'an unknown service name in a forward',
    files: {},
    argv: ['-L', 'nosuchservice:h:80', 'db'],
    sshFails: true,
  },
  {name: '-J none, then -o ProxyCommand', files: {}, argv: ['-J', 'none', '-o', 'ProxyCommand=nc x', 'db']},
  {name: '-J with a ; in the host', files: {}, argv: ['-J', 'a;b', 'db'], sshFails: true},
  {name: '-J with a host that starts with -', files: {}, argv: ['-J', '-oFoo', 'db'], sshFails: true},
  {name: '-J with ( in a hop before the last', files: {}, argv: ['-J', 'b(c),h', 'db'], sshFails: true},
  {name: '-J with a ` in the user', files: {}, argv: ['-J', 'a`id`@h', 'db'], sshFails: true},
  {name: '-J with a $ in the user (allowed)', files: {}, argv: ['-J', 'u$x@h', 'db']},
  {name: '-o ProxyJump with a | in the host', files: {}, argv: ['-o', 'ProxyJump=a|b', 'db'], sshFails: true},
  {
    name: 'ProxyJump with a ; in a config file (not checked there)',
    files: config('ProxyJump a;b'),
    argv: ['db'],
  },
  {name: '-J with a bracketed IPv6 jump host', files: {}, argv: ['-J', '[2001:db8::7]:2200', 'db']},
  {
    name: 'ProxyJump ssh:// in the config',
    files: config('Host db', '  ProxyJump ssh://j@bastion:2202'),
    argv: ['db'],
  },
  {
    name: 'ProxyJump with a user and an IPv4 address',
    files: config('Host db', '  ProxyJump ops@10.0.0.1'),
    argv: ['db'],
  },
  {name: 'command after the destination', files: {}, argv: ['db', 'uptime']},
  {name: 'command with options after it (not options)', files: {}, argv: ['db', 'ls', '-p', '2999']},
  {
    name: 'ConnectTimeout via -o beats the config',
    files: config('Host db', '  ConnectTimeout 5'),
    argv: ['-o', 'ConnectTimeout=7', 'db'],
  },
  {
    name: 'NumberOfPasswordPrompts abc is an error',
    files: config('Host db', '  NumberOfPasswordPrompts abc'),
    argv: ['db'],
    sshFails: true,
  },
  {
    name: 'ServerAliveCountMax abc is an error',
    files: config('Host db', '  ServerAliveCountMax abc'),
    argv: ['db'],
    sshFails: true,
  },
  {name: 'PubkeyAuthentication no', files: config('Host db', '  PubkeyAuthentication no'), argv: ['db']},
  {name: 'StreamLocalBindUnlink yes', files: config('Host db', '  StreamLocalBindUnlink yes'), argv: ['db']},
  {name: 'StreamLocalBindMask 0077', files: config('Host db', '  StreamLocalBindMask 0077'), argv: ['db']},
  {
    name: 'PermitRemoteOpen a list',
    files: config('Host db', '  PermitRemoteOpen localhost:80 127.0.0.1:*'),
    argv: ['db'],
  },
  {name: 'CanonicalizeMaxDots 0', files: config('Host db', '  CanonicalizeMaxDots 0'), argv: ['db']},
  {
    name: 'CanonicalDomains alone (no canonicalization)',
    files: config('CanonicalDomains corp.invalid'),
    argv: ['db'],
  },
  {
    name: 'CanonicalizeFallbackLocal no without canonicalization',
    files: config('CanonicalizeFallbackLocal no'),
    argv: ['db'],
  },
  {
    name: 'GlobalKnownHostsFile with %h stays literal',
    files: config('Host db', '  GlobalKnownHostsFile /etc/ssh/kh_%h'),
    argv: ['db'],
  },
  {
    name: 'UserKnownHostsFile relative path',
    files: config('Host db', '  UserKnownHostsFile known_hosts.local'),
    argv: ['db'],
  },
  {
    name: 'ClearAllForwardings no',
    files: config('Host db', '  ClearAllForwardings no', '  LocalForward 8080 localhost:80'),
    argv: ['db'],
  },
  {
    name: 'Match block then Host * in order',
    files: config('Match host db', '  User matchuser', 'Host *', '  User hostuser', '  Port 2901'),
    argv: ['db'],
  },
  {name: 'Match user with a list', files: config('Match user deploy,ops', '  Port 2902'), argv: ['ops@db']},
  {name: 'Match localuser !root', files: config('Match localuser !root', '  Port 2903'), argv: ['db']},
  {name: 'Match host is case-insensitive', files: config('Match host DB', '  Port 2904'), argv: ['db']},
  {
    name: 'Match canonical host after canonicalization',
    files: config(
      'CanonicalizeHostname yes',
      'CanonicalDomains corp.invalid',
      'Match canonical host app',
      '  User canon',
    ),
    argv: ['app'],
  },
  {
    name: 'Match exec with %u and %d',
    files: config('Match exec "test %u = root -a %d = /root"', '  Port 2905'),
    argv: ['db'],
  },
  {
    name: 'Match exec with a failing command',
    files: config('Match exec "exit 3"', '  Port 2906'),
    argv: ['db'],
  },
  {
    name: 'Match exec sees -p in %p',
    files: config('Match exec "test %p = 2907"', '  User portmatch'),
    argv: ['-p', '2907', 'db'],
  },
  {
    name: 'HostName %%h is a literal %h',
    files: config('Host db', '  HostName x%%h.example.com'),
    argv: ['db'],
  },
  {
    name: 'Host * with ForwardAgent yes and -a',
    files: config('Host *', '  ForwardAgent yes'),
    argv: ['-a', 'db'],
  },
  {
    name: 'ForwardAgent no',
    files: config('Host db', '  ForwardAgent no', 'Host *', '  ForwardAgent yes'),
    argv: ['db'],
  },

  {name: '-b', files: {}, argv: ['-b', '127.0.0.1', 'db']},
  {name: '-o BindAddress IPv6', files: {}, argv: ['-o', 'BindAddress=::1', 'db']},
  {
    name: 'BindAddress in the config, -b first',
    files: config('Host db', '  BindAddress 127.0.0.3'),
    argv: ['-b', '127.0.0.2', 'db'],
  },
  {
    name: 'Match exec quoted, without an =',
    files: config('Match exec "test -n %h"', '  Port 2908'),
    argv: ['db'],
  },
  {
    name: 'Match host=db (an = after the criterion)',
    files: config('Match host=db', '  Port 2909'),
    argv: ['db'],
  },
  {
    name: '-L with port 0 is an error',
    deliberateExit: 'port 0 picks a free port in tunnels, reported in the events',
    files: {},
    argv: ['-L', '0:localhost:80', 'db'],
    sshFails: true,
  },
  {
    name: '-D with port 0 is an error',
    deliberateExit: 'port 0 picks a free port in tunnels, reported in the events',
    files: {},
    argv: ['-D', '0', 'db'],
    sshFails: true,
  },
  {
    name: '-F given twice: the last wins',
    files: {'~/a.conf': lines('Port 2910'), '~/b.conf': lines('Port 2911')},
    argv: ['-F', '/root/a.conf', '-F', '/root/b.conf', 'db'],
  },

  {
    name: 'Match final in an included file',
    files: {
      '~/.ssh/config': lines('Include final.conf'),
      '~/.ssh/final.conf': lines('Match final', '  Port 2912'),
    },
    argv: ['db'],
  },
  {
    name: 'Match final in the system config',
    files: {'/etc/ssh/ssh_config': lines('Match final host db', '  User sysfinal')},
    argv: ['db'],
  },
  {
    name: 'Match !final',
    files: config('Match !final', '  Port 2913', 'Match final', '  Port 2914'),
    argv: ['db'],
  },
  {
    name: 'Match final and Host blocks read twice (first value still wins)',
    files: config('Host db', '  User first', 'Match final', '  User second', '  Port 2915'),
    argv: ['db'],
  },
  {
    name: 'trailing dot with CanonicalizeHostname yes',
    files: config('CanonicalizeHostname yes', 'CanonicalDomains corp.invalid'),
    argv: ['db.example.com.'],
  },
  {
    name: 'the same key by -i and by IdentityFile with ~',
    files: {...config('Host db', '  IdentityFile ~/.ssh/same'), '~/.ssh/same': KEY},
    argv: ['-i', '/root/.ssh/same', 'db'],
  },
  {
    name: 'the same key by -i twice, once with ~',
    files: {'~/.ssh/same': KEY},
    argv: ['-i', '~/.ssh/same', '-i', '/root/.ssh/same', 'db'],
  },
  {
    name: 'Match exec with single quotes and an = inside double quotes',
    files: config("Match exec \"test '%h' = 'db'\"", '  Port 2916'),
    argv: ['db'],
  },
  {name: '-Y then -x', files: {}, argv: ['-Y', '-x', 'db']},
  {name: '-- then options are the command', files: {}, argv: ['--', 'db', '-p', '2917']},

  // ---- Configs people write ----
  {
    name: 'company bastion with ProxyJump',
    files: config(
      'Host bastion',
      '  HostName bastion.corp.invalid',
      '  User jdoe',
      '  IdentityFile ~/.ssh/corp_ed25519',
      '',
      'Host *.internal.corp.invalid !bastion',
      '  ProxyJump bastion',
      '  User jdoe',
      '  IdentityFile ~/.ssh/corp_ed25519',
      '',
      'Host *',
      '  AddKeysToAgent yes',
      '  ServerAliveInterval 60',
    ),
    argv: ['db1.internal.corp.invalid'],
  },
  {
    name: 'company bastion: the bastion itself',
    files: config(
      'Host bastion',
      '  HostName bastion.corp.invalid',
      '  User jdoe',
      'Host * !bastion',
      '  ProxyJump bastion',
    ),
    argv: ['bastion'],
  },
  {
    name: 'GitHub with IdentitiesOnly',
    files: config(
      'Host github.com',
      '  HostName github.com',
      '  User git',
      '  IdentityFile ~/.ssh/id_ed25519_github',
      '  IdentitiesOnly yes',
    ),
    argv: ['github.com'],
  },
  {
    name: 'two GitHub accounts by alias',
    files: config(
      'Host github-work',
      '  HostName github.com',
      '  User git',
      '  IdentityFile ~/.ssh/id_work',
      '  IdentitiesOnly yes',
      'Host github.com',
      '  User git',
      '  IdentityFile ~/.ssh/id_personal',
      '  IdentitiesOnly yes',
    ),
    argv: ['github-work'],
  },
  {
    name: 'GitHub over port 443',
    files: config('Host github.com', '  Hostname ssh.github.com', '  Port 443', '  User git'),
    argv: ['github.com'],
  },
  {
    name: '1Password agent',
    files: config(
      'Host *',
      '  IdentityAgent "~/Library/Group Containers/2BUA8C4S2C.com.1password/t/agent.sock"',
    ),
    argv: ['server'],
  },
  {
    name: '1Password agent, Linux path',
    files: config('Host *', '\tIdentityAgent ~/.1password/agent.sock'),
    argv: ['server'],
  },
  {
    name: 'AWS SSM ProxyCommand',
    files: config(
      'host i-* mi-*',
      '    ProxyCommand sh -c "aws ssm start-session --target %h --document-name AWS-StartSSHSession --parameters \'portNumber=%p\'"',
      '    User ec2-user',
    ),
    argv: ['i-0123456789abcdef0'],
  },
  {
    name: 'EC2 throwaway hosts',
    files: config(
      'Host *.compute.amazonaws.com',
      '  User ec2-user',
      '  IdentityFile ~/.ssh/aws.pem',
      '  StrictHostKeyChecking no',
      '  UserKnownHostsFile /dev/null',
    ),
    argv: ['ec2-1-2-3-4.compute.amazonaws.com'],
  },
  {
    name: 'per-environment wildcards',
    files: config(
      'Host prod-*',
      '  User deploy',
      '  ProxyJump bastion-prod',
      '  StrictHostKeyChecking yes',
      'Host staging-*',
      '  User deploy',
      '  ProxyJump bastion-staging',
      'Host dev-*',
      '  User me',
      '  StrictHostKeyChecking accept-new',
      'Host bastion-*',
      '  ProxyJump none',
      '  HostName %h.corp.invalid',
      'Host *',
      '  IdentityFile ~/.ssh/id_ed25519',
      '  ServerAliveInterval 30',
      '  ServerAliveCountMax 4',
    ),
    argv: ['prod-web-1'],
  },
  {
    name: 'per-environment wildcards: a dev host',
    files: config(
      'Host prod-*',
      '  User deploy',
      'Host dev-*',
      '  User me',
      '  StrictHostKeyChecking accept-new',
      'Host *',
      '  IdentityFile ~/.ssh/id_ed25519',
    ),
    argv: ['dev-box'],
  },
  {
    name: 'macOS with UseKeychain and IgnoreUnknown',
    files: config(
      'Host *',
      '  IgnoreUnknown UseKeychain',
      '  UseKeychain yes',
      '  AddKeysToAgent yes',
      '  IdentityFile ~/.ssh/id_ed25519',
    ),
    argv: ['server'],
  },
  {
    name: 'macOS UseKeychain without IgnoreUnknown is an error on Linux',
    files: config('Host *', '  UseKeychain yes', '  AddKeysToAgent yes'),
    argv: ['server'],
    sshFails: true,
  },
  {
    name: 'Vagrant ssh-config output',
    files: config(
      'Host default',
      '  HostName 127.0.0.1',
      '  User vagrant',
      '  Port 2222',
      '  UserKnownHostsFile /dev/null',
      '  StrictHostKeyChecking no',
      '  PasswordAuthentication no',
      '  IdentityFile /root/project/.vagrant/machines/default/virtualbox/private_key',
      '  IdentitiesOnly yes',
      '  LogLevel FATAL',
      '  PubkeyAcceptedKeyTypes +ssh-rsa',
      '  HostKeyAlgorithms +ssh-rsa',
    ),
    argv: ['default'],
  },
  {
    name: 'jump via ProxyCommand ssh -W',
    files: config('Host inner', '  HostName 10.1.2.3', '  ProxyCommand ssh -W %h:%p bastion.corp.invalid'),
    argv: ['inner'],
  },
  {
    name: 'SOCKS proxy via nc',
    files: config('Host *.onion', '  ProxyCommand nc -X 5 -x 127.0.0.1:9050 %h %p'),
    argv: ['abc.onion'],
  },
  {
    name: 'database tunnel with ExitOnForwardFailure',
    files: config(
      'Host dbtunnel',
      '  HostName bastion.corp.invalid',
      '  User tunnel',
      '  LocalForward 5432 db.internal.invalid:5432',
      '  LocalForward 6379 redis.internal.invalid:6379',
      '  ExitOnForwardFailure yes',
      '  ServerAliveInterval 30',
    ),
    argv: ['dbtunnel'],
  },
  {
    name: 'Jupyter on a GPU box',
    files: config(
      'Host gpu',
      '  HostName gpu.lab.invalid',
      '  User researcher',
      '  LocalForward 8888 localhost:8888',
      '  LocalForward 6006 localhost:6006',
    ),
    argv: ['gpu'],
  },
  {
    name: 'Raspberry Pi on mDNS',
    files: config('Host pi', '  HostName raspberrypi.local', '  User pi', '  ForwardX11 yes'),
    argv: ['pi'],
  },
  {
    name: 'gcloud compute ssh style',
    files: config(
      '# Google Compute Engine Section',
      'Host web-1.us-central1-a.my-project',
      '    HostName 34.1.2.3',
      '    IdentityFile /root/.ssh/google_compute_engine',
      '    UserKnownHostsFile=/root/.ssh/google_compute_known_hosts',
      '    HostKeyAlias=compute.1234567890',
      '    IdentitiesOnly=yes',
      '    CheckHostIP=no',
      '# End of Google Compute Engine Section',
    ),
    argv: ['web-1.us-central1-a.my-project'],
  },
  {
    name: 'VS Code Remote style',
    files: config(
      'Host devbox',
      '  HostName devbox.lan.invalid',
      '  User dev',
      '  ForwardAgent yes',
      '  RemoteForward 52698 localhost:52698',
    ),
    argv: ['devbox'],
  },
  {
    name: 'Teleport style Match exec with ProxyCommand',
    files: config(
      'Host *.teleport.invalid',
      '  Port 3022',
      'Match exec "echo %h | grep -q teleport"',
      '  ProxyCommand "/usr/local/bin/tsh" proxy ssh --cluster=main --proxy=tele.invalid:443 %r@%h:%p',
      '  UserKnownHostsFile "/root/.tsh/known_hosts"',
      '  IdentityFile "/root/.tsh/keys/tele.invalid/alice"',
      '  CertificateFile "/root/.tsh/keys/tele.invalid/alice-ssh/main-cert.pub"',
    ),
    argv: ['node1.teleport.invalid'],
  },
  {
    name: 'home lab with a Host * at the top',
    files: config(
      'Host *',
      '  User admin',
      '  IdentityFile ~/.ssh/homelab',
      'Host nas',
      '  HostName 192.168.1.10',
      '  User backup',
      'Host router',
      '  HostName 192.168.1.1',
      '  Port 2222',
    ),
    argv: ['nas'],
  },
  {
    name: 'tailnet hosts',
    files: config('Host *.ts.net', '  User me', '  StrictHostKeyChecking accept-new', '  ForwardAgent no'),
    argv: ['laptop.tail1234.ts.net'],
  },
  {
    name: 'kitchen-sink Host * defaults',
    files: config(
      'Host *',
      '  ServerAliveInterval 60',
      '  ServerAliveCountMax 2',
      '  ConnectTimeout 10',
      '  BatchMode no',
      '  HashKnownHosts yes',
      '  StrictHostKeyChecking ask',
      '  IdentitiesOnly yes',
      '  IdentityFile ~/.ssh/id_ed25519',
      '  UserKnownHostsFile ~/.ssh/known_hosts ~/.ssh/known_hosts.work',
    ),
    argv: ['anything'],
  },
  {
    name: 'deploy user via Match and a per-user key',
    files: config(
      'Match user deploy',
      '  IdentityFile ~/.ssh/deploy_%h',
      '  IdentitiesOnly yes',
      'Host *',
      '  User me',
    ),
    argv: ['deploy@web'],
  },
  {
    name: 'Windows-edited config with CRLF and tabs',
    files: {
      '~/.ssh/config': 'Host\twin\r\n\tHostName win.lan.invalid\r\n\tUser Administrator\r\n\tPort 22\r\n',
    },
    argv: ['win'],
  },
  {
    name: 'GitLab and Bitbucket',
    files: config(
      'Host gitlab.com bitbucket.org',
      '  User git',
      '  IdentityFile ~/.ssh/id_git',
      '  IdentitiesOnly yes',
      '  PreferredAuthentications publickey',
    ),
    argv: ['bitbucket.org'],
  },
  {
    name: 'jump chain via aliases',
    files: config(
      'Host edge',
      '  HostName edge.corp.invalid',
      'Host core',
      '  HostName core.corp.invalid',
      '  ProxyJump edge',
      'Host vault',
      '  HostName vault.corp.invalid',
      '  ProxyJump edge,core',
    ),
    argv: ['vault'],
  },
  {
    name: 'conf.d layout with per-project files',
    files: {
      '~/.ssh/config': lines(
        'Include ~/.ssh/conf.d/*',
        '',
        'Host *',
        '  IdentityFile ~/.ssh/id_ed25519',
        '  User me',
      ),
      '~/.ssh/conf.d/acme': lines(
        'Host acme-*',
        '  User acme',
        '  ProxyJump acme-bastion',
        'Host acme-bastion',
        '  ProxyJump none',
      ),
      '~/.ssh/conf.d/widgets': lines('Host widgets-*', '  User widgets', '  Port 2022'),
    },
    argv: ['acme-api'],
  },
  // ---- Values of the keywords tunnels passes over (and counts it acts on), checked as ssh checks them ----
  {
    name: 'value: ServerAliveCountMax -1 (counts are 0 or more)',
    files: config('ServerAliveCountMax -1'),
    argv: ['host'],
    sshFails: true,
  },
  {
    name: 'value: NumberOfPasswordPrompts -1',
    files: config('NumberOfPasswordPrompts -1'),
    argv: ['host'],
    sshFails: true,
  },
  {
    name: 'value: CanonicalizeMaxDots -1',
    files: config('CanonicalizeMaxDots -1'),
    argv: ['host'],
    sshFails: true,
  },
  {
    name: 'value: ServerAliveCountMax +5 (a sign is taken, as strtonum takes it)',
    files: config('ServerAliveCountMax +5'),
    argv: ['host'],
  },
  {
    name: 'value: CanonicalDomains with consecutive dots',
    files: config('CanonicalDomains a..b'),
    argv: ['host'],
    sshFails: true,
  },
  {
    name: 'value: CanonicalDomains starting with a dash',
    files: config('CanonicalDomains -bad'),
    argv: ['host'],
    sshFails: true,
  },
  {
    name: 'value: CanonicalDomains are kept lower-case without a trailing dot',
    files: config('CanonicalDomains Example.COM. b.org'),
    argv: ['host'],
  },
  {
    name: 'value: IgnoreUnknown is printed',
    files: config('IgnoreUnknown FooBar*,UseKeychain', 'UseKeychain yes'),
    argv: ['host'],
  },
  {
    name: 'value: IdentityFile2 is IdentityFile',
    files: config('IdentityFile2 ~/.ssh/old_key'),
    argv: ['host'],
  },
  {
    name: 'value: DSAAuthentication is PubkeyAuthentication',
    files: config('DSAAuthentication no'),
    argv: ['host'],
  },
  {
    name: 'value: DSAAuthentication maybe',
    files: config('DSAAuthentication maybe'),
    argv: ['host'],
    sshFails: true,
  },
  {
    name: 'value: ControlMaster sometimes',
    files: config('ControlMaster sometimes'),
    argv: ['host'],
    sshFails: true,
  },
  {
    name: 'value: ControlMaster autoask',
    files: config('ControlMaster autoask', 'ControlPath ~/.ssh/cm-%C'),
    argv: ['host'],
  },
  {
    name: 'value: ControlPath with two words',
    files: config('ControlPath a b'),
    argv: ['host'],
    sshFails: true,
  },
  {name: 'value: ControlPersist bad', files: config('ControlPersist bad'), argv: ['host'], sshFails: true},
  {
    name: 'value: ControlPersist YES (case-sensitive, unlike the yes/no keywords)',
    files: config('ControlPersist YES'),
    argv: ['host'],
    sshFails: true,
  },
  {name: 'value: ControlPersist 10m', files: config('ControlPersist 10m'), argv: ['host']},
  {
    name: 'value: ConnectionAttempts x',
    files: config('ConnectionAttempts x'),
    argv: ['host'],
    sshFails: true,
  },
  {
    name: 'value: ConnectionAttempts 0',
    files: config('ConnectionAttempts 0'),
    argv: ['host'],
    sshFails: true,
  },
  {
    name: 'value: ConnectionAttempts 0 where it does not apply',
    files: config('Host other', '  ConnectionAttempts 0'),
    argv: ['host'],
  },
  {
    name: 'value: ConnectionAttempts 0 after a 3 (the first value is the one used)',
    files: config('ConnectionAttempts 3', 'ConnectionAttempts 0'),
    argv: ['host'],
  },
  {
    name: 'value: ConnectionAttempts 0 on the command line',
    files: {},
    argv: ['-o', 'ConnectionAttempts=0', 'host'],
    sshFails: true,
  },
  {
    name: 'value: ControlMaster sometimes on the command line',
    files: {},
    argv: ['-o', 'ControlMaster=sometimes', 'host'],
    sshFails: true,
  },
  {
    name: 'value: MACs hmac-foo',
    files: config('MACs hmac-foo'),
    argv: ['host'],
    sshFails: true,
    deliberateExit: NEWER_NAME,
  },
  {
    name: 'value: MACs with a pattern (names only)',
    files: config('MACs hmac-*'),
    argv: ['host'],
    sshFails: true,
  },
  {
    name: 'value: MACs +hmac-sha1,umac-64@openssh.com',
    files: config('MACs +hmac-sha1,umac-64@openssh.com'),
    argv: ['host'],
  },
  {
    name: 'value: KexAlgorithms +nope',
    files: config('KexAlgorithms +nope'),
    argv: ['host'],
    sshFails: true,
    deliberateExit: NEWER_NAME,
  },
  {
    name: 'value: KexAlgorithms -diffie-hellman-group1-sha1 (a removal is not checked)',
    files: config('KexAlgorithms -nope,diffie-hellman-group1-sha1'),
    argv: ['host'],
  },
  {
    name: 'value: HostKeyAlgorithms ssh-foo',
    files: config('HostKeyAlgorithms ssh-foo'),
    argv: ['host'],
    sshFails: true,
    deliberateExit: NEWER_NAME,
  },
  {
    name: 'value: HostKeyAlgorithms with a pattern',
    files: config('HostKeyAlgorithms ssh-ed25519*,rsa-sha2-512'),
    argv: ['host'],
  },
  {
    name: 'value: PubkeyAcceptedAlgorithms ssh-foo',
    files: config('PubkeyAcceptedAlgorithms ssh-foo'),
    argv: ['host'],
    sshFails: true,
    deliberateExit: NEWER_NAME,
  },
  {
    name: 'value: PubkeyAcceptedAlgorithms +ssh-rsa',
    files: config('PubkeyAcceptedAlgorithms +ssh-rsa'),
    argv: ['host'],
  },
  {
    name: 'value: CASignatureAlgorithms foo',
    files: config('CASignatureAlgorithms foo'),
    argv: ['host'],
    sshFails: true,
    deliberateExit: NEWER_NAME,
  },
  {
    name: 'value: CASignatureAlgorithms ^ssh-ed25519',
    files: config('CASignatureAlgorithms ^ssh-ed25519'),
    argv: ['host'],
  },
  {
    name: 'value: HostbasedAcceptedAlgorithms foo',
    files: config('HostbasedAcceptedAlgorithms foo'),
    argv: ['host'],
    sshFails: true,
    deliberateExit: NEWER_NAME,
  },
  {
    name: 'value: GSSAPIKexAlgorithms foo',
    files: config('GSSAPIKexAlgorithms foo'),
    argv: ['host'],
    sshFails: true,
  },
  {
    name: 'value: GSSAPIKexAlgorithms gss-curve25519-sha256-',
    files: config('GSSAPIKexAlgorithms gss-curve25519-sha256-'),
    argv: ['host'],
  },
  {
    name: 'value: KexAlgorithms mlkem768x25519-sha256 (OpenSSH 9.9)',
    files: config('KexAlgorithms mlkem768x25519-sha256,curve25519-sha256'),
    argv: ['host'],
    sshFails: true,
    deliberateExit: NEWER_NAME,
  },
  {
    name: 'value: KexAlgorithms ^mlkem768nistp256-sha256 (OpenSSH 10.1)',
    files: config('KexAlgorithms ^mlkem768nistp256-sha256'),
    argv: ['host'],
    sshFails: true,
    deliberateExit: NEWER_NAME,
  },
  {
    name: 'value: KexAlgorithms sntrup761x25519-sha512 (known to ssh 9.2)',
    files: config('KexAlgorithms sntrup761x25519-sha512,curve25519-sha256'),
    argv: ['host'],
  },
  {
    name: 'value: KexAlgorithms -mlkem768x25519-sha256 (a removal is not checked)',
    files: config('KexAlgorithms -mlkem768x25519-sha256'),
    argv: ['host'],
  },
  {
    name: 'value: PubkeyAcceptedAlgorithms +webauthn-sk-ecdsa-sha2-nistp256@openssh.com',
    files: config('PubkeyAcceptedAlgorithms +webauthn-sk-ecdsa-sha2-nistp256@openssh.com'),
    argv: ['host'],
  },
  {
    name: 'value: PubkeyAcceptedAlgorithms +webauthn-sk-ecdsa-sha2-nistp256-cert-v01@openssh.com (newer)',
    files: config('PubkeyAcceptedAlgorithms +webauthn-sk-ecdsa-sha2-nistp256-cert-v01@openssh.com'),
    argv: ['host'],
    sshFails: true,
    deliberateExit: NEWER_NAME,
  },
  {
    name: 'value: HostKeyAlgorithms ssh-mldsa44-ed25519@openssh.com (newer)',
    files: config('HostKeyAlgorithms ssh-mldsa44-ed25519@openssh.com,ssh-ed25519'),
    argv: ['host'],
    sshFails: true,
    deliberateExit: NEWER_NAME,
  },
  {
    name: 'value: MACs with a ; in a name (no OpenSSH has such a name)',
    files: config('MACs hmac-sha1;x'),
    argv: ['host'],
    sshFails: true,
  },
  {
    name: 'value: KexAlgorithms with a space in a name',
    files: config('KexAlgorithms "curve25519-sha256 x"'),
    argv: ['host'],
    sshFails: true,
  },
  {
    name: 'value: KexAlgorithms + (an empty list)',
    files: config('KexAlgorithms +'),
    argv: ['host'],
    sshFails: true,
  },
  {
    name: 'value: HostKeyAlgorithms ! (an empty pattern)',
    files: config('HostKeyAlgorithms !'),
    argv: ['host'],
    sshFails: true,
  },
  {
    name: 'value: GSSAPIKexAlgorithms with a ; in the hash',
    files: config('GSSAPIKexAlgorithms gss-group14-sha256-a;b'),
    argv: ['host'],
    deliberateExit:
      "Debian's ssh 9.2 reads only the start of a GSSAPI name; its end is a hash in base64, which has no ;",
  },
  // Keywords OpenSSH added after 9.2: ssh 9.2 refuses them; tunnels takes them as the newer ssh does.
  {
    name: 'keyword: ObscureKeystrokeTiming (OpenSSH 9.5)',
    files: config('ObscureKeystrokeTiming interval:20'),
    argv: ['host'],
    sshFails: true,
    deliberateExit: NEWER_KEYWORD,
  },
  {
    name: 'keyword: ChannelTimeout (OpenSSH 9.6)',
    files: config('Host *', '  ChannelTimeout session=5m *=1h'),
    argv: ['host'],
    sshFails: true,
    deliberateExit: NEWER_KEYWORD,
  },
  {
    name: 'keyword: WarnWeakCrypto and Tag (OpenSSH 10.1, 9.4)',
    files: config('WarnWeakCrypto no-pq-kex', 'Tag work'),
    argv: ['host'],
    sshFails: true,
    deliberateExit: NEWER_KEYWORD,
  },
  {
    name: 'keyword: RefuseConnection where it does not apply (OpenSSH 10.1)',
    files: config('Host old', '  RefuseConnection "use new instead"'),
    argv: ['host'],
    sshFails: true,
    deliberateExit: NEWER_KEYWORD,
  },
  {
    name: 'keyword: RefuseConnection where it applies (a newer ssh stops too)',
    files: config('Host host', '  RefuseConnection "use new instead"'),
    argv: ['host'],
    sshFails: true,
  },
  {
    name: 'keyword: ObscureKeystrokeTiming with a bad value (a newer ssh refuses it too)',
    files: config('ObscureKeystrokeTiming interval:0'),
    argv: ['host'],
    sshFails: true,
  },
  {
    name: 'keyword: -o ChannelTimeout (passed over with a warning)',
    files: {},
    argv: ['-o', 'ChannelTimeout=session=5m', 'host'],
    sshFails: true,
    deliberateExit: NEWER_KEYWORD,
  },
  // Match criteria OpenSSH added after 9.2: ssh 9.2 refuses them; tunnels reads them as the newer ssh does.
  {
    name: 'Match tagged with a Tag before it (OpenSSH 9.4)',
    files: config('Tag work', 'Match tagged work', '  Port 2401'),
    argv: ['host'],
    sshFails: true,
    deliberateExit: NEWER_MATCH,
  },
  {
    name: 'Match tagged with -o Tag',
    files: config('Match tagged work,!old', '  Port 2402'),
    argv: ['-o', 'Tag=work', 'host'],
    sshFails: true,
    deliberateExit: NEWER_MATCH,
  },
  {
    name: 'Match tagged "" (no tag; ssh 9.2 takes "" for a missing argument)',
    files: config('Match tagged ""', '  Port 2403'),
    argv: ['host'],
    sshFails: true,
    deliberateExit: NEWER_MATCH,
  },
  {
    name: 'Match version (OpenSSH 10.0; tunnels is tunnels_VERSION)',
    files: config('Match version OpenSSH_*', '  Port 2404', 'Match !version OpenSSH_*', '  User not-openssh'),
    argv: ['host'],
    sshFails: true,
    deliberateExit: NEWER_MATCH,
  },
  {
    name: 'Match sessiontype none with -N (OpenSSH 10.0)',
    files: config('Match sessiontype none', '  Port 2405'),
    argv: ['-N', 'host'],
    sshFails: true,
    deliberateExit: NEWER_MATCH,
  },
  {
    name: 'Match sessiontype exec and command with a remote command (OpenSSH 10.0)',
    files: config('Match sessiontype exec command "ls *"', '  Port 2406'),
    argv: ['host', 'ls', '-l'],
    sshFails: true,
    deliberateExit: NEWER_MATCH,
  },
  {
    name: 'Match localnetwork (OpenSSH 9.4)',
    files: config('Match localnetwork 127.0.0.0/8,::1', '  Port 2407'),
    argv: ['host'],
    sshFails: true,
    deliberateExit: NEWER_MATCH,
  },
  {
    name: 'Match localnetwork with host bits set is an error (a newer ssh refuses it too)',
    files: config('Match host other localnetwork 10.1.2.3/8', '  Port 2408'),
    argv: ['host'],
    sshFails: true,
  },
  {
    name: 'Match tagged without an argument is an error',
    files: config('Match tagged', '  Port 2409'),
    argv: ['host'],
    sshFails: true,
  },
  {
    name: 'Match command with only a comment is an error',
    files: config('Match command # nothing', '  Port 2410'),
    argv: ['host'],
    sshFails: true,
  },
  {name: 'value: RekeyLimit lots', files: config('RekeyLimit lots'), argv: ['host'], sshFails: true},
  {name: 'value: RekeyLimit 15 (too small)', files: config('RekeyLimit 15'), argv: ['host'], sshFails: true},
  {name: 'value: RekeyLimit 1G 1h', files: config('RekeyLimit 1G 1h'), argv: ['host']},
  {
    name: 'value: RekeyLimit 1G with a bad time',
    files: config('RekeyLimit 1G soon'),
    argv: ['host'],
    sshFails: true,
  },
  {name: 'value: IPQoS best', files: config('IPQoS best'), argv: ['host'], sshFails: true},
  {name: 'value: IPQoS af21 cs1', files: config('IPQoS af21 cs1'), argv: ['host']},
  {name: 'value: IPQoS 0x100 (above 255)', files: config('IPQoS 0x100'), argv: ['host'], sshFails: true},
  {name: 'value: EscapeChar abc', files: config('EscapeChar abc'), argv: ['host'], sshFails: true},
  {name: 'value: EscapeChar ^A', files: config('EscapeChar ^A'), argv: ['host']},
  {name: 'value: Tunnel maybe', files: config('Tunnel maybe'), argv: ['host'], sshFails: true},
  {name: 'value: Tunnel point-to-point', files: config('Tunnel point-to-point'), argv: ['host']},
  {
    name: 'value: Tunnel maybe where it does not apply (checked all the same)',
    files: config('Host other', '  Tunnel maybe'),
    argv: ['host'],
    sshFails: true,
  },
  {name: 'value: TunnelDevice 0x1', files: config('TunnelDevice 0x1'), argv: ['host'], sshFails: true},
  {name: 'value: TunnelDevice any:any', files: config('TunnelDevice any:any'), argv: ['host']},
  {
    name: 'value: RequestTTY sometimes',
    files: config('RequestTTY sometimes'),
    argv: ['host'],
    sshFails: true,
  },
  {name: 'value: RequestTTY force', files: config('RequestTTY force'), argv: ['host']},
  {name: 'value: SetEnv FOO (no value)', files: config('SetEnv FOO'), argv: ['host'], sshFails: true},
  {name: 'value: SetEnv FOO=bar', files: config('SetEnv FOO=bar'), argv: ['host']},
  {name: 'value: SendEnv FOO=bar', files: config('SendEnv FOO=bar'), argv: ['host'], sshFails: true},
  {name: 'value: SendEnv LANG LC_* -TERM', files: config('SendEnv LANG LC_* -TERM'), argv: ['host']},
  {name: 'value: ForwardX11Timeout x', files: config('ForwardX11Timeout x'), argv: ['host'], sshFails: true},
  {name: 'value: ForwardX11Timeout 20m', files: config('ForwardX11Timeout 20m'), argv: ['host']},
  {
    name: 'value: VerifyHostKeyDNS maybe',
    files: config('VerifyHostKeyDNS maybe'),
    argv: ['host'],
    sshFails: true,
  },
  {name: 'value: VerifyHostKeyDNS ask', files: config('VerifyHostKeyDNS ask'), argv: ['host']},
  {
    name: 'value: UpdateHostKeys maybe',
    files: config('UpdateHostKeys maybe'),
    argv: ['host'],
    sshFails: true,
  },
  {name: 'value: UpdateHostKeys ask', files: config('UpdateHostKeys ask'), argv: ['host']},
  {
    name: 'value: AddKeysToAgent sometimes',
    files: config('AddKeysToAgent sometimes'),
    argv: ['host'],
    sshFails: true,
  },
  {
    name: 'value: AddKeysToAgent yes 5m (a time only after confirm)',
    files: config('AddKeysToAgent yes 5m'),
    argv: ['host'],
    sshFails: true,
  },
  {name: 'value: AddKeysToAgent confirm 5m', files: config('AddKeysToAgent confirm 5m'), argv: ['host']},
  {name: 'value: FingerprintHash md4', files: config('FingerprintHash md4'), argv: ['host'], sshFails: true},
  {name: 'value: FingerprintHash SHA512', files: config('FingerprintHash SHA512'), argv: ['host']},
  {name: 'value: RequiredRSASize x', files: config('RequiredRSASize x'), argv: ['host'], sshFails: true},
  {name: 'value: RequiredRSASize 2048', files: config('RequiredRSASize 2048'), argv: ['host']},
  {
    name: 'value: SyslogFacility LOCAL9',
    files: config('SyslogFacility LOCAL9'),
    argv: ['host'],
    sshFails: true,
  },
  {name: 'value: SyslogFacility LOCAL7', files: config('SyslogFacility LOCAL7'), argv: ['host']},
  {
    name: 'value: CanonicalizePermittedCNAMEs foo',
    files: config('CanonicalizePermittedCNAMEs foo'),
    argv: ['host'],
    sshFails: true,
  },
  {
    name: 'value: CanonicalizePermittedCNAMEs *.a.example:*.b.example',
    files: config('Host other', '  CanonicalizePermittedCNAMEs *.a.example:*.b.example'),
    argv: ['host'],
  },
  {
    name: 'value: LogVerbose with none among others',
    files: config('LogVerbose kex.c:* none'),
    argv: ['host'],
    sshFails: true,
  },
  {name: 'value: LogVerbose kex.c:*', files: config('LogVerbose kex.c:*'), argv: ['host']},
  {
    name: 'value: GSSAPITrustDNS maybe',
    files: config('GSSAPITrustDNS maybe'),
    argv: ['host'],
    sshFails: true,
  },
  {
    name: 'value: CheckHostIP with two values',
    files: config('CheckHostIP yes no'),
    argv: ['host'],
    sshFails: true,
  },
  {name: 'value: StdinNull no', files: config('StdinNull no'), argv: ['host']},
  {
    name: 'value: Compression true (yes or no only)',
    files: config('Compression true'),
    argv: ['host'],
    sshFails: true,
  },
  {
    name: 'value: ProxyCommand - with ProxyUseFdpass yes',
    files: config('ProxyCommand -', 'ProxyUseFdpass yes'),
    argv: ['host'],
    sshFails: true,
  },
  {
    name: 'value: ProxyUseFdpass yes with a ProxyCommand',
    files: config('ProxyCommand nc %h %p', 'ProxyUseFdpass yes'),
    argv: ['host'],
  },
];

/**
 * tunnels turns keepalives on by default, so a case that sets no ServerAliveInterval anywhere differs
 * there on purpose; a case that mentions it (for any host) lists its own.
 */
function withKeepalive(entry: SshGCase): SshGCase {
  if (entry.deliberate?.serveraliveinterval !== undefined) return entry;
  const text = [...Object.values(entry.files), ...entry.argv].join('\n').toLowerCase();
  if (text.includes('serveraliveinterval')) return entry;
  return {...entry, deliberate: {...entry.deliberate, serveraliveinterval: KEEPALIVE}};
}

/**
 * tunnels' other defaults that differ on purpose (the README's table): a 30 s ConnectTimeout, and ssh2's
 * cipher order (AES-GCM first) when no Ciphers or -c is given.
 */
function withDefaults(entry: SshGCase): SshGCase {
  const text = [...Object.values(entry.files), ...entry.argv]
    .join('\n')
    .toLowerCase()
    .replace(/^\s*#.*$/gm, '');
  const deliberate = {...entry.deliberate};
  if (!text.includes('connecttimeout')) deliberate.connecttimeout ??= CONNECT_TIMEOUT;
  if (!text.includes('ciphers') && !entry.argv.includes('-c')) deliberate.ciphers ??= CIPHER_ORDER;
  return {...entry, deliberate};
}

export const SSH_G_CASES: SshGCase[] = BASE_CASES.map(withKeepalive).map(withDefaults);
