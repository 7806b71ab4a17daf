import {describe, expect, it} from 'vitest';
import type {TunnelEvent} from '../../source/core/events.js';
import {addForwardProblem, checkForwardEntry} from '../../source/store/forward-entry-check.js';
import {addSessionRow, restartSessionRow} from '../../source/store/reducer.js';
import {type AppState, initialState} from '../../source/store/state.js';
import {connected, counters, fold, forwardRow, sessionRow} from '../helpers/rows.js';

const dynamic: TunnelEvent[] = [
  {event: 'forward-added', forwardId: 'D1', kind: 'dynamic', spec: '-D 0', display: '0'},
  {
    event: 'forward-listening',
    forwardId: 'D1',
    kind: 'dynamic',
    spec: '-D 0',
    bindAddress: '127.0.0.1',
    port: 40291,
    display: '40291',
  },
];
const opened = (connectionId: number, open: number): TunnelEvent => ({
  event: 'connection-opened',
  forwardId: 'D1',
  label: '-D 0',
  counters: counters({openConnections: open, totalConnections: connectionId}),
  connectionId,
  from: `127.0.0.1:5000${connectionId}`,
  to: 'db:5432',
});
const closed = (connectionId: number, open: number): TunnelEvent => ({
  event: 'connection-closed',
  forwardId: 'D1',
  label: '-D 0',
  counters: counters({openConnections: open, totalConnections: 2}),
  connectionId,
  bytesIn: 10,
  bytesOut: 20,
  error: 'the forward was closed',
});
const refused = (reason: string, failed: number): TunnelEvent => ({
  event: 'connection-failed',
  forwardId: 'D1',
  label: '-D 0',
  counters: counters({failedConnections: failed}),
  from: '127.0.0.1:6000',
  // Refused at the listener: the core names the listener itself as where the client was going.
  to: '127.0.0.1:40291',
  reason,
});
const texts = (state: AppState) => state.log.map((entry) => entry.text);

describe('the log names forwards and connections as the screen does', () => {
  it("names a forward by its row and a connection by its client, and puts a forward's closed line last", () => {
    let state = fold([...connected, ...dynamic, opened(1, 1), opened(2, 2)]);
    expect(texts(state).slice(-3)).toEqual([
      'D 40291: listening on 127.0.0.1:40291',
      'D 40291: connection from 127.0.0.1:50001 to db:5432',
      'D 40291: connection from 127.0.0.1:50002 to db:5432',
    ]);
    // The core says the forward closed before its connections do; the log says it after them.
    state = fold(
      [{event: 'forward-closed', forwardId: 'D1', kind: 'dynamic', spec: '-D 0'}, closed(2, 1), closed(1, 0)],
      state,
    );
    expect(texts(state).slice(-3)).toEqual([
      'D 40291: connection from 127.0.0.1:50002 closed (10 B in, 20 B out; the forward was closed)',
      'D 40291: connection from 127.0.0.1:50001 closed (10 B in, 20 B out; the forward was closed)',
      'D 40291: closed',
    ]);
    expect(texts(state).join('\n')).not.toMatch(/D1|#\d|-D 0/);
    // Nothing is left held or remembered once the forward is gone.
    state = fold([{event: 'forward-removed', forwardId: 'D1', kind: 'dynamic', spec: '-D 0'}], state);
    expect(state.fold.lines).toEqual({from: {}, heldClosed: {}});
  });

  it('says a closed line at once when no connection is open; removed first, it still waits for them', () => {
    const quiet = fold([
      ...connected,
      ...dynamic,
      {event: 'forward-closed', forwardId: 'D1', kind: 'dynamic', spec: '-D 0'},
    ]);
    expect(texts(quiet).at(-1)).toBe('D 40291: closed');
    // As `d` does it: the forward closes and is taken off its session before its connection says it closed.
    const removed = fold([
      ...connected,
      ...dynamic,
      opened(1, 1),
      {event: 'forward-closed', forwardId: 'D1', kind: 'dynamic', spec: '-D 0'},
      {event: 'forward-removed', forwardId: 'D1', kind: 'dynamic', spec: '-D 0'},
      closed(1, 0),
    ]);
    expect(removed.sessions[0]!.forwards).toEqual([]);
    expect(texts(removed).slice(-3)).toEqual([
      'D 40291: connection from 127.0.0.1:50001 to db:5432',
      'D 40291: connection from 127.0.0.1:50001 closed (10 B in, 20 B out; the forward was closed)',
      'D 40291: closed',
    ]);
    expect(removed.fold.lines).toEqual({from: {}, heldClosed: {}});
  });

  it('names an FTP forward by its spec, which says what it is', () => {
    const state = fold([
      ...connected,
      {
        event: 'forward-added',
        forwardId: 'F1',
        kind: 'ftp',
        spec: '-L ftp/2121:ftp:21',
        display: 'ftp/2121:ftp:21',
      },
      {
        event: 'forward-failed',
        forwardId: 'F1',
        kind: 'ftp',
        spec: '-L ftp/2121:ftp:21',
        reason: 'port 2121 is in use',
      },
    ]);
    expect(texts(state).at(-1)).toBe('ftp/2121:ftp:21: failed: port 2121 is in use');
  });
});

describe('a row says what is true now', () => {
  it('shows a listening forward whose clients are refused as refusing, with why, until one gets through', () => {
    let state = fold([...connected, ...dynamic, refused('the session is reconnecting', 1)]);
    expect(state.sessions[0]!.forwards[0]).toMatchObject({
      state: 'refusing',
      failure: 'the session is reconnecting',
      counters: counters({failedConnections: 1}),
    });
    state = fold([refused('the target refused the connection', 2)], state);
    expect(state.sessions[0]!.forwards[0]).toMatchObject({
      state: 'refusing',
      failure: 'the target refused the connection',
    });
    state = fold([opened(1, 1)], state);
    expect(state.sessions[0]!.forwards[0]).toMatchObject({state: 'listening', failure: undefined});
    // One destination a SOCKS client asked for is unreachable: the others may not be.
    state = fold([{...refused('cannot reach 127.0.0.1:1', 3), to: '127.0.0.1:1'} as TunnelEvent], state);
    expect(state.sessions[0]!.forwards[0]).toMatchObject({
      state: 'listening',
      counters: counters({failedConnections: 3}),
    });
  });

  it('shows a -L forward whose one target refuses as refusing', () => {
    const state = fold([
      ...connected,
      {
        event: 'forward-added',
        forwardId: 'L1',
        kind: 'local',
        spec: '-L 8080:db:5432',
        display: '8080:db:5432',
      },
      {
        event: 'forward-listening',
        forwardId: 'L1',
        kind: 'local',
        spec: '-L 8080:db:5432',
        bindAddress: '127.0.0.1',
        port: 8080,
      },
      {
        event: 'connection-failed',
        forwardId: 'L1',
        label: '-L 8080:db:5432',
        counters: counters({failedConnections: 1}),
        from: '127.0.0.1:6000',
        to: 'db:5432',
        reason: 'cannot reach db:5432 from the server: Connection refused',
      },
    ]);
    expect(state.sessions[0]!.forwards[0]).toMatchObject({
      state: 'refusing',
      failure: 'cannot reach db:5432 from the server: Connection refused',
    });
  });

  it('takes a forward back to listening when its session reconnects', () => {
    let state = fold([
      ...connected,
      ...dynamic,
      {event: 'session-reconnecting', attempt: 1, delayMs: 1000, reason: 'dropped'},
      refused('the session is reconnecting', 1),
    ]);
    expect(state.sessions[0]!.forwards[0]!.state).toBe('refusing');
    state = fold(
      [{event: 'session-connected', host: 'h', port: 22, user: 'u', authMethod: 'publickey', reconnects: 1}],
      state,
    );
    expect(state.sessions[0]!.forwards[0]).toMatchObject({state: 'listening', failure: undefined});
  });

  it('replaces the status line when its session drops, not on each attempt after, and says it came back', () => {
    let state = fold([...connected, ...dynamic]);
    state = {...state, message: {kind: 'info', text: 'D 40291: listening'}};
    state = fold(
      [{event: 'session-reconnecting', attempt: 1, delayMs: 1000, reason: 'the server closed it'}],
      state,
    );
    expect(state.message).toEqual({kind: 'error', text: 'db: the server closed it'});
    // Something the user did meanwhile stays up through the next attempts.
    state = {...state, message: {kind: 'info', text: 'saved'}};
    state = fold(
      [
        {event: 'session-connecting', host: 'h', port: 22, user: 'u'},
        {event: 'session-reconnecting', attempt: 2, delayMs: 2000, reason: 'connection refused'},
      ],
      state,
    );
    expect(state.message).toEqual({kind: 'info', text: 'saved'});
    state = {...state, message: {kind: 'error', text: 'db: the server closed it'}};
    state = fold(
      [{event: 'session-connected', host: 'h', port: 22, user: 'u', authMethod: 'publickey', reconnects: 1}],
      state,
    );
    expect(state.message).toEqual({kind: 'info', text: 'db: reconnected'});
  });

  it('keeps a failed or dropped session listed with its reason, and says so on the status line', () => {
    const stopped = fold([
      ...connected,
      {event: 'session-reconnecting', attempt: 1, delayMs: 1000, reason: 'dropped'},
      {event: 'session-failed', reason: 'stopped reconnecting: permission denied', level: 'authentication'},
    ]);
    expect(stopped.sessions).toHaveLength(1);
    expect(stopped.sessions[0]).toMatchObject({
      state: 'failed',
      failure: 'stopped reconnecting: permission denied',
    });
    expect(stopped.message?.text).toBe('db: stopped reconnecting: permission denied');
    const dropped = fold([
      ...connected,
      {event: 'session-closed', reason: 'the server closed the connection'},
    ]);
    expect(dropped.sessions[0]).toMatchObject({state: 'closed', failure: 'the server closed the connection'});
    expect(dropped.message?.text).toBe('db: connection closed: the server closed the connection');
  });

  it('starts a failed session over in its place, connecting, with none of its old forwards', () => {
    let state = addSessionRow(addSessionRow(initialState(), 1, 'db', 'u@h:22'), 2, 'web', 'u@w:22');
    state = fold([...connected, ...dynamic, opened(1, 1), {event: 'session-closed', reason: 'gone'}], state);
    state = restartSessionRow(state, 1);
    expect(state.sessions.map((row) => [row.name, row.state, row.failure, row.forwards.length])).toEqual([
      ['db', 'connecting', undefined, 0],
      ['web', 'connecting', undefined, 0],
    ]);
    expect(state.fold.lines).toEqual({from: {}, heldClosed: {}});
  });
});

describe('the add-forward entry is checked against the session', () => {
  const session = sessionRow(1, [
    forwardRow(0, {
      id: 'D1',
      kind: 'dynamic',
      label: '-D 0',
      display: '40291',
      listeningOn: '127.0.0.1:40291',
    }),
    forwardRow(1080, {id: 'D2', kind: 'dynamic', label: '-D 1080', display: '1080'}),
    forwardRow(9000, {
      id: 'R1',
      kind: 'remote',
      label: '-R 9000:localhost:3000',
      display: '9000:localhost:3000',
    }),
    forwardRow(5432, {state: 'failed', failure: 'in use'}),
  ]);

  it('says what a flag alone needs', () => {
    expect(checkForwardEntry('D', session).error).toBe('D needs a port, e.g. D 1080');
    expect(checkForwardEntry('-d ', session).error).toBe('D needs a port, e.g. D 1080');
    expect(checkForwardEntry('L', session).error).toBe('L needs a spec, e.g. L 8080:db:5432');
    expect(checkForwardEntry('R', session).error).toMatch(/^R needs a spec, e\.g\. R 9000:localhost:3000/);
  });

  it('refuses a port this session already listens on, on the same side, naming the forward that has it', () => {
    const problem = (text: string) => addForwardProblem({sessionId: session.id}, text, [session]);
    expect(problem('D 1080')).toMatch(/^port 1080 is already used here by .*'s D 1080; pick another port$/);
    expect(problem('L 127.0.0.1:1080:db:5432')).toMatch(/^port 1080 is already used here by .*'s D 1080/);
    // The port a "D 0" was given.
    expect(problem('L 40291:web:80')).toMatch(/^port 40291 is already used here by .*'s D 40291/);
    expect(checkForwardEntry('R 9000:localhost:4000', session).error).toBe(
      'port 9000 on the server is already forwarded by R 9000:localhost:3000',
    );
  });

  it('lets through another port, the other side, port 0, another address, and a failed forward’s port', () => {
    for (const text of ['D 1081', 'L 9000:db:5432', 'R 1080', 'D 0', 'D 10.0.0.7:1080', 'L 5432:db:5432']) {
      expect(checkForwardEntry(text, session), text).toMatchObject({spec: expect.anything()});
      expect(addForwardProblem({sessionId: session.id}, text, [session]), text).toBeUndefined();
    }
    expect(checkForwardEntry('D 1080', undefined)).toMatchObject({spec: {kind: 'dynamic', port: 1080}});
  });
});
