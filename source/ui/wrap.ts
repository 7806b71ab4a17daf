import stringWidth from 'string-width';
import {graphemesOf} from '../text/graphemes.js';

/**
 * Word-wraps text to lines of at most `width` columns, measured as the terminal draws them (a wide
 * character takes two). Lines break at blanks; a word longer than the width (a host name, a path, a key
 * fingerprint) is broken where it reaches the edge. A newline in the text starts a new line. The text is
 * plain: escape sequences must have been made visible before (see safeText).
 */
export function wrapText(text: string, width: number): string[] {
  return wrapMarked(text, width).map((line) => line.text);
}

/** A wrapped line, and whether it holds (a piece of) a word that `marks` picked. */
export type MarkedLine = {text: string; marked: boolean};

export type WrapOptions = {
  /** Picks the words whose lines are marked: a dialog keeps those with a host or a fingerprint. */
  marks?: (word: string) => boolean;
  /** Blanks inside a line kept as they are ("db  -D 1080"), not made one. */
  keepBlanks?: boolean;
};

/** wrapText that also says which lines hold a word `marks` picks. */
export function wrapMarked(text: string, width: number, options: WrapOptions = {}): MarkedLine[] {
  const columns = Math.max(1, Math.floor(width));
  return text.split(/\r?\n/).flatMap((paragraph) => wrapParagraph(paragraph, columns, options));
}

/** Pieces of at most `width` columns; a grapheme wider than the width makes a piece of its own. */
function breakWord(word: string, width: number): string[] {
  const pieces: string[] = [];
  let piece = '';
  let used = 0;
  for (const {segment} of graphemesOf(word)) {
    const cells = stringWidth(segment);
    if (used + cells > width && piece !== '') {
      pieces.push(piece);
      piece = '';
      used = 0;
    }
    piece += segment;
    used += cells;
  }
  if (piece !== '') pieces.push(piece);
  return pieces;
}

function wrapParagraph(paragraph: string, width: number, options: WrapOptions): MarkedLine[] {
  const marks = options.marks ?? (() => false);
  // Words and the blanks before them (spaces kept as they are when asked, a tab as one); at a break they go.
  const words = [...paragraph.matchAll(/(\s*)(\S+)/g)].map(([, blanks = '', word = '']) => ({
    gap: options.keepBlanks && /^ +$/.test(blanks) ? blanks : ' ',
    word,
  }));
  if (words.length === 0) return [{text: '', marked: false}];
  const lines: MarkedLine[] = [];
  let line = '';
  let used = 0;
  let marked = false;
  for (const {gap, word} of words) {
    const cells = stringWidth(word);
    const picked = marks(word);
    if (line !== '' && used + gap.length + cells <= width) {
      line += `${gap}${word}`;
      used += gap.length + cells;
      marked ||= picked;
      continue;
    }
    if (line !== '') lines.push({text: line, marked});
    marked = picked;
    if (cells <= width) {
      line = word;
      used = cells;
      continue;
    }
    // A word wider than a line: its full pieces take lines of their own, the last one goes on.
    const pieces = breakWord(word, width);
    lines.push(...pieces.slice(0, -1).map((piece) => ({text: piece, marked: picked})));
    line = pieces.at(-1) ?? '';
    used = stringWidth(line);
  }
  lines.push({text: line, marked});
  return lines;
}
