/**
 * Which rows of a list a pane draws when they do not all fit: a window of whole rows that keeps the
 * selected row on screen, with a "↑ N more" line above and a "↓ N more" line below when rows are hidden
 * there. Pure; the pane passes back the window's first row from its last frame, so the window moves only
 * when the selection leaves it, and then only as far as needed.
 */

export type ScrollWindowInput = {
  /** Lines each row takes (a forward with its failure line takes 2); less than 1 counts as 1. */
  heights: readonly number[];
  selected: number;
  /** Lines the pane has for its rows and markers. */
  lines: number;
  /** The first row drawn in the last frame. */
  previousFirst?: number;
};

export type ScrollWindow = {
  /** The rows drawn are first .. end - 1. */
  first: number;
  end: number;
  /** Rows hidden above and below the window. */
  hiddenAbove: number;
  hiddenBelow: number;
  /** Whether the "↑ N more" / "↓ N more" lines are drawn (each takes a line). */
  markerAbove: boolean;
  markerBelow: boolean;
  /** Lines the last drawn row may use: less than its height only when the selected row alone is too tall. */
  lastRowLines: number;
};

export const moreAbove = (count: number) => `↑ ${count} more`;
export const moreBelow = (count: number) => `↓ ${count} more`;

/**
 * The counts of hidden rows that have no line of their own ("↑ 6 more · ↓ 3 more"), for the heading above
 * the list (a pane of one row under a dialog, a selected row that takes every line); '' when none.
 */
export function unsaidMore(window: ScrollWindow): string {
  return [
    ...(window.hiddenAbove > 0 && !window.markerAbove ? [moreAbove(window.hiddenAbove)] : []),
    ...(window.hiddenBelow > 0 && !window.markerBelow ? [moreBelow(window.hiddenBelow)] : []),
  ].join(' · ');
}

function windowOf(first: number, end: number, count: number, markers: [boolean, boolean], last: number) {
  return {
    first,
    end,
    hiddenAbove: first,
    hiddenBelow: count - end,
    markerAbove: markers[0],
    markerBelow: markers[1],
    lastRowLines: last,
  };
}

/** The whole rows that fit from `first` on, markers counted; undefined when not even one does. */
function fillFrom(heights: number[], first: number, lines: number): {end: number} | undefined {
  const available = lines - (first > 0 ? 1 : 0);
  let rest = 0;
  for (let index = first; index < heights.length; index++) rest += heights[index]!;
  // Everything from here on fits: no marker below.
  if (rest <= available) return {end: heights.length};
  const budget = available - 1;
  let used = 0;
  let end = first;
  while (end < heights.length && used + heights[end]! <= budget) used += heights[end++]!;
  return end > first ? {end} : undefined;
}

export function scrollWindow(input: ScrollWindowInput): ScrollWindow {
  const heights = input.heights.map((height) => Math.max(1, Math.floor(height)));
  const count = heights.length;
  const lines = Math.max(0, Math.floor(input.lines));
  if (count === 0 || lines === 0) return windowOf(0, 0, count, [false, false], 0);
  const selected = Math.max(0, Math.min(count - 1, input.selected));
  const total = heights.reduce((sum, height) => sum + height, 0);
  if (total <= lines) return windowOf(0, count, count, [false, false], heights[count - 1]!);

  // Stay where the last frame was unless the selection went above it; scroll down only as far as needed.
  let first = Math.max(0, Math.min(selected, input.previousFirst ?? 0));
  for (; first <= selected; first++) {
    const filled = fillFrom(heights, first, lines);
    if (!filled || filled.end <= selected) continue;
    let {end} = filled;
    // At the bottom of the list, rows that were removed leave room: take earlier rows back into view.
    while (end === count && first > 0 && fillFrom(heights, first - 1, lines)?.end === count) first--;
    end = fillFrom(heights, first, lines)!.end;
    return windowOf(first, end, count, [first > 0, end < count], heights[end - 1]!);
  }

  // The selected row and its markers do not fit: the row comes first, cut to the space, then the markers.
  const rowLines = Math.min(heights[selected]!, lines);
  let spare = lines - rowLines;
  const above = selected > 0 && spare > 0;
  if (above) spare--;
  const below = selected < count - 1 && spare > 0;
  return windowOf(selected, selected + 1, count, [above, below], rowLines);
}
