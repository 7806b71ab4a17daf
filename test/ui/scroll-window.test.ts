import {describe, expect, it} from 'vitest';
import {moreAbove, moreBelow, type ScrollWindow, scrollWindow} from '../../source/ui/scroll-window.js';

const ones = (count: number) => Array.from({length: count}, () => 1);

/** Lines a window takes on screen: its markers and its rows (the last one perhaps cut). */
function linesUsed(heights: number[], window: ScrollWindow): number {
  let used = Number(window.markerAbove) + Number(window.markerBelow);
  for (let index = window.first; index < window.end; index++) {
    used += index === window.end - 1 ? window.lastRowLines : heights[index]!;
  }
  return used;
}

describe('scrollWindow', () => {
  it('draws nothing for no rows', () => {
    expect(scrollWindow({heights: [], selected: 0, lines: 10})).toEqual({
      first: 0,
      end: 0,
      hiddenAbove: 0,
      hiddenBelow: 0,
      markerAbove: false,
      markerBelow: false,
      lastRowLines: 0,
    });
  });

  it('draws nothing when there are no lines, and says all rows are hidden', () => {
    const window = scrollWindow({heights: ones(3), selected: 1, lines: 0});
    expect([window.first, window.end, window.hiddenBelow]).toEqual([0, 0, 3]);
    expect(window.markerAbove || window.markerBelow).toBe(false);
  });

  it('draws every row without markers when they fit', () => {
    const window = scrollWindow({heights: [1, 2, 1], selected: 2, lines: 4});
    expect(window).toMatchObject({first: 0, end: 3, markerAbove: false, markerBelow: false, lastRowLines: 1});
  });

  it('shows the first rows and a marker below when the first row is selected', () => {
    const window = scrollWindow({heights: ones(12), selected: 0, lines: 5});
    // Four rows and the "↓ 8 more" line.
    expect(window).toMatchObject({first: 0, end: 4, hiddenBelow: 8, markerAbove: false, markerBelow: true});
  });

  it('shows the last rows and a marker above when the last row is selected', () => {
    const window = scrollWindow({heights: ones(12), selected: 11, lines: 5});
    expect(window).toMatchObject({first: 8, end: 12, hiddenAbove: 8, markerAbove: true, markerBelow: false});
    expect(linesUsed(ones(12), window)).toBe(5);
  });

  it('keeps a marker on each side in the middle of a long list', () => {
    const window = scrollWindow({heights: ones(30), selected: 15, lines: 6});
    expect(window.markerAbove && window.markerBelow).toBe(true);
    expect(window.first).toBeLessThanOrEqual(15);
    expect(window.end).toBeGreaterThan(15);
    expect(linesUsed(ones(30), window)).toBe(6);
    expect(window.hiddenAbove + (window.end - window.first) + window.hiddenBelow).toBe(30);
  });

  it('does not move while the selection moves inside the window', () => {
    const heights = ones(20);
    const start = scrollWindow({heights, selected: 10, lines: 6, previousFirst: 8});
    expect(start.first).toBe(8);
    for (let selected = start.first; selected < start.end; selected++) {
      expect(scrollWindow({heights, selected, lines: 6, previousFirst: 8}).first).toBe(8);
    }
  });

  it('scrolls one row at a time when the selection steps past either edge', () => {
    const heights = ones(20);
    // Rows 8..11 between two markers.
    const window = scrollWindow({heights, selected: 11, lines: 6, previousFirst: 8});
    expect([window.first, window.end]).toEqual([8, 12]);
    const down = scrollWindow({heights, selected: 12, lines: 6, previousFirst: 8});
    expect([down.first, down.end]).toEqual([9, 13]);
    const up = scrollWindow({heights, selected: 7, lines: 6, previousFirst: 8});
    expect([up.first, up.end]).toEqual([7, 11]);
  });

  it('walks the whole list with the selected row always drawn and never more lines than given', () => {
    const heights = Array.from({length: 30}, (_, index) => (index % 3 === 0 ? 2 : 1));
    for (const lines of [1, 2, 3, 4, 5, 8, 13]) {
      let previousFirst = 0;
      const order = [...heights.keys(), ...[...heights.keys()].reverse()];
      for (const selected of order) {
        const window = scrollWindow({heights, selected, lines, previousFirst});
        expect(window.first).toBeLessThanOrEqual(selected);
        expect(window.end).toBeGreaterThan(selected);
        expect(linesUsed(heights, window)).toBeLessThanOrEqual(lines);
        previousFirst = window.first;
      }
    }
  });

  it('with one line shows the selected row alone', () => {
    const window = scrollWindow({heights: ones(5), selected: 2, lines: 1});
    expect(window).toMatchObject({first: 2, end: 3, markerAbove: false, markerBelow: false, lastRowLines: 1});
    expect([window.hiddenAbove, window.hiddenBelow]).toEqual([2, 2]);
  });

  it('with two lines shows the selected row and the marker above', () => {
    const window = scrollWindow({heights: ones(5), selected: 2, lines: 2});
    expect(window).toMatchObject({first: 2, end: 3, markerAbove: true, markerBelow: false});
  });

  it('cuts a selected row taller than the space to the space', () => {
    const window = scrollWindow({heights: [2, 2, 2], selected: 1, lines: 1});
    expect(window).toMatchObject({first: 1, end: 2, lastRowLines: 1, markerAbove: false, markerBelow: false});
    const alone = scrollWindow({heights: [3], selected: 0, lines: 2});
    expect(alone).toMatchObject({first: 0, end: 1, lastRowLines: 2, hiddenAbove: 0, hiddenBelow: 0});
  });

  it('draws the selected two-line row whole, with its markers, as soon as they fit', () => {
    const window = scrollWindow({heights: [1, 2, 2, 2, 1], selected: 2, lines: 4});
    expect(window).toMatchObject({first: 2, end: 3, lastRowLines: 2, markerAbove: true, markerBelow: true});
  });

  it('takes earlier rows back into view when rows below were removed', () => {
    // The window was at row 8 of 12; now there are 10 rows and the last is selected.
    const window = scrollWindow({heights: ones(10), selected: 9, lines: 5, previousFirst: 8});
    expect(window).toMatchObject({first: 6, end: 10, markerAbove: true, markerBelow: false});
  });

  it('clamps a selection past the end to the last row', () => {
    const window = scrollWindow({heights: ones(9), selected: 40, lines: 4});
    expect(window.end).toBe(9);
  });

  it('writes the markers with their counts', () => {
    expect(moreAbove(3)).toBe('↑ 3 more');
    expect(moreBelow(12)).toBe('↓ 12 more');
  });
});
