import {describe, expect, it} from 'vitest';
import {parseArguments} from '../../../source/cli/arguments.js';
import {
  favoriteAddress,
  favoriteSummary,
  sshCommandFor,
} from '../../../source/config/favorites/favorite-text.js';
import {favorite, full, minimal} from './examples.js';

/** POSIX shell words for what sshCommandFor produces: plain words, '...' and "..." quoting, backslashes. */
function shellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quote === "'") {
      if (char === "'") quote = '';
      else word += char;
    } else if (quote === '"') {
      if (char === '"') quote = '';
      else if (char === '\\' && '"\\$`'.includes(text[i + 1] ?? '')) word += text[++i];
      else word += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (char === '\\') {
      word += text[++i] ?? '';
      inWord = true;
    } else if (char === ' ') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      expect('*?[]$`;&|<>(){}!#"\t\n').not.toContain(char);
      word += char;
      inWord = true;
    }
  }
  expect(quote).toBe('');
  if (inWord) words.push(word);
  return words;
}

describe('sshCommandFor', () => {
  it('writes the whole favorite as an ssh command line', () => {
    expect(sshCommandFor(full)).toBe(
      "ssh -p 2222 -l deploy -i ~/.ssh/id_ed25519 -i '/keys/with space/id_rsa' -o ServerAliveInterval=30 " +
        "-o ExitOnForwardFailure=yes -A -X -N -L 8080:db:5432 -L '*:8081:db:5433' " +
        "-L '[::1]:8082:[2001:db8::5]:80' -R 9000:localhost:3000 -D 1080 -L ftp/2121:ftp:21 db1.example.com",
    );
  });

  it('is just ssh and the host for a bare favorite, with no -N without forwards', () => {
    expect(sshCommandFor(minimal)).toBe('ssh jump');
    expect(sshCommandFor(favorite('x', {forwards: []}))).toBe('ssh x.example');
  });

  it('leaves Reconnect out (ssh has no such option), and the summary line shows a Reconnect=no', () => {
    const once = favorite('once', {options: {reconnect: false, forwardAgent: true}});
    expect(sshCommandFor(once)).toBe('ssh -A -N -D 1080 once.example');
    expect(favoriteSummary(once)).toBe('-A  -o Reconnect=no  -D 1080');
    expect(favoriteSummary(favorite('again', {options: {reconnect: true}}))).toBe('-D 1080');
  });

  it('says explicit "no" as -a, -x and ExitOnForwardFailure=no', () => {
    const off = favorite('off', {
      options: {exitOnForwardFailure: false, forwardAgent: false, forwardX11: false},
    });
    expect(sshCommandFor(off)).toBe('ssh -o ExitOnForwardFailure=no -a -x -N -D 1080 off.example');
  });

  it.each([
    ['the full favorite', full],
    [
      'awkward characters',
      favorite('odd', {
        user: "o'brien$x",
        host: 'h.example',
        identityFiles: ["/tmp/it's here/id", '$HOME/key', '~/.ssh/id rsa', '-dash'],
        options: {
          forwardAgent: false,
          forwardX11: false,
          exitOnForwardFailure: false,
          serverAliveInterval: 0,
        },
        forwards: ['-D *:1080', '-R [::]:0:[fe80::1]:22', '-L  8080:db:5432'],
      }),
    ],
  ])('parses back with tunnels’ own parser: %s', (_label, fav) => {
    const words = shellWords(sshCommandFor(fav));
    expect(words[0]).toBe('ssh');
    const parsed = parseArguments(words.slice(1));
    if (typeof parsed === 'number') throw new Error(`parseArguments exited ${parsed}`);
    const flagOf = (flag: string) =>
      fav.forwards.filter((f) => f.startsWith(`-${flag}`)).map((f) => f.slice(2).trim());
    expect(parsed).toMatchObject({
      destination: fav.host,
      command: [],
      port: fav.port === undefined ? undefined : String(fav.port),
      user: fav.user,
      identityFiles: fav.identityFiles,
      localForwards: flagOf('L'),
      remoteForwards: flagOf('R'),
      dynamicForwards: flagOf('D'),
      noCommand: fav.forwards.length > 0,
      forwardAgent: fav.options.forwardAgent,
      forwardX11: fav.options.forwardX11,
    });
    const options = [
      ...(fav.options.serverAliveInterval !== undefined
        ? [`ServerAliveInterval=${fav.options.serverAliveInterval}`]
        : []),
      ...(fav.options.exitOnForwardFailure !== undefined
        ? [`ExitOnForwardFailure=${fav.options.exitOnForwardFailure ? 'yes' : 'no'}`]
        : []),
    ];
    expect(parsed.options).toEqual(options);
  });
});

describe('favoriteAddress', () => {
  it('is user@host:port via the jump hosts, each part only when the favorite has it', () => {
    expect(favoriteAddress(full)).toBe('deploy@db1.example.com:2222');
    expect(favoriteAddress(minimal)).toBe('jump');
    expect(favoriteAddress({...minimal, host: 'db', jumpHost: 'admin@bastion:2200,inner'})).toBe(
      'db via admin@bastion:2200,inner',
    );
  });
});
