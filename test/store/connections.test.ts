import {describe, expect, it} from 'vitest';
import type {TunnelEvent} from '../../source/core/events.js';
import {CONNECTION_ROWS_LIMIT, RATE_HISTORY_MS} from '../../source/store/connections.js';
import {addSessionRow, reduce} from '../../source/store/reducer.js';
import {type AppState, initialState} from '../../source/store/state.js';
import {counters} from '../helpers/rows.js';

const spec = {forwardId: 'L1', kind: 'local' as const, spec: '-L 0:db:5432'};

/** Session 1 connected with -L 0:db:5432 listening on 127.0.0.1 and ::1, port 41234. */
function listeningState(): AppState {
  const events: TunnelEvent[] = [
    {event: 'session-connected', host: 'h', port: 22, user: 'u', authMethod: 'publickey'},
    {event: 'forward-added', ...spec, display: '0:db:5432'},
    {
      event: 'forward-listening',
      ...spec,
      bindAddress: '127.0.0.1',
      port: 41234,
      bindAddresses: ['127.0.0.1', '::1'],
      display: '41234:db:5432',
    },
  ];
  return events.reduce(
    (state, event) => reduce(state, 1, event, 1000),
    addSessionRow(initialState(), 1, 'db', 'u@h:22'),
  );
}

const opened = (id: number, open: number, total = open): TunnelEvent => ({
  event: 'connection-opened',
  forwardId: 'L1',
  label: '-L 0:db:5432',
  counters: counters({openConnections: open, totalConnections: total}),
  connectionId: id,
  from: `127.0.0.1:${50000 + id}`,
  to: 'db:5432',
});

const closed = (id: number, open: number, total: number): TunnelEvent => ({
  event: 'connection-closed',
  forwardId: 'L1',
  label: '-L 0:db:5432',
  counters: counters({openConnections: open, totalConnections: total}),
  connectionId: id,
  bytesIn: 10,
  bytesOut: 20,
});

const forwardOf = (state: AppState) => state.sessions[0]!.forwards[0]!;

describe("the detail's fold: open connections, addresses and the rate history", () => {
  it('lists every address a forward listens on', () => {
    expect(forwardOf(listeningState()).listeningAddresses).toEqual(['127.0.0.1:41234', '[::1]:41234']);
  });

  it('adds a row when a connection opens (from, to, when) and takes it away when it closes', () => {
    let state = listeningState();
    state = reduce(state, 1, opened(1, 1), 2000);
    state = reduce(state, 1, opened(2, 2), 3000);
    expect(forwardOf(state).connections).toEqual([
      {id: 1, from: '127.0.0.1:50001', to: 'db:5432', openedAt: 2000},
      {id: 2, from: '127.0.0.1:50002', to: 'db:5432', openedAt: 3000},
    ]);
    state = reduce(state, 1, closed(1, 1, 2), 4000);
    expect(forwardOf(state).connections?.map((row) => row.id)).toEqual([2]);
    state = reduce(state, 1, closed(2, 0, 2), 5000);
    expect(forwardOf(state).connections).toBeUndefined();
  });

  it('drops the rows its counters say are no longer open, and all of them once the forward closed', () => {
    let state = listeningState();
    for (const id of [1, 2, 3]) state = reduce(state, 1, opened(id, id), 2000);
    // A traffic sample with one open (the others' closing was not told): the newest stays.
    state = reduce(
      state,
      1,
      {event: 'forward-traffic', forwards: [{forwardId: 'L1', counters: counters({openConnections: 1})}]},
      3000,
    );
    expect(forwardOf(state).connections?.map((row) => row.id)).toEqual([3]);
    state = reduce(state, 1, {event: 'forward-closed', ...spec}, 4000);
    expect(forwardOf(state).connections).toBeUndefined();
  });

  it('stamps an FTP data channel with when it opened', () => {
    let state = listeningState();
    state = reduce(
      state,
      1,
      {
        event: 'ftp-data-opened',
        forwardId: 'L1',
        dataId: 3,
        mode: 'passive',
        local: '127.0.0.1:40003',
        remote: '127.0.0.1:50003',
      },
      7000,
    );
    expect(forwardOf(state).dataChannels).toEqual([
      {id: 3, mode: 'passive', local: '127.0.0.1:40003', remote: '127.0.0.1:50003', openedAt: 7000},
    ]);
  });

  it('keeps at most CONNECTION_ROWS_LIMIT rows, the newest', () => {
    let state = listeningState();
    const count = CONNECTION_ROWS_LIMIT + 5;
    for (let id = 1; id <= count; id++) state = reduce(state, 1, opened(id, id), 2000);
    const rows = forwardOf(state).connections!;
    expect(rows).toHaveLength(CONNECTION_ROWS_LIMIT);
    expect(rows.at(-1)!.id).toBe(count);
    expect(rows[0]!.id).toBe(6);
  });

  it('records the rate when it changes, a minute of it and the point before, and 0 once nothing is open', () => {
    let state = reduce(listeningState(), 1, opened(1, 1), 1000);
    const sample = (bytes: number, time: number) => {
      state = reduce(
        state,
        1,
        {
          event: 'forward-traffic',
          forwards: [
            {forwardId: 'L1', counters: counters({openConnections: 1, totalConnections: 1, bytesIn: bytes})},
          ],
        },
        time,
      );
    };
    // A pace that grows each second, for two minutes: every sample a new rate.
    let bytes = 0;
    for (let second = 1; second <= 120; second++) {
      bytes += second * 100;
      sample(bytes, 1000 + second * 1000);
    }
    const history = forwardOf(state).rateHistory!;
    const last = history.at(-1)!;
    expect(last.time).toBe(121_000);
    expect(last.rate).toBe(forwardOf(state).rateIn);
    expect(history[1]!.time).toBeGreaterThan(last.time - RATE_HISTORY_MS);
    expect(history[0]!.time).toBeLessThanOrEqual(last.time - RATE_HISTORY_MS);
    expect(history.length).toBeLessThanOrEqual(RATE_HISTORY_MS / 1000 + 1);
    state = reduce(state, 1, closed(1, 0, 1), 122_000);
    expect(forwardOf(state).rateHistory!.at(-1)).toEqual({time: 122_000, rate: 0});
  });

  it('adds nothing while the rate stays as it was (each point holds until the next)', () => {
    let state = reduce(listeningState(), 1, opened(1, 1), 1000);
    const traffic = (bytes: number): TunnelEvent => ({
      event: 'forward-traffic',
      forwards: [
        {forwardId: 'L1', counters: counters({openConnections: 1, totalConnections: 1, bytesIn: bytes})},
      ],
    });
    for (let second = 1; second <= 20; second++)
      state = reduce(state, 1, traffic(second * 1000), 1000 + second * 1000);
    const history = forwardOf(state).rateHistory!;
    expect(history.length).toBeLessThan(20);
    expect(history.at(-1)!.rate).toBe(forwardOf(state).rateIn);
    expect(forwardOf(state).rateIn).toBe(1000);
  });
});
