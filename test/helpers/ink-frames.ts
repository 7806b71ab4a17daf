import {render} from 'ink-testing-library';
import type {ReactElement} from 'react';

/** An element in a terminal of this size (ink-testing-library's is 100 columns and has no rows). */
export function renderAt(element: ReactElement, columns: number, rows: number) {
  const rendered = render(element);
  Object.defineProperty(rendered.stdout, 'columns', {value: columns, configurable: true});
  Object.defineProperty(rendered.stdout, 'rows', {value: rows, configurable: true});
  rendered.stdout.emit('resize');
  return rendered;
}

/**
 * Waits for a frame that matches, instead of sleeping; once given, drawn at `columns` (its second line, a
 * top border, that wide: a number is the columns) and `lines` tall, so a frame from before a resize does
 * not count.
 */
export async function frameMatching(
  lastFrame: () => string | undefined,
  pattern: RegExp,
  wanted?: number | {columns?: number; lines?: number},
  ms = 2000,
): Promise<string> {
  const {columns, lines} = typeof wanted === 'number' ? {columns: wanted, lines: undefined} : (wanted ?? {});
  const deadline = Date.now() + ms;
  for (;;) {
    const frame = lastFrame() ?? '';
    const rows = frame.split('\n');
    const sized =
      (columns === undefined || rows[1]?.length === columns) &&
      (lines === undefined || rows.length === lines);
    if (pattern.test(frame) && sized) return frame;
    if (Date.now() > deadline) throw new Error(`no frame matched ${pattern}; last frame:\n${frame}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** No line wider than the terminal, and every line that starts a pane's or a dialog's row ends in its border. */
export function bordersIntact(frame: string, columns: number): boolean {
  return frame.split('\n').every((line) => {
    if (line.length > columns) return false;
    if (/^[│╭╰]/.test(line)) return /[│╮╯]$/.test(line);
    if (/^[║╔╚]/.test(line)) return /[║╗╝]$/.test(line);
    return true;
  });
}

export const KEYS = {
  pageUp: '\u001b[5~',
  pageDown: '\u001b[6~',
  home: '\u001b[H',
  end: '\u001b[F',
  escape: '\u001b',
};
