import stringWidth from 'string-width';
import {graphemesOf} from '../text/graphemes.js';

/**
 * Word-wraps text to lines of at most `width` columns, measured as the terminal draws them (a wide
 * character takes two). Lines break at blanks; a word longer than the width (a host name, a path, a key
 * fingerprint) is broken where it reaches the edge. A newline in the text starts a new line. The text is
 * plain: escape sequences must have been made visible before (see safeText).
 */
export function wrapText(text: string, width: number): string[] {
  const columns = Math.max(1, Math.floor(width));
  return text.split(/\r?\n/).flatMap((paragraph) => wrapParagraph(paragraph, columns));
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

function wrapParagraph(paragraph: string, width: number): string[] {
  const words = paragraph.split(/\s+/).filter((word) => word !== '');
  if (words.length === 0) return [''];
  const lines: string[] = [];
  let line = '';
  let used = 0;
  for (const word of words) {
    const cells = stringWidth(word);
    if (line !== '' && used + 1 + cells <= width) {
      line += ` ${word}`;
      used += 1 + cells;
      continue;
    }
    if (line !== '') lines.push(line);
    if (cells <= width) {
      line = word;
      used = cells;
      continue;
    }
    // A word wider than a line: its full pieces take lines of their own, the last one goes on.
    const pieces = breakWord(word, width);
    lines.push(...pieces.slice(0, -1));
    line = pieces.at(-1) ?? '';
    used = stringWidth(line);
  }
  lines.push(line);
  return lines;
}
