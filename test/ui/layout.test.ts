import {describe, expect, it} from 'vitest';
import {type Layout, layout, MINIMUM_SIZE, PANE_CHROME} from '../../source/ui/layout.js';

/** The title line, the status line and the footer. */
const SINGLE_LINES = 3;

const frameHeight = (fitted: Layout) =>
  SINGLE_LINES + fitted.message - 1 + fitted.sessions.height + fitted.forwards.height + fitted.log.height;

function fitted(input: Parameters<typeof layout>[0]): Layout {
  const result = layout(input);
  if (!result.fits) throw new Error(`${input.columns}×${input.rows} does not fit`);
  return result;
}

const busyDay = {sessions: 12, forwardLines: 30, logLines: 500};

describe('layout', () => {
  it.each([
    [60, 20, {sessions: 2, forwards: 3, log: 1}],
    [80, 24, {sessions: 3, forwards: 5, log: 2}],
    [100, 30, {sessions: 5, forwards: 7, log: 4}],
    [160, 50, {sessions: 12, forwards: 15, log: 9}],
  ])(
    'at %i×%i with 12 sessions and 30 forwards, fills the terminal but its last line',
    (columns, rows, expected) => {
      const result = fitted({columns, rows, ...busyDay});
      expect(result.height).toBe(rows - 1);
      expect(frameHeight(result)).toBe(rows - 1);
      expect({sessions: result.sessions.rows, forwards: result.forwards.rows, log: result.log.rows}).toEqual(
        expected,
      );
      expect(result.sessions.height).toBe(result.sessions.rows + PANE_CHROME.sessions);
      expect(result.forwards.height).toBe(result.forwards.rows + PANE_CHROME.forwards);
      expect(result.log.height).toBe(result.log.rows + PANE_CHROME.log);
    },
  );

  it('gives every row to sessions and forwards that fit, and the rest to the log', () => {
    const result = fitted({columns: 100, rows: 30, sessions: 2, forwardLines: 4, logLines: 500});
    expect([result.sessions.rows, result.forwards.rows, result.log.rows]).toEqual([2, 4, 10]);
    expect(frameHeight(result)).toBe(29);
  });

  it('keeps a line for "No sessions" and "No forwards", and the log gets the rest even when empty', () => {
    const result = fitted({columns: 80, rows: 24, sessions: 0, forwardLines: 0, logLines: 0});
    expect([result.sessions.rows, result.forwards.rows]).toEqual([1, 1]);
    expect(frameHeight(result)).toBe(23);
  });

  it('lets sessions take the space forwards do not need', () => {
    const result = fitted({columns: 100, rows: 30, sessions: 12, forwardLines: 1, logLines: 500});
    expect([result.sessions.rows, result.forwards.rows, result.log.rows]).toEqual([11, 1, 4]);
  });

  it('at the minimum size still shows a session, a forward with its failure line and a log line', () => {
    const result = fitted({...MINIMUM_SIZE, ...busyDay});
    expect(result.sessions.rows).toBeGreaterThanOrEqual(1);
    expect(result.forwards.rows).toBeGreaterThanOrEqual(2);
    expect(result.log.rows).toBeGreaterThanOrEqual(1);
    expect(frameHeight(result)).toBe(MINIMUM_SIZE.rows - 1);
  });

  it('never exceeds the terminal minus one line, at any size from the minimum up', () => {
    for (let rows = MINIMUM_SIZE.rows; rows <= 80; rows++) {
      for (const counts of [
        busyDay,
        {sessions: 1, forwardLines: 1, logLines: 1},
        {sessions: 40, forwardLines: 3, logLines: 0},
      ]) {
        const result = fitted({columns: 100, rows, ...counts});
        expect(frameHeight(result)).toBe(rows - 1);
        expect(Math.min(result.sessions.rows, result.forwards.rows, result.log.rows)).toBeGreaterThanOrEqual(
          1,
        );
      }
    }
  });

  it('says when the terminal is too small, with the size it has and the size it needs', () => {
    expect(layout({columns: 59, rows: 30, ...busyDay})).toEqual({
      fits: false,
      columns: 59,
      rows: 30,
      minimum: MINIMUM_SIZE,
    });
    expect(layout({columns: 100, rows: MINIMUM_SIZE.rows - 1, ...busyDay}).fits).toBe(false);
  });

  it('gives a long status message up to three lines where the panes can spare them, one at the minimum size', () => {
    for (let rows = MINIMUM_SIZE.rows; rows <= 50; rows++) {
      const result = fitted({columns: 80, rows, ...busyDay, messageLines: 5});
      expect(frameHeight(result)).toBe(rows - 1);
      expect(Math.min(result.sessions.rows, result.forwards.rows, result.log.rows)).toBeGreaterThanOrEqual(1);
      expect(result.message).toBeGreaterThanOrEqual(1);
      expect(result.message).toBeLessThanOrEqual(3);
    }
    expect(fitted({columns: 80, rows: 24, ...busyDay, messageLines: 2}).message).toBe(2);
    expect(fitted({columns: 80, rows: 24, ...busyDay, messageLines: 9}).message).toBe(3);
    expect(fitted({columns: 60, rows: MINIMUM_SIZE.rows, ...busyDay, messageLines: 3}).message).toBe(1);
    expect(fitted({columns: 80, rows: 24, ...busyDay}).message).toBe(1);
  });
});
