import {readFile} from 'node:fs/promises';

// Ink measures every string it draws with string-width. As its module loads, string-width 8 builds
// /^\p{RGI_Emoji}$/v, a class of several thousand emoji sequences: ~15 ms, and as much again the first time
// the regex runs, which is on the UI's first frame (its separators and state dots are not ASCII, so they
// miss string-width's ASCII fast path). Together ~35 ms of a ~230 ms first frame. The build (build.mjs)
// patches the module: the regex is built the first time a string needs it, and the fast path also takes the
// few symbols the UI and Ink's borders draw with. Widths are unchanged (test/scripts checks both against
// the unpatched module).

/**
 * Symbols the UI draws with (source/ui) and the borders of the box styles it uses (round panes, double
 * dialogs), each one column wide in string-width when ambiguous-width characters count as narrow (its
 * default, and Ink's).
 */
export const NARROW_SYMBOLS = '·•…›↳↻●↑↓×─│╭╮╰╯═║╔╗╚╝▁▂▃▄▅▆▇█✗';

const RGI_EMOJI_LINE = String.raw`const rgiEmojiRegex = /^\p{RGI_Emoji}$/v;`;
const ASCII_FAST_PATH = String.raw`if (/^[\u0020-\u007E]*$/.test(string)) {`;

function escaped(text) {
  return [...text]
    .map((character) => `\\u${character.codePointAt(0).toString(16).padStart(4, '0')}`)
    .join('');
}

/** string-width 8's index.js, with the emoji regex built on first use and a wider fast path. */
export function patchStringWidth(source, path) {
  for (const expected of [RGI_EMOJI_LINE, ASCII_FAST_PATH]) {
    if (source.split(expected).length !== 2)
      throw new Error(
        `string-width changed: "${expected}" not found once in ${path}; update scripts/string-width-patch.mjs`,
      );
  }
  const lazyRegex = [
    'let rgiEmojiRegexBuilt;',
    'const rgiEmojiRegex = {',
    String.raw`	test: (text) => (rgiEmojiRegexBuilt ??= new RegExp('^\\p{RGI_Emoji}$', 'v')).test(text),`,
    '};',
  ].join('\n');
  const fastPath = String.raw`if (/^[\u0020-\u007E]*$/.test(string) || (ambiguousIsNarrow && /^[\u0020-\u007E${escaped(NARROW_SYMBOLS)}]*$/.test(string))) {`;
  // Functions, not strings: a replacement string would read the regex's "$'" as a pattern of its own.
  return source.replace(RGI_EMOJI_LINE, () => lazyRegex).replace(ASCII_FAST_PATH, () => fastPath);
}

/**
 * The esbuild plugin that applies the patch. string-width 7 (wrap-ansi's, used only to wrap text wider
 * than its box) builds no such regex and is left alone; a build that patched no string-width 8, or two,
 * fails, so a string-width that changed is not bundled unpatched without a word.
 */
export function stringWidthPlugin() {
  return {
    name: 'string-width-lazy-emoji',
    setup(build) {
      let patched = 0;
      build.onStart(() => {
        patched = 0;
      });
      build.onLoad({filter: /[\\/]string-width[\\/]index\.js$/}, async (args) => {
        const source = await readFile(args.path, 'utf8');
        if (!source.includes(RGI_EMOJI_LINE)) return undefined;
        patched++;
        return {contents: patchStringWidth(source, args.path), loader: 'js'};
      });
      build.onEnd(() => {
        if (patched === 1) return undefined;
        return {
          errors: [
            {
              text: `expected to patch one string-width 8, patched ${patched}: see scripts/string-width-patch.mjs`,
            },
          ],
        };
      });
    },
  };
}
