import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {initialState, store} from '../../source/store/state.js';
import {App} from '../../source/ui/app.js';
import {helpLines} from '../../source/ui/help.js';
import {bordersIntact, frameMatching, KEYS, renderAt} from '../helpers/ink-frames.js';
import {forwardRow, sessionRow} from '../helpers/rows.js';

describe('help at small sizes', () => {
  beforeEach(() => store.setState(initialState()));
  afterEach(() => store.setState(initialState()));

  for (const [columns, rows] of [
    [60, 20],
    [80, 24],
  ] as const) {
    it(`at ${columns}x${rows} fills its box, scrolls to its last line, and draws nothing over a border`, async () => {
      store.setState({sessions: [sessionRow(1, [forwardRow(8001), forwardRow(8002)])]});
      const {lastFrame, stdin, unmount} = renderAt(<App />, columns, rows);
      await frameMatching(lastFrame, /8002:db/, columns);
      stdin.write('?');
      const first = await frameMatching(lastFrame, /Keys {2}\(lines 1-\d+ of \d+/, columns);
      const [, shown, total] = /lines 1-(\d+) of (\d+)/.exec(first)!.map(Number);
      expect(total).toBe(helpLines(columns - 4).length);
      expect(first.split('\n')).toHaveLength(rows - 1);
      expect(bordersIntact(first, columns)).toBe(true);
      // The box: from the line under the title to the one above the status line, with its hint inside.
      expect(first).toMatch(
        /^ tunnels.*\n╔═+╗\n║ Keys[\s\S]*║ Esc or Enter to close +║\n╚═+╝\n.*\n↑↓ PgUp PgDn scroll · Esc close$/,
      );

      stdin.write(KEYS.pageDown);
      // A page on, less a line kept for context (or as far as the last line).
      const secondTop = Math.min(shown!, total! - shown! + 1);
      const second = await frameMatching(lastFrame, new RegExp(`lines ${secondTop}-`), columns);
      expect(bordersIntact(second, columns)).toBe(true);
      for (let page = 0; page < 10; page++) stdin.write(KEYS.pageDown);
      const last = await frameMatching(
        lastFrame,
        new RegExp(`lines ${total! - shown! + 1}-${total} of ${total}`),
        columns,
      );
      expect(last).toContain('Ctrl-C');
      expect(bordersIntact(last, columns)).toBe(true);
      // Up a line, then back to the top a page at a time.
      stdin.write('\u001b[A');
      await frameMatching(lastFrame, new RegExp(`lines ${total! - shown!}-${total! - 1} of`), columns);
      for (let page = 0; page < 10; page++) stdin.write(KEYS.pageUp);
      await frameMatching(lastFrame, /lines 1-/, columns);
      stdin.write(KEYS.escape);
      await frameMatching(lastFrame, /Forwards of/, columns);
      unmount();
    });
  }
});

describe('the panes at 60 columns', () => {
  beforeEach(() => store.setState(initialState()));
  afterEach(() => store.setState(initialState()));

  it('show each session’s state and each forward’s RATE; names and specs shrink first', async () => {
    store.setState({
      sessions: [
        sessionRow(
          1,
          [
            forwardRow(8001, {
              display: '127.0.0.1:8001:database.internal.example.com:5432',
              rateIn: 1536 * 1024,
              counters: {
                openConnections: 3,
                totalConnections: 12,
                failedConnections: 0,
                bytesIn: 900 * 1024 * 1024,
                bytesOut: 2048,
              },
            }),
          ],
          {name: 'production-database-bastion', address: 'deploy@bastion.internal.example.com:2222'},
        ),
        sessionRow(2, [], {state: 'reconnecting', retryIn: 5, failure: 'connection reset', name: 'staging'}),
      ],
    });
    const {lastFrame, unmount} = renderAt(<App />, 60, 20);
    const frame = await frameMatching(lastFrame, /KIND/, 60);
    expect(bordersIntact(frame, 60)).toBe(true);
    // The state column keeps a reconnecting row's countdown and the start of its reason.
    expect(frame).toMatch(/│› producti… deploy@bast… ● connected +<1m +│/);
    expect(frame).toMatch(/│ {2}staging +deploy@10\.0… ● reconnecting in 5s: connecti… +│/);
    expect(frame).toMatch(/│KIND FORWARD +STATE +CONNS IN +OUT +RATE +│/);
    expect(frame).toMatch(/│L +127\.0\.0\.1… listening 3\/12 +900 MiB +2\.0 KiB +1\.5 MiB\/s +│/);
    unmount();
  });
});
