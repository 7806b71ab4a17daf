import {mkdtemp, readdir, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import cliBoxes from 'cli-boxes';
import {build} from 'esbuild';
import stringWidth from 'string-width';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {NARROW_SYMBOLS, patchStringWidth, stringWidthPlugin} from '../../scripts/string-width-patch.mjs';

type StringWidth = typeof stringWidth;

/** Strings of every kind string-width tells apart, and the UI's own. */
const CORPUS = [
  '',
  'plain ASCII',
  ` 1 session · ? for help`,
  '● connected',
  '› root@127.0.0.1',
  '     ↳ the port is taken',
  ' ↻2',
  'a long name…',
  '••••',
  '╭──╮│╰╯',
  '\u001B[31mred · text\u001B[39m',
  'café',
  'e\u0301',
  '日本語',
  'ｶﾞ',
  '한국어',
  '\u1100\u1161\u11A8',
  '😀',
  '👍🏽',
  '👨‍👩‍👧‍👦',
  '🇫🇷',
  '#️⃣',
  '1⃣',
  '❤',
  '❤️',
  '©',
  '☝🏻',
  '🏴󠁧󠁢󠁳󠁣󠁴󠁿',
  '·😀·',
  'tab\there',
  '\u200B',
  '\u0000\u007F',
  '·'.repeat(100),
];

describe('the build patch of string-width (first frame without its emoji regex)', () => {
  let directory: string;
  let patched: StringWidth;

  beforeAll(async () => {
    // string-width bundled as the build bundles it, with the patch, loaded beside the original.
    directory = await mkdtemp(path.join(tmpdir(), 'tunnels-string-width-'));
    const entry = path.join(directory, 'patched.mjs');
    await build({
      stdin: {contents: "export {default} from 'string-width';", resolveDir: process.cwd(), loader: 'js'},
      outfile: entry,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'silent',
      plugins: [stringWidthPlugin()],
    });
    patched = ((await import(pathToFileURL(entry).href)) as {default: StringWidth}).default;
  });
  afterAll(async () => {
    if (directory) await rm(directory, {recursive: true, force: true});
  });

  it('takes only symbols that string-width itself counts one column wide', () => {
    for (const symbol of NARROW_SYMBOLS) expect([symbol, stringWidth(symbol)]).toEqual([symbol, 1]);
  });

  it('covers every non-ASCII character of the sources outside comments, so frames stay on the fast path', async () => {
    const files = (await readdir('source', {recursive: true})).filter((file) => /\.tsx?$/.test(file));
    const used = new Set<string>();
    for (const file of files) {
      const code = (await readFile(path.join('source', file), 'utf8'))
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/(^|\s)\/\/.*$/gm, '');
      for (const character of code) if (character.codePointAt(0)! > 0x7e) used.add(character);
    }
    expect(used.size).toBeGreaterThan(0);
    for (const character of used) expect(NARROW_SYMBOLS).toContain(character);
  });

  it("covers the borders of every style the UI draws boxes in (Ink's, from cli-boxes)", async () => {
    const files = (await readdir('source/ui', {recursive: true})).filter((file) => /\.tsx?$/.test(file));
    const styles = new Set<string>();
    for (const file of files) {
      const code = await readFile(path.join('source/ui', file), 'utf8');
      for (const match of code.matchAll(/borderStyle="(\w+)"/g)) styles.add(match[1]!);
    }
    expect(styles.size).toBeGreaterThan(0);
    for (const style of styles) {
      const box = cliBoxes[style as keyof typeof cliBoxes];
      for (const character of Object.values(box).join(''))
        expect([style, NARROW_SYMBOLS]).toEqual([style, expect.stringContaining(character)]);
    }
  });

  it('measures every kind of string as the original does, by default and with wide ambiguous characters', () => {
    for (const text of CORPUS) {
      expect([text, patched(text)]).toEqual([text, stringWidth(text)]);
      const wide = {ambiguousIsNarrow: false};
      expect([text, patched(text, wide)]).toEqual([text, stringWidth(text, wide)]);
      const counted = {countAnsiEscapeCodes: true};
      expect([text, patched(text, counted)]).toEqual([text, stringWidth(text, counted)]);
    }
  });

  it('fails the build, naming the file, when string-width no longer has what it patches', () => {
    expect(() => patchStringWidth('export default () => 0;', '/x/string-width/index.js')).toThrow(
      /string-width changed: .* not found once in \/x\/string-width\/index\.js/,
    );
  });

  it('fails a build that patched no string-width 8 (the build above patched exactly one)', async () => {
    await expect(
      build({
        stdin: {contents: 'export default 1;', loader: 'js'},
        write: false,
        logLevel: 'silent',
        plugins: [stringWidthPlugin()],
      }),
    ).rejects.toThrow(/expected to patch one string-width 8, patched 0/);
  });
});
