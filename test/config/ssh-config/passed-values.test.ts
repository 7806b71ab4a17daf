import {describe, expect, it} from 'vitest';
import {
  validGssKexList,
  validKexSpec,
  validKeyTypeSpec,
  validMacSpec,
} from '../../../source/config/ssh-config/algorithms.js';
import {fillDefaults} from '../../../source/config/ssh-config/defaults.js';
import {
  newOptions,
  OptionError,
  type ReadContext,
  type SshOptions,
} from '../../../source/config/ssh-config/options.js';
import {PASSED, parseScaled} from '../../../source/config/ssh-config/passed-keywords.js';
import {processLine} from '../../../source/config/ssh-config/read.js';
import {parseCount, parseTime} from '../../../source/config/ssh-config/values.js';
import {dumpOptions} from '../../../source/config/ssh-dump.js';

/**
 * The values ssh (OpenSSH 9.2p1, Debian) accepts and refuses for the keywords tunnels passes over, each
 * checked against `ssh -G -F FILE host` when written.
 */
const ACCEPTED: Record<string, string[]> = {
  Protocol: ['2', '1 2 3'],
  Cipher: ['anything at all'],
  CompressionLevel: ['x y'],
  LocalCommand: ['echo a b'],
  RemoteCommand: ['ls -l'],
  KnownHostsCommand: ['/bin/kh %H'],
  CheckHostIP: ['yes', 'No', 'TRUE', 'false'],
  GSSAPIKeyExchange: ['yes'],
  ProxyUseFdpass: ['no'],
  Compression: ['yes', 'NO'],
  ControlPath: ['~/.ssh/cm-%C'],
  GSSAPIServerIdentity: ['host/x'],
  KbdInteractiveDevices: ['bsdauth,pam'],
  ControlMaster: ['auto', 'AUTOASK', 'ask', 'yes', 'false'],
  Tunnel: ['ethernet', 'Point-to-Point', 'yes'],
  RequestTTY: ['force', 'auto', 'no'],
  VerifyHostKeyDNS: ['ask', 'yes'],
  UpdateHostKeys: ['ASK', 'no'],
  LogLevel: ['DEBUG3', 'quiet', 'debug'],
  SyslogFacility: ['LOCAL7', 'authpriv', 'user'],
  FingerprintHash: ['md5', 'sha1', 'SHA512'],
  ForwardX11Timeout: ['20m', 'none', '+5', '1m-0'],
  ConnectionAttempts: ['1', '+3', '007', '2147483647'],
  RequiredRSASize: ['2048', '0'],
  MACs: ['hmac-sha1', '+umac-64@openssh.com', '^hmac-sha2-256', '-nope*', 'hmac-sha1,', ',hmac-foo'],
  KexAlgorithms: ['curve25519-sha256', '-diffie-hellman-group1-sha1', 'sntrup761x25519-sha512@openssh.com'],
  GSSAPIKexAlgorithms: ['gss-curve25519-sha256-', 'gss-group14-sha256-abc', ',x'],
  HostKeyAlgorithms: ['ssh-ed25519*', 'rsa-sha2-256', 'RSA', 'Ed25519', '!ssh-rsa', '-foo'],
  PubkeyAcceptedAlgorithms: ['+ssh-rsa', '*'],
  CASignatureAlgorithms: ['^ssh-ed25519'],
  LogVerbose: ['kex.c:*', 'none', '#comment'],
  ControlPersist: ['yes', 'no', '0', '10m', '+5'],
  EscapeChar: ['~', '^A', '^a', '^', '^~', 'none'],
  TunnelDevice: ['any', 'any:any', '0:1', '+5', '2147483645'],
  RekeyLimit: ['default', '16', '1G', '1.5g', '0.1K', '-0', '.', '1G!', '1G 1h', 'default none'],
  IPQoS: ['af21', 'AF11 cs1', '0x10', '010', '-0', '255', 'none'],
  SendEnv: ['LANG LC_*', '-TERM', '#comment'],
  SetEnv: ['FOO=bar', 'A=1 B=', '#comment'],
  CanonicalizePermittedCNAMEs: ['*.a.example:*.b.example', '*', 'none', ':b'],
  AddKeysToAgent: ['yes', 'ask', 'confirm', 'CONFIRM 5m', '5m', 'no'],
};

/**
 * Algorithm names ssh 9.2 refuses because it does not know them, which tunnels takes: a newer ssh knows
 * some (mlkem768x25519-sha256 since 9.9), and tunnels does not use these lists.
 */
const ACCEPTED_AS_NEWER_SSH_MAY: Record<string, string[]> = {
  MACs: ['hmac-foo', '^hmac-sha3-256'],
  KexAlgorithms: ['+nope', 'mlkem768x25519-sha256,sntrup761x25519-sha512', '^mlkem768nistp256-sha256'],
  GSSAPIKexAlgorithms: ['gss-group14-sha256', 'gss-mlkem768x25519-sha256-toWM5Slw5Ew8Mqkay+al2g=='],
  HostKeyAlgorithms: ['ssh-foo', 'ED25519-CERT', '!foo', 'ssh-mldsa44-*'],
  PubkeyAcceptedAlgorithms: ['ssh-foo', '+webauthn-sk-ecdsa-sha2-nistp256-cert-v01@openssh.com'],
  PubkeyAcceptedKeyTypes: ['foo'],
  HostbasedAcceptedAlgorithms: ['foo'],
  CASignatureAlgorithms: ['foo', '^ssh-mldsa44-ed25519@openssh.com'],
};

/** ssh's refusals (each value with the error tunnels gives, in part). */
const REFUSED: Record<string, Array<[string, RegExp]>> = {
  CheckHostIP: [
    ['maybe', /expected one of yes, no/],
    ['yes no', /takes one value/],
    ['""', /needs a value/],
  ],
  GSSAPITrustDNS: [['maybe', /expected one of yes, no/]],
  Compression: [['true', /expected one of yes, no$/]],
  ControlPath: [
    ['a b', /takes one value/],
    ['""', /needs a value/],
  ],
  PKCS11Provider: [['a b', /takes one value/]],
  ControlMaster: [['sometimes', /expected one of yes, no, true, false, auto, ask, autoask/]],
  Tunnel: [['maybe', /ethernet, point-to-point/]],
  RequestTTY: [['sometimes', /force, auto/]],
  VerifyHostKeyDNS: [['maybe', /ask/]],
  UpdateHostKeys: [['maybe', /ask/]],
  LogLevel: [['LOUD', /quiet, fatal/]],
  SyslogFacility: [
    ['LOCAL9', /local7/],
    ['auth x', /takes one value/],
  ],
  FingerprintHash: [['md4', /md5, sha1, sha256/]],
  ForwardX11Timeout: [
    ['x', /a time such as 1m30s/],
    ['"5 m"', /a time/],
  ],
  ConnectionAttempts: [
    ['x', /a whole number from 0 to 2147483647/],
    ['-1', /a whole number/],
    ['2147483648', /a whole number/],
  ],
  RequiredRSASize: [['x', /a whole number/]],
  MACs: [
    ['hmac-*', /expected MAC names/],
    ['+', /expected MAC names/],
    ['hmac-sha1;x', /letters, digits and \.@_\+- in a name/],
    ['"hmac-sha1 x"', /expected MAC names/],
    [`"a'b"`, /expected MAC names/],
  ],
  KexAlgorithms: [
    ['^', /expected key exchange names/],
    ['curve25519-*', /expected key exchange names/],
    ['"curve25519-sha256 "', /expected key exchange names/],
  ],
  GSSAPIKexAlgorithms: [
    ['foo', /expected GSSAPI key exchange names/],
    ['+gss-group14-sha256-', /expected GSSAPI/],
  ],
  HostKeyAlgorithms: [
    ['!', /expected key type/],
    ['ssh-ed25519;x', /expected key type/],
    ['"ssh-ed25519 x"', /expected key type/],
  ],
  PubkeyAcceptedAlgorithms: [
    ['+', /expected key type/],
    ['ssh-rsa;x', /expected key type/],
  ],
  PubkeyAcceptedKeyTypes: [['"foo bar"', /expected key type/]],
  HostbasedAcceptedAlgorithms: [['^', /expected key type/]],
  CASignatureAlgorithms: [['foo|bar', /expected key type/]],
  LogVerbose: [
    ['a none', /"none" must appear alone/],
    ['""', /an empty argument/],
  ],
  ControlPersist: [
    ['bad', /expected yes, no, or a time/],
    ['YES', /expected yes, no, or a time/],
  ],
  EscapeChar: [
    ['abc', /one character/],
    ['^?', /one character/],
    ['NONE', /one character/],
    ['é', /one character/],
    ['a b', /takes one value/],
  ],
  TunnelDevice: [
    ['0x1', /a device number or any/],
    ['5:x', /a device number/],
    ['2147483646', /a device number/],
  ],
  RekeyLimit: [
    ['lots', /a size of 16 or more/],
    ['15', /a size of 16 or more/],
    ['-16', /a size/],
    ['1Gb', /a size/],
    ['0.01K', /a size/],
    ['1G soon', /a time such as 1h, or none, after the size/],
    ['1G 1h x', /takes a size and a time/],
  ],
  IPQoS: [
    ['best', /af11-af43/],
    ['256', /a number 0-255/],
    ['0x100', /0-255/],
    ['08', /0-255/],
    ['af11 cs1 x', /takes one or two values/],
  ],
  SendEnv: [
    ['FOO=bar', /without =/],
    ['""', /without =/],
  ],
  SetEnv: [
    ['FOO', /NAME=VALUE/],
    ['A=1 B', /SetEnv B: expected NAME=VALUE/],
  ],
  CanonicalizePermittedCNAMEs: [
    ['foo', /source-domains:target-domains/],
    ['a:', /source-domains:target-domains/],
    ['none x', /"none" must appear alone/],
  ],
  AddKeysToAgent: [
    ['sometimes', /confirm/],
    ['yes 5m', /confirm/],
    ['confirm x', /confirm/],
    ['confirm 5m x', /confirm/],
  ],
  GSSAPIClientIdentity: [['a b', /takes one value/]],
};

function context(extra: Partial<ReadContext> = {}): ReadContext {
  return {
    host: 'h',
    originalHost: 'h',
    finalPass: false,
    wantFinalPass: false,
    localUser: 'me',
    home: '/nonexistent',
    uid: 1000,
    where: 'F line 1',
    commandLine: false,
    userConfig: true,
    systemDirectory: '/nonexistent',
    ...extra,
  };
}

const read = (text: string, options: SshOptions = newOptions('h'), active = true) => {
  processLine(options, text, context(), active);
  return options;
};

describe('the keywords tunnels passes over', () => {
  it('has a check for every one of them, under its lower-case name', () => {
    for (const [keyword, entry] of Object.entries(PASSED)) expect(entry.name.toLowerCase()).toBe(keyword);
    for (const keyword of [...Object.keys(ACCEPTED), ...Object.keys(REFUSED)])
      expect(PASSED[keyword.toLowerCase()], keyword).toBeDefined();
  });

  it.each(Object.entries(ACCEPTED))('takes what ssh takes: %s', (keyword, values) => {
    for (const value of values) expect(() => read(`${keyword} ${value}`), value).not.toThrow();
  });

  it.each(Object.entries(ACCEPTED_AS_NEWER_SSH_MAY))(
    'takes algorithm names ssh 9.2 does not know: %s',
    (keyword, values) => {
      for (const value of values) expect(() => read(`${keyword} ${value}`), value).not.toThrow();
    },
  );

  it.each(Object.entries(REFUSED))('refuses what ssh refuses, naming file and line: %s', (keyword, cases) => {
    for (const [value, why] of cases) {
      expect(() => read(`${keyword} ${value}`), value).toThrow(OptionError);
      expect(() => read(`${keyword} ${value}`), value).toThrow(/^F line 1: /);
      expect(() => read(`${keyword} ${value}`), value).toThrow(why);
    }
  });

  it('refuses a GSSAPI name with a character base64 has not, which ssh 9.2 takes (it reads the start)', () => {
    expect(() => read('GSSAPIKexAlgorithms gss-group14-sha256-a;b')).toThrow(
      /F line 1: GSSAPIKexAlgorithms gss-group14-sha256-a;b: expected GSSAPI/,
    );
  });

  it('checks a line whose block does not apply, and passes over one that does', () => {
    expect(() => read('Tunnel maybe', newOptions('h'), false)).toThrow(/F line 1: Tunnel maybe: expected/);
    const options = read('Tunnel ethernet', newOptions('h'), false);
    expect(options.passedOver).toBeUndefined();
    expect(read('Tunnel ethernet').passedOver).toEqual({tunnel: ['ethernet']});
  });

  it('refuses a bad -o value as an error, and warns of a good one as passed over', () => {
    const unused: string[] = [];
    const commandLine = context({where: '-o', commandLine: true, unused});
    expect(() => processLine(newOptions('h'), 'ControlMaster=sometimes', commandLine, true)).toThrow(
      /^-o ControlMaster=sometimes: expected one of yes, no/,
    );
    expect(() => processLine(newOptions('h'), 'MACs=hmac-sha1;x', commandLine, true)).toThrow(
      /^-o MACs=hmac-sha1;x: expected MAC names/,
    );
    processLine(newOptions('h'), 'ControlMaster=auto', commandLine, true);
    processLine(newOptions('h'), 'MACs=hmac-foo', commandLine, true);
    expect(unused).toEqual(['ControlMaster=auto', 'MACs=hmac-foo']);
  });

  it('refuses ConnectionAttempts 0 once read, when it is the value used (as ssh.c does)', () => {
    expect(() => fillDefaults(read('ConnectionAttempts 0'), 'h', {name: 'me'})).toThrow(
      /ConnectionAttempts 0: expected 1 or more/,
    );
    expect(() => fillDefaults(read('ConnectionAttempts -0'), 'h', {name: 'me'})).toThrow(OptionError);
    const first = read('ConnectionAttempts 0', read('ConnectionAttempts 3'));
    expect(() => fillDefaults(first, 'h', {name: 'me'})).not.toThrow();
    const inactive = read('ConnectionAttempts 0', newOptions('h'), false);
    expect(() => fillDefaults(inactive, 'h', {name: 'me'})).not.toThrow();
  });

  it('refuses ProxyCommand - with ProxyUseFdpass yes', () => {
    const options = read('ProxyUseFdpass yes', read('ProxyCommand -'));
    expect(() => fillDefaults(options, 'h', {name: 'me'})).toThrow(/ProxyCommand - and ProxyUseFdpass yes/);
    expect(() =>
      fillDefaults(read('ProxyUseFdpass yes', read('ProxyCommand nc %h %p')), 'h', {name: 'me'}),
    ).not.toThrow();
  });
});

/**
 * The keywords OpenSSH added after 9.2 (9.4 to 10.1), which ssh 9.2 refuses as unknown: taken and checked
 * as the readconf.c of OpenSSH's master branch checks them.
 */
describe('the keywords of newer OpenSSH versions', () => {
  const NEWER_ACCEPTED: Record<string, string[]> = {
    Tag: ['work'],
    WarnWeakCrypto: ['no', 'YES', 'no-pq-kex'],
    ObscureKeystrokeTiming: ['yes', 'no', 'false', 'interval:20', 'interval:1000', 'interval:+5'],
    ChannelTimeout: ['session=5m', 'agent-connection=1h *=10m', 'none', 'NONE', 'x11-connection=0'],
    VersionAddendum: ['my build', 'none', '""'],
    RefuseConnection: ['"use bastion2 instead"'],
  };
  const NEWER_REFUSED: Record<string, Array<[string, RegExp]>> = {
    Tag: [['a b', /takes one value/]],
    WarnWeakCrypto: [['sometimes', /expected one of yes, no, true, false, no-pq-kex/]],
    ObscureKeystrokeTiming: [
      ['YES', /expected yes, no, or interval:N/],
      ['interval:0', /from 1 to 1000/],
      ['interval:1001', /from 1 to 1000/],
      ['interval:x', /interval:N/],
      ['yes no', /takes one value/],
      ['""', /needs a value/],
    ],
    ChannelTimeout: [
      ['session', /expected TYPE=TIME/],
      ['=5m', /expected TYPE=TIME/],
      ['session=soon', /expected TYPE=TIME/],
      ['none session=5m', /"none" must appear alone/],
      ['session=5m none', /"none" must appear alone/],
    ],
  };

  it.each(Object.entries(NEWER_ACCEPTED))('takes %s where its block does not apply', (keyword, values) => {
    for (const value of values) {
      const options = read(`${keyword} ${value}`, newOptions('h'), false);
      expect(options.passedOver, value).toBeUndefined();
    }
  });

  it.each(Object.entries(NEWER_ACCEPTED).filter(([keyword]) => keyword !== 'RefuseConnection'))(
    'passes %s over where its block applies',
    (keyword, values) => {
      for (const value of values)
        expect(read(`${keyword} ${value}`).passedOver?.[keyword.toLowerCase()], value).toBeDefined();
    },
  );

  it.each(Object.entries(NEWER_REFUSED))('refuses what a newer ssh refuses: %s', (keyword, cases) => {
    for (const [value, why] of cases) {
      expect(() => read(`${keyword} ${value}`, newOptions('h'), false), value).toThrow(/^F line 1: /);
      expect(() => read(`${keyword} ${value}`, newOptions('h'), false), value).toThrow(why);
    }
  });

  it('refuses a ChannelTimeout with only a comment (no timeout given)', () => {
    expect(() => read('ChannelTimeout #session=5m')).toThrow(/^F line 1: ChannelTimeout needs a value/);
  });

  it('RefuseConnection stops tunnels with its message where the block applies, as a newer ssh stops', () => {
    expect(() => read('RefuseConnection "use bastion2 instead"')).toThrow(
      /^F line 1: RefuseConnection: use bastion2 instead$/,
    );
    expect(() => read('RefuseConnection a b', newOptions('h'), false)).toThrow(/takes one value/);
    expect(() => read('RefuseConnection ""', newOptions('h'), false)).toThrow(/needs a value/);
  });

  it("with -o: a warning that it is passed over (not Tag), or RefuseConnection's refusal", () => {
    const unused: string[] = [];
    const commandLine = context({where: '-o', commandLine: true, unused});
    for (const option of ['ObscureKeystrokeTiming=no', 'ChannelTimeout=session=5m', 'Tag=work'])
      processLine(newOptions('h'), option, commandLine, true);
    // Tag is not passed over: Match tagged reads it.
    expect(unused).toEqual(['ObscureKeystrokeTiming=no', 'ChannelTimeout=session=5m']);
    expect(() => processLine(newOptions('h'), 'WarnWeakCrypto=maybe', commandLine, true)).toThrow(
      /^-o WarnWeakCrypto=maybe: expected one of/,
    );
    expect(() => processLine(newOptions('h'), 'RefuseConnection=retired', commandLine, true)).toThrow(
      /^-o: RefuseConnection: retired$/,
    );
  });
});

describe('the counts tunnels acts on (atoi_err: 0 to INT_MAX)', () => {
  it.each(['ServerAliveCountMax', 'NumberOfPasswordPrompts', 'CanonicalizeMaxDots'])('%s', (keyword) => {
    expect(() => read(`${keyword} -1`)).toThrow(`F line 1: ${keyword} -1: expected a whole number`);
    expect(() => read(`${keyword} 2147483648`)).toThrow(/expected a whole number/);
    expect(() => read(`${keyword} x`)).toThrow(/expected a whole number/);
    const key = keyword.charAt(0).toLowerCase() + keyword.slice(1);
    expect(read(`${keyword} +5`)[key as keyof SshOptions]).toBe(5);
    expect(read(`${keyword} -0`)[key as keyof SshOptions]).toBe(0);
  });
});

describe('CanonicalDomains (valid_domain)', () => {
  it('refuses what is not a domain name, and keeps names lower-case without a trailing dot', () => {
    for (const value of ['a..b', '-bad', '_x', 'a/b', '""'])
      expect(() => read(`CanonicalDomains ${value}`), value).toThrow(/F line 1: /);
    expect(read('CanonicalDomains Example.COM. 1.b a_b').canonicalDomains).toEqual([
      'example.com',
      '1.b',
      'a_b',
    ]);
  });
});

describe('old names ssh reads as the new ones', () => {
  it('IdentityFile2 is IdentityFile, DSAAuthentication is PubkeyAuthentication', () => {
    expect(read('IdentityFile2 ~/.ssh/old').identityFiles.map((entry) => entry.file)).toEqual(['~/.ssh/old']);
    expect(read('DSAAuthentication no').pubkeyAuthentication).toBe('false');
    expect(() => read('DSAAuthentication maybe')).toThrow(/F line 1: PubkeyAuthentication maybe/);
  });
});

describe('tunnels -G', () => {
  it('prints IgnoreUnknown as ssh does, and nothing when it is not set', () => {
    const dump = (options: SshOptions) => dumpOptions(fillDefaults(options, 'h', {name: 'me'}));
    expect(dump(read('IgnoreUnknown FooBar*,UseKeychain'))).toMatch(/^ignoreunknown FooBar\*,UseKeychain$/m);
    expect(dump(newOptions('h'))).not.toMatch(/ignoreunknown/);
  });
});

describe('the value readers', () => {
  it('parseTime reads as convtime does', () => {
    expect(parseTime('1m30s')).toBe(90);
    expect(parseTime('+5')).toBe(5);
    expect(parseTime('1m-0')).toBe(60);
    expect(parseTime('-1')).toBeUndefined();
    expect(parseTime('5x')).toBeUndefined();
    expect(parseTime('2147483648')).toBeUndefined();
  });

  it('parseCount reads as atoi_err does', () => {
    expect(parseCount('007')).toBe(7);
    expect(parseCount('+3')).toBe(3);
    expect(parseCount('-0')).toBe(0);
    expect(parseCount('-1')).toBeUndefined();
    expect(parseCount('0x1')).toBeUndefined();
  });

  it('parseScaled reads as scan_scaled does', () => {
    expect(parseScaled('1K')).toBe(1024);
    expect(parseScaled('1.5k')).toBe(1536);
    expect(parseScaled('16')).toBe(16);
    expect(parseScaled('.')).toBe(0);
    expect(parseScaled('1G!')).toBe(1024 ** 3);
    expect(parseScaled('1Gb')).toBeUndefined();
    expect(parseScaled('lots')).toBeUndefined();
    expect(parseScaled('1'.repeat(21))).toBeUndefined();
  });

  it('the algorithm lists: any name of the right form, patterns where ssh takes them', () => {
    expect(validMacSpec('hmac-sha2-256-etm@openssh.com')).toBe(true);
    expect(validMacSpec('')).toBe(false);
    expect(validMacSpec('-a b;c')).toBe(true);
    expect(validMacSpec('hmac-sha1,a b')).toBe(false);
    expect(validMacSpec('hmac-sha1,,a b')).toBe(true);
    expect(validKexSpec('+curve25519-sha256@libssh.org')).toBe(true);
    expect(validKexSpec('mlkem768x25519-sha256')).toBe(true);
    expect(validKexSpec('curve25519-*')).toBe(false);
    expect(validKeyTypeSpec('ecdsa-sk')).toBe(true);
    expect(validKeyTypeSpec('*-cert-v01@openssh.com')).toBe(true);
    expect(validKeyTypeSpec('rsa-cert')).toBe(true);
    expect(validKeyTypeSpec('ssh-rsa,!ssh-dss?')).toBe(true);
    expect(validKeyTypeSpec('ssh-rsa!')).toBe(false);
    expect(validGssKexList('gss-group14-sha256-toWM5Slw5Ew8Mqkay+al2g==')).toBe(true);
    expect(validGssKexList('group14-sha256')).toBe(false);
  });
});
