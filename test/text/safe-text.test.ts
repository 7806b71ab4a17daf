import {readdir, readFile} from 'node:fs/promises';
import path from 'node:path';
import stringWidth from 'string-width';
import {describe, expect, it} from 'vitest';
import {safeJson, safeLines, safeStrings, safeText} from '../../source/text/safe-text.js';

const ESC = '\u001b';
const BEL = '\u0007';

/** What a terminal could act on: C0, DEL, C1. */
const CONTROLS = /\p{Cc}/u;

describe('safeText: text from outside, harmless on a terminal', () => {
  it.each([
    ['OSC 0, the window title', `${ESC}]0;pwned${BEL}`, '\\033]0;pwned\\007'],
    ['OSC 52, a clipboard write', `${ESC}]52;c;cm0gLXJmIH4=${BEL}`, '\\033]52;c;cm0gLXJmIH4=\\007'],
    ['OSC 8 ended by ST', `${ESC}]8;;http://x${ESC}\\link`, '\\033]8;;http://x\\033\\link'],
    ['CSI 2J, a screen clear', `${ESC}[2J${ESC}[H`, '\\033[2J\\033[H'],
    ['SGR colours', `${ESC}[31mred${ESC}[0m`, '\\033[31mred\\033[0m'],
    ['DCS', `${ESC}P1$qm${ESC}\\`, '\\033P1$qm\\033\\'],
    ['C1 CSI', '\u009b2J', '\\u009b2J'],
    ['C1 OSC and ST', '\u009d0;pwned\u009c', '\\u009d0;pwned\\u009c'],
    ['NEL, a C1 newline', 'a\u0085b', 'a\\u0085b'],
    ['DEL', 'a\u007fb', 'a\\177b'],
    ['NUL', 'a\u0000b', 'a\\000b'],
    ['BEL', 'a\u0007b', 'a\\007b'],
    ['backspace over text', 'safe\b\b\b\bevil', 'safe\\010\\010\\010\\010evil'],
    ['a carriage return that would overwrite the line', 'ok\rFAIL', 'ok\\015FAIL'],
    ['a newline in a one-line field', 'line one\nline two', 'line one\\012line two'],
    ['a tab', 'a\tb', 'a\\011b'],
    ['a right-to-left override', 'evil\u202etxt.exe', 'evil\\u202etxt.exe'],
    ['bidi isolates and marks', '\u2066a\u2069\u200f\u061c', '\\u2066a\\u2069\\u200f\\u061c'],
    ['zero-width space and BOM', 'a\u200bb\ufeff', 'a\\u200bb\\ufeff'],
    ['line and paragraph separators', 'a\u2028b\u2029c', 'a\\u2028b\\u2029c'],
    ['a lone surrogate', 'a\ud800b', 'a\\ud800b'],
    ['an astral format character', 'a\u{e0001}b', 'a\\u{e0001}b'],
  ])('escapes %s', (_what, text, shown) => {
    expect(safeText(text)).toBe(shown);
    expect(safeText(text)).not.toMatch(CONTROLS);
  });

  it.each([
    ['ASCII', 'deploy@10.0.0.5:22 (publickey)'],
    ['a backslash, as ssh leaves it', String.raw`C:\Users\me \033`],
    ['accents, CJK, Hangul', 'café 日本語 한국어 e\u0301'],
    ['emoji with joiners, skin tones, variation selectors and tags', '👨‍👩‍👧‍👦 👍🏽 ❤️ 🏴󠁧󠁢󠁳󠁣󠁴󠁿'],
    ['joiners in words', 'می\u200cخواهم'],
    ['the UI symbols', '● ↻1 › …'],
  ])('leaves %s as it is', (_what, text) => {
    expect(safeText(text)).toBe(text);
  });

  it('gives ASCII escapes, so a row measures what it shows', () => {
    const text = `a${ESC}]0;t${BEL}\u009b\u202e\u200b\u0000`;
    const shown = safeText(text);
    expect(shown).toMatch(/^[\u0020-\u007e]*$/);
    expect(stringWidth(shown)).toBe(shown.length);
  });

  it('escapes every C0 control, DEL, every C1 control and the soft hyphen, and nothing else of Latin-1', () => {
    for (let code = 0; code <= 0xff; code++) {
      const character = String.fromCharCode(code);
      const shown = safeText(character);
      if (code < 0x20 || code === 0x7f) expect(shown).toBe(`\\${code.toString(8).padStart(3, '0')}`);
      else if ((code >= 0x80 && code <= 0x9f) || code === 0xad)
        expect(shown).toBe(`\\u00${code.toString(16)}`);
      else expect(shown).toBe(character);
    }
  });

  it('can be applied twice', () => {
    const once = safeText(`${ESC}]0;x${BEL}\u009b\u202e\n`);
    expect(safeText(once)).toBe(once);
  });
});

describe('safeLines: text of several lines (prompts, instructions)', () => {
  it('keeps line breaks, CRLF as one, and escapes the rest of each line', () => {
    expect(safeLines(`Duo login\r\n\r\n 1. Push${ESC}]0;pwned${BEL}\nPasscode\r: `)).toBe(
      'Duo login\n\n 1. Push\\033]0;pwned\\007\nPasscode\\015: ',
    );
  });
});

describe('safeJson: --json lines', () => {
  const hostile = {
    event: 'warning',
    message: `${ESC}]0;pwned${BEL}\u009b2J\u007f\u202e\u2028 café 👨‍👩‍👧`,
  };

  it('parses back to the true text', () => {
    expect(JSON.parse(safeJson(hostile))).toEqual(hostile);
    expect(JSON.parse(safeJson(hostile, 2))).toEqual(hostile);
  });

  it('holds nothing a terminal acts on, where JSON.stringify leaves DEL, C1 and bidi raw', () => {
    expect(JSON.stringify(hostile)).toMatch(/[\u007f\u009b\u202e]/);
    const json = safeJson(hostile);
    expect(json).not.toMatch(CONTROLS);
    expect(json).not.toMatch(/[\u202e\u2028]/);
    expect(json).toContain(String.raw`\u009b2J\u007f\u202e\u2028 café 👨‍👩‍👧`);
  });

  it('escapes an astral format character as a surrogate pair', () => {
    expect(safeJson('a\u{e0001}')).toBe(String.raw`"a\udb40\udc01"`);
    expect(JSON.parse(safeJson('a\u{e0001}'))).toBe('a\u{e0001}');
  });

  it('is JSON.stringify itself for ordinary events', () => {
    const event = {event: 'forward-listening', spec: '-L 8080:db:5432', port: 8080, note: 'café "q" \\'};
    expect(safeJson(event)).toBe(JSON.stringify(event));
  });
});

describe('safeStrings: what the views get of the store', () => {
  it('escapes every string, deeply, and leaves numbers, booleans and undefined', () => {
    const state = {
      sessions: [
        {id: 1, name: `a${ESC}[2J`, failure: undefined, forwards: [{display: '\u009b1m', open: true}]},
      ],
      hosts: ['ok', 'b\u202e'],
    };
    expect(safeStrings(state)).toEqual({
      sessions: [
        {id: 1, name: 'a\\033[2J', failure: undefined, forwards: [{display: '\\u009b1m', open: true}]},
      ],
      hosts: ['ok', 'b\\u202e'],
    });
    expect(state.sessions[0]!.name).toBe(`a${ESC}[2J`);
  });

  it('gives the same object for the same input, and the input itself when nothing needed escaping', () => {
    const clean = {log: [{id: 1, text: 'connected'}], message: {kind: 'info', text: 'ok'}};
    expect(safeStrings(clean)).toBe(clean);
    const hostile = {log: [clean.log[0], {id: 2, text: `${ESC}]0;x${BEL}`}]};
    const view = safeStrings(hostile);
    expect(view).not.toBe(hostile);
    expect(safeStrings(hostile)).toBe(view);
    // An entry already seen is not copied again.
    expect(view.log[0]).toBe(clean.log[0]);
  });
});

describe('every write to the terminal passes its text through safe-text', () => {
  /**
   * The places that write to stdout, stderr or the terminal, and why each is safe. A new one fails here
   * until its text goes through safeText, safeLines or safeJson (source/core/safe-text.ts), or it is
   * added with its reason.
   */
  const WRITERS: Record<string, string> = {
    'cli.tsx': 'safeText / safeLines, or fixed sentences',
    'source/cli/arguments.ts': "commander's error message: safeLines",
    'source/cli/background.ts':
      "the service's errors for -f: safeLines (its prompts go through tty-prompter.ts)",
    'source/cli/completions.ts':
      'help and scripts from the tables, through safeLines; names offered only when safeText leaves them as they are',
    'source/cli/favorites-command.ts': 'out() and err(): safeLines',
    'source/cli/service-commands.ts':
      "stdout() and stderr() take EventPrinter's lines (safeText, safeJson), ls rows through safeText, err(): safeLines, or fixed help",
    'source/cli/headless.ts':
      "the line batchers write EventPrinter's lines (safeText, safeJson); a remote command's own output is its own, raw as with ssh",
    'source/cli/tty-prompter.ts': 'safeLines / safeText, or fixed control sequences',
    'source/ui/run-ui.tsx': 'alternate-screen sequences, and the stack through safeLines',
  };

  it('knows every file that writes', async () => {
    const files = [
      'cli.tsx',
      ...(await readdir('source', {recursive: true}))
        .filter((file) => /\.tsx?$/.test(file))
        .map((file) => path.join('source', file)),
    ];
    const writers: string[] = [];
    for (const file of files) {
      const code = await readFile(file, 'utf8');
      // Sockets and channels in the core are written with bytes for the network, not for a terminal.
      if (/process\.(stdout|stderr)\.write|console\.|output\.write\(|\bwrite\(`/.test(code))
        writers.push(file);
    }
    expect(writers.sort()).toEqual(Object.keys(WRITERS).sort());
  });

  it('writes nothing in those files without safe-text but fixed text', async () => {
    for (const file of Object.keys(WRITERS)) {
      const code = await readFile(file, 'utf8');
      for (const match of code.matchAll(
        /(process\.(?:stdout|stderr)\.write|output\.write|\bwrite)\(\s*([^\n]*)/g,
      )) {
        const argument = match[2]!;
        const fixed = /^('[^'$]*'|[A-Z_]+\)|text\)|`[^$`]*`\))/.test(argument);
        const safe = /safe(Text|Lines|Json)\(/.test(argument);
        expect([file, match[0], fixed || safe]).toEqual([file, match[0], true]);
      }
    }
  });
});
