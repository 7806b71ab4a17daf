import {describe, expect, it} from 'vitest';
import type {TunnelEvent} from '../../source/core/events.js';
import {
  addSessionRow,
  needsTick,
  reduce,
  reduceAll,
  removeSessionRow,
  tick,
} from '../../source/store/reducer.js';
import {initialState} from '../../source/store/state.js';
import {connected, counters, fold} from '../helpers/rows.js';

const added: TunnelEvent = {
  event: 'forward-added',
  forwardId: 'L1',
  kind: 'local',
  spec: '-L 0:db:5432',
  display: '0:db:5432',
};
const listening: TunnelEvent = {
  event: 'forward-listening',
  forwardId: 'L1',
  kind: 'local',
  spec: '-L 0:db:5432',
  bindAddress: '127.0.0.1',
  port: 41234,
  bindAddresses: ['127.0.0.1', '::1'],
  display: '41234:db:5432',
};

describe('the store as a fold of core events', () => {
  it('shows a session connecting at once, then connected with the time it connected', () => {
    const starting = addSessionRow(initialState(), 1, 'db', 'u@h:22');
    expect(starting.sessions).toEqual([
      {
        id: 1,
        name: 'db',
        address: 'u@h:22',
        state: 'connecting',
        failure: undefined,
        connectedAt: undefined,
        reconnects: 0,
        retryIn: undefined,
        forwards: [],
      },
    ]);
    const state = fold(connected, starting);
    expect(state.sessions[0]).toMatchObject({state: 'connected', connectedAt: 2000, failure: undefined});
    expect(state.log.map((entry) => [entry.id, entry.time, entry.kind, entry.text])).toEqual([
      [1, 1000, 'info', 'connecting to u@h:22'],
      [2, 2000, 'info', 'connected to u@h:22 (publickey)'],
    ]);
  });

  it('adds a forward starting, then listening on the port bound, with the spec showing that port', () => {
    const state = fold([...connected, added]);
    expect(state.sessions[0]!.forwards).toEqual([
      {
        id: 'L1',
        kind: 'local',
        label: '-L 0:db:5432',
        display: '0:db:5432',
        state: 'starting',
        failure: undefined,
        listeningOn: undefined,
        counters: counters({}),
        rateIn: 0,
        rateOut: 0,
      },
    ]);
    // forward-added has no line in the log.
    expect(state.log).toHaveLength(2);
    const after = fold([listening], state);
    expect(after.sessions[0]!.forwards[0]).toMatchObject({
      state: 'listening',
      display: '41234:db:5432',
      listeningOn: '127.0.0.1:41234',
    });
    // Named as its row shows it, with the port bound.
    expect(after.log.at(-1)!.text).toBe('L 41234:db:5432: listening on 127.0.0.1:41234 and [::1]:41234');
  });

  it('names the forward on connection lines as its row shows it, and takes its counters', () => {
    const state = fold([
      ...connected,
      added,
      listening,
      {
        event: 'connection-opened',
        forwardId: 'L1',
        label: '-L 0:db:5432',
        counters: counters({openConnections: 1, totalConnections: 1}),
        connectionId: 1,
        from: '127.0.0.1:5000',
        to: 'db:5432',
      },
      {
        event: 'connection-failed',
        forwardId: 'L1',
        label: '-L 0:db:5432',
        counters: counters({openConnections: 1, totalConnections: 1, failedConnections: 1}),
        from: '127.0.0.1:5001',
        to: 'db:5432',
        reason: 'refused',
      },
    ]);
    expect(state.sessions[0]!.forwards[0]!.counters).toEqual(
      counters({openConnections: 1, totalConnections: 1, failedConnections: 1}),
    );
    expect(state.log.slice(-2).map((entry) => [entry.kind, entry.text])).toEqual([
      ['info', 'L 41234:db:5432: connection from 127.0.0.1:5000 to db:5432'],
      ['error', 'L 41234:db:5432: connection from 127.0.0.1:5001 to db:5432 failed: refused'],
    ]);
  });

  it('takes rates from successive traffic samples, and none once no connection is open', () => {
    const open = (bytesIn: number, bytesOut: number): TunnelEvent => ({
      event: 'forward-traffic',
      forwards: [
        {forwardId: 'L1', counters: counters({openConnections: 1, totalConnections: 1, bytesIn, bytesOut})},
      ],
    });
    let state = fold([...connected, added, listening]);
    state = reduce(state, 1, open(0, 0), 10_000);
    expect(state.sessions[0]!.forwards[0]).toMatchObject({rateIn: 0, rateOut: 0});
    state = reduce(state, 1, open(2048, 1024), 12_000);
    expect(state.sessions[0]!.forwards[0]).toMatchObject({rateIn: 1024, rateOut: 512});
    // A sample that changes nothing changes no row (no redraw).
    const sessions = state.sessions;
    const same = reduce(reduce(state, 1, open(2048, 1024), 12_200), 1, open(2048, 1024), 12_300);
    expect(same.sessions).toBe(sessions);
    state = reduce(
      state,
      1,
      {
        event: 'connection-closed',
        forwardId: 'L1',
        label: '-L 0:db:5432',
        counters: counters({totalConnections: 1, bytesIn: 4096, bytesOut: 1024}),
        connectionId: 1,
        bytesIn: 4096,
        bytesOut: 1024,
      },
      12_500,
    );
    expect(state.sessions[0]!.forwards[0]).toMatchObject({
      rateIn: 0,
      rateOut: 0,
      counters: counters({totalConnections: 1, bytesIn: 4096, bytesOut: 1024}),
    });
    // Its opening was not folded here: no client address to name.
    expect(state.log.at(-1)!.text).toBe('L 41234:db:5432: connection closed (4.0 KiB in, 1.0 KiB out)');
  });

  it('shows a slow steady reader (4 MiB every 4 s) at a steady rate, sampled each second', () => {
    const MiB = 1024 * 1024;
    const traffic = (bytesIn: number): TunnelEvent => ({
      event: 'forward-traffic',
      forwards: [
        {
          forwardId: 'L1',
          counters: counters({openConnections: 1, totalConnections: 1, bytesIn, bytesOut: 0}),
        },
      ],
    });
    let state = fold([...connected, added, listening]);
    const shown: number[] = [];
    for (let second = 0; second <= 40; second++) {
      const time = 10_000 + second * 1000;
      state = reduce(state, 1, traffic(Math.floor(second / 4) * 4 * MiB), time);
      if (second >= 4) shown.push(state.sessions[0]!.forwards[0]!.rateIn);
    }
    // Not 0 then 4 MiB/s for one second in four: 1 MiB/s every second.
    for (const rate of shown) expect(rate).toBeCloseTo(MiB, -3);
    expect(state.sessions[0]!.forwards[0]!.rateOut).toBe(0);
  });

  it('lets a rate fall to 0 once the counters stop growing, and starts over for a forward added again', () => {
    const traffic = (bytesIn: number): TunnelEvent => ({
      event: 'forward-traffic',
      forwards: [
        {
          forwardId: 'L1',
          counters: counters({openConnections: 1, totalConnections: 1, bytesIn, bytesOut: 0}),
        },
      ],
    });
    let state = fold([...connected, added, listening]);
    for (let second = 0; second <= 5; second++)
      state = reduce(state, 1, traffic(second * 1000), 10_000 + second * 1000);
    expect(state.sessions[0]!.forwards[0]!.rateIn).toBeCloseTo(1000, 0);
    const rates: number[] = [];
    for (let second = 6; second <= 20; second++) {
      state = reduce(state, 1, traffic(5000), 10_000 + second * 1000);
      rates.push(state.sessions[0]!.forwards[0]!.rateIn);
    }
    // Falling, never rising, and 0 once no step is left in the window.
    for (let index = 1; index < rates.length; index++)
      expect(rates[index]!).toBeLessThanOrEqual(rates[index - 1]!);
    expect(rates.at(-1)).toBe(0);
    // Removed and added again: its counters start from 0 and no old sample makes a rate of them.
    state = reduce(
      state,
      1,
      {event: 'forward-removed', forwardId: 'L1', kind: 'local', spec: '-L 0:db:5432'},
      31_000,
    );
    state = reduce(state, 1, added, 31_100);
    state = reduce(state, 1, traffic(100), 32_000);
    expect(state.sessions[0]!.forwards[0]!.rateIn).toBeLessThanOrEqual(100);
  });

  it("keeps an FTP forward's open data channels", () => {
    const ftp: TunnelEvent = {
      event: 'forward-added',
      forwardId: 'F1',
      kind: 'ftp',
      spec: '-L ftp/2121:ftp:21',
      display: 'ftp/2121:ftp:21',
    };
    const opened = (dataId: number): TunnelEvent => ({
      event: 'ftp-data-opened',
      forwardId: 'F1',
      label: '-L ftp/2121:ftp:21',
      dataId,
      mode: 'passive',
      local: `127.0.0.1:4000${dataId}`,
      remote: `ftp:5000${dataId}`,
    });
    let state = fold([...connected, ftp, opened(1), opened(2)]);
    // Each with the time it opened (the events come a second apart from t=1000).
    expect(state.sessions[0]!.forwards[0]!.dataChannels).toEqual([
      {id: 1, mode: 'passive', local: '127.0.0.1:40001', remote: 'ftp:50001', openedAt: 4000},
      {id: 2, mode: 'passive', local: '127.0.0.1:40002', remote: 'ftp:50002', openedAt: 5000},
    ]);
    state = fold(
      [
        {
          event: 'ftp-data-closed',
          forwardId: 'F1',
          label: '-L ftp/2121:ftp:21',
          counters: counters({openConnections: 1, totalConnections: 3, bytesOut: 3}),
          dataId: 1,
          bytesIn: 0,
          bytesOut: 3,
        },
      ],
      state,
    );
    expect(state.sessions[0]!.forwards[0]!.dataChannels).toEqual([
      {id: 2, mode: 'passive', local: '127.0.0.1:40002', remote: 'ftp:50002', openedAt: 5000},
    ]);
    expect(state.sessions[0]!.forwards[0]!.counters.totalConnections).toBe(3);
    expect(state.log.at(-1)).toMatchObject({
      kind: 'ftp',
      text: 'ftp/2121:ftp:21: data channel #1 closed (0 B in, 3 B out)',
    });
  });

  it('follows a forward through waiting, failed, closed and removed', () => {
    let state = fold([...connected, added, listening]);
    state = fold(
      [{event: 'forward-waiting', forwardId: 'L1', kind: 'local', spec: '-L 0:db:5432', reason: 'busy'}],
      state,
    );
    // Where it listened stays, for when it listens again.
    expect(state.sessions[0]!.forwards[0]).toMatchObject({
      state: 'waiting',
      failure: 'busy',
      listeningOn: '127.0.0.1:41234',
    });
    state = fold(
      [{event: 'forward-failed', forwardId: 'L1', kind: 'local', spec: '-L 0:db:5432', reason: 'gone'}],
      state,
    );
    expect(state.sessions[0]!.forwards[0]).toMatchObject({state: 'failed', failure: 'gone'});
    const logged = state.log.length;
    state = fold(
      [{event: 'forward-closed-after-failure', forwardId: 'L1', kind: 'local', spec: '-L 0:db:5432'}],
      state,
    );
    expect(state.sessions[0]!.forwards[0]).toMatchObject({state: 'closed', failure: 'gone'});
    expect(state.log).toHaveLength(logged);
    state = {...state, focus: 'forwards', selectedForward: 0};
    state = fold([{event: 'forward-removed', forwardId: 'L1', kind: 'local', spec: '-L 0:db:5432'}], state);
    expect(state.sessions[0]!.forwards).toEqual([]);
  });

  it('counts down to a reconnect attempt, says no "connecting to" for the attempt, and counts reconnects', () => {
    let state = fold(connected);
    state = reduce(
      state,
      1,
      {event: 'session-reconnecting', attempt: 1, delayMs: 2500, reason: 'dropped'},
      10_000,
    );
    expect(state.sessions[0]).toMatchObject({state: 'reconnecting', failure: 'dropped', retryIn: 3});
    expect(needsTick(state)).toBe(true);
    state = tick(state, 11_000);
    expect(state.sessions[0]!.retryIn).toBe(2);
    // The same second again: nothing changes.
    expect(tick(state, 11_100)).toBe(state);
    const logged = state.log.length;
    state = reduce(state, 1, {event: 'session-connecting', host: 'h', port: 22, user: 'u'}, 12_500);
    expect(state.sessions[0]).toMatchObject({state: 'reconnecting', retryIn: undefined});
    expect(state.log).toHaveLength(logged);
    expect(needsTick(state)).toBe(false);
    state = reduce(
      state,
      1,
      {event: 'session-connected', host: 'h', port: 22, user: 'u', authMethod: 'publickey', reconnects: 1},
      13_000,
    );
    expect(state.sessions[0]).toMatchObject({
      state: 'connected',
      reconnects: 1,
      connectedAt: 13_000,
      failure: undefined,
    });
    expect(state.log.at(-1)!.text).toBe('reconnected to u@h:22 (publickey; reconnect 1)');
  });

  it('a prompt’s remark on the status line (“Bad passphrase, try again.”) goes once the session connects', () => {
    const [connecting, up] = connected as [TunnelEvent, TunnelEvent];
    const base = addSessionRow(initialState(), 1, 'db', 'u@h:22');
    const asked = {
      ...base,
      message: {kind: 'info' as const, text: 'Bad passphrase, try again.', untilConnected: true},
    };
    expect(fold([connecting], asked).message?.text).toBe('Bad passphrase, try again.');
    expect(fold([connecting, up], asked).message).toBeUndefined();
    // Anything else said stays.
    const other = {...base, message: {kind: 'info' as const, text: 'copied 127.0.0.1:8080'}};
    expect(fold([connecting, up], other).message?.text).toBe('copied 127.0.0.1:8080');
  });

  it('ends a session closed or failed, with its reason', () => {
    const closed = fold([
      ...connected,
      {event: 'session-closed', reason: 'the server closed the connection'},
    ]);
    expect(closed.sessions[0]).toMatchObject({state: 'closed', failure: 'the server closed the connection'});
    expect(closed.log.at(-1)).toMatchObject({
      kind: 'error',
      text: 'connection closed: the server closed the connection',
    });
    const failed = fold([
      {event: 'session-connecting', host: 'h', port: 22, user: 'u'},
      {event: 'session-failed', reason: 'permission denied', level: 'authentication'},
    ]);
    expect(failed.sessions[0]).toMatchObject({state: 'failed', failure: 'permission denied'});
  });

  it('folds a batch into one log append, bounded, and drops what a removed session says', () => {
    const two = addSessionRow(addSessionRow(initialState(), 1, 'a', 'u@a:22'), 2, 'b', 'u@b:22');
    const warning = (message: string): TunnelEvent => ({event: 'warning', message});
    const batch = Array.from({length: 600}, (_, index) => ({
      sessionId: 1,
      event: warning(`w${index}`),
      time: index,
    }));
    const state = reduceAll(two, [
      ...batch,
      {sessionId: 2, line: {kind: 'info' as const, text: 'hello'}, time: 700},
    ]);
    expect(state.log).toHaveLength(500);
    expect(state.log.at(-1)).toMatchObject({sessionId: 2, kind: 'info', text: 'hello', id: 601});
    const gone = removeSessionRow({...state, selectedSession: 1}, 2);
    expect(gone.sessions.map((row) => row.id)).toEqual([1]);
    expect(gone.selectedSession).toBe(0);
    expect(reduce(gone, 2, warning('late'), 800)).toBe(gone);
  });
});
