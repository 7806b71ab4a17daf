import {Text} from 'ink';
import {useRef} from 'react';
import stringWidth from 'string-width';
import type {LineState} from '../store/line-editor.js';
import {graphemesOf} from '../text/graphemes.js';

/** What a field of `width` cells shows of a line: the text around the cursor, cut with … where it goes on. */
export type FieldView = {
  /** The first grapheme shown; the next frame passes it back so the text moves only when it must. */
  start: number;
  before: string;
  /** The grapheme under the cursor, or a space at the end of the text. */
  atCursor: string;
  after: string;
  moreLeft: boolean;
  moreRight: boolean;
};

type Cell = {index: number; text: string; width: number};

/** One past the last grapheme shown from `start` on, and whether a … is needed on the right. */
function shownFrom(cells: Cell[], start: number, width: number, endCell: number) {
  const available = width - (start > 0 ? 1 : 0);
  let rest = endCell;
  for (let index = start; index < cells.length; index++) rest += cells[index]!.width;
  if (rest <= available) return {end: cells.length, moreRight: false, room: available - rest};
  let used = 0;
  let end = start;
  while (end < cells.length && used + cells[end]!.width <= available - 1) used += cells[end++]!.width;
  return {end, moreRight: true, room: 0};
}

/** Pure: the part of the line a field shows, the cursor always inside it. */
export function fieldView(line: LineState, width: number, previousStart = 0): FieldView {
  const cells: Cell[] = graphemesOf(line.text).map(({index, segment}) => ({
    index,
    text: segment,
    width: stringWidth(segment),
  }));
  const cursorCell = cells.findIndex((cell) => cell.index >= line.cursor);
  const at = cursorCell === -1 ? cells.length : cursorCell;
  // The cell after the text, where the cursor goes at the end, is kept wherever the cursor is: the text does
  // not shift by one when the cursor leaves the end.
  const endCell = 1;
  const shows = (start: number) => {
    const shown = shownFrom(cells, start, width, endCell);
    return at < shown.end || (at === cells.length && !shown.moreRight) ? shown : undefined;
  };
  let start = Math.max(0, Math.min(at, previousStart));
  while (start < at && !shows(start)) start++;
  // Room left at the end (text was deleted): show more of the start again.
  while (start > 0 && (shows(start)?.room ?? 0) > 0 && shows(start - 1)) start--;
  const shown = shows(start);
  // A field too narrow for the cursor and a …: the cursor alone.
  if (!shown)
    return {
      start: at,
      before: '',
      atCursor: cells[at]?.text ?? ' ',
      after: '',
      moreLeft: false,
      moreRight: false,
    };
  const {end, moreRight} = shown;
  const text = (from: number, to: number) =>
    cells
      .slice(from, to)
      .map((cell) => cell.text)
      .join('');
  return {
    start,
    before: text(start, at),
    atCursor: cells[at]?.text ?? ' ',
    after: text(at + 1, end),
    moreLeft: start > 0,
    moreRight,
  };
}

/** A one-line text field: the cursor an inverse cell, the text scrolled sideways to keep it in view. */
export function TextInput(props: {line: LineState; width: number; focused?: boolean; placeholder?: string}) {
  const {line, width, focused = true, placeholder} = props;
  const start = useRef(0);
  if (line.text === '' && placeholder && !focused) {
    return <Text dimColor>{placeholder}</Text>;
  }
  const view = fieldView(line, Math.max(1, width), start.current);
  start.current = view.start;
  return (
    <Text wrap="truncate-end">
      {view.moreLeft ? <Text dimColor>…</Text> : ''}
      {view.before}
      {focused ? <Text inverse>{view.atCursor}</Text> : view.atCursor}
      {view.after}
      {view.moreRight ? <Text dimColor>…</Text> : ''}
    </Text>
  );
}
