import {describe, expect, it} from 'vitest';
import type {LogEntry} from '../../source/store/state.js';
import {fitColumns} from '../../source/ui/columns.js';
import {logLines, logWindow} from '../../source/ui/log-view.js';

const entry = (id: number, text = `entry ${id}`): LogEntry => ({
  id,
  time: 0,
  sessionId: 1,
  kind: 'info',
  text,
});

describe('the log window', () => {
  const lines = logLines(
    Array.from({length: 20}, (_, index) => entry(index + 1)),
    80,
  );

  it('follows the newest lines without an anchor', () => {
    expect(logWindow(lines, undefined, 5)).toEqual({first: 15, end: 20, newEntries: 0, following: true});
  });

  it('following, shows the newest entry from its start (its time) when the pane is shorter than it', () => {
    const long = 'the server refused to listen on 127.0.0.1:18300 (the port may be in use on the server)';
    const wrapped = logLines([entry(1), entry(2, long)], 40);
    expect(wrapped.filter((line) => line.id === 2).length).toBe(3);
    // One row: the newest entry's first line, with its time, not the tail of its last.
    expect(logWindow(wrapped, undefined, 1)).toEqual({first: 1, end: 2, newEntries: 0, following: true});
    expect(wrapped[1]!.text).toMatch(/^\d\d:\d\d:\d\d the server refused/);
    expect(logWindow(wrapped, undefined, 3)).toMatchObject({first: 1, end: 4});
    expect(logWindow(wrapped, undefined, 4)).toMatchObject({first: 0, end: 4});
  });

  it('keeps the anchored line at the bottom and counts the entries newer than when it stopped following', () => {
    expect(logWindow(lines, {id: 10, line: 0, newest: 18}, 5)).toEqual({
      first: 5,
      end: 10,
      newEntries: 2,
      following: false,
    });
  });

  it('an anchor on an entry that is gone (dropped past the limit, or filtered out) holds the line before it', () => {
    const withoutTen = lines.filter((line) => line.id !== 10);
    expect(logWindow(withoutTen, {id: 10, line: 0, newest: 20}, 5)).toMatchObject({first: 4, end: 9});
    // Older than every line left: the first page.
    expect(logWindow(lines.slice(10), {id: 3, line: 0, newest: 20}, 5)).toMatchObject({first: 0, end: 5});
  });

  it('a wrapped entry: its further lines indented under its text, an anchor on one of them', () => {
    const wrapped = logLines([entry(1, 'word '.repeat(30).trim()), entry(2)], 40);
    expect(wrapped.filter((line) => line.id === 1).length).toBeGreaterThan(3);
    expect(wrapped[1]!.text).toMatch(/^ {9}word/);
    for (const line of wrapped) expect(line.text.length).toBeLessThanOrEqual(38);
    expect(logWindow(wrapped, {id: 1, line: 2, newest: 2}, 2)).toMatchObject({first: 1, end: 3});
  });
});

describe('column widths by priority', () => {
  const columns = [
    {want: 16, least: 8},
    {want: 26, least: 12},
    {want: 10, least: 10},
  ];
  it('gives every column what it wants when it fits', () => {
    expect(fitColumns(columns, 60, [1, 0])).toEqual([16, 26, 10]);
  });
  it('shrinks in the order given, each to its least, and never the columns left out of it', () => {
    expect(fitColumns(columns, 44, [1, 0])).toEqual([16, 18, 10]);
    expect(fitColumns(columns, 26, [1, 0])).toEqual([8, 12, 10]);
  });
});
