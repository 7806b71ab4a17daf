import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import type {CommandLineOptions} from '../../source/config/command-line.js';
import type {ResolvedInvocation} from '../../source/config/session-options.js';
import type {TunnelEvent} from '../../source/core/events.js';
import {
  addForward,
  connect,
  disconnect,
  openRunCommand,
  removeForward,
  requestQuit,
  sessionOrigin,
} from '../../source/store/actions.js';
import {flush, stopBridge} from '../../source/store/bridge.js';
import {reconnectSession, retryForward} from '../../source/store/lifecycle-actions.js';
import {
  attachService,
  type ListedSession,
  type ServiceCommand,
  type ServiceResult,
  type ServiceTransport,
} from '../../source/store/remote-sessions.js';
import {initialState, store} from '../../source/store/state.js';
import {answerPrompt, cancelPrompt} from '../../source/store/ui-prompter.js';

type PromptListener = Parameters<ServiceTransport['onPrompt']>[0];
type EventListener = Parameters<ServiceTransport['onEvent']>[0];

const counters = (bytes: number, total = 1) => ({
  openConnections: 0,
  totalConnections: total,
  failedConnections: 0,
  bytesIn: bytes,
  bytesOut: bytes,
});

/** What a service's session says from its start: connected, one -L listening, one connection done. */
function startOf(port: number): TunnelEvent[] {
  return [
    {event: 'session-connecting', host: 'db1', port: 22, user: 'deploy'},
    {event: 'session-connected', host: 'db1', port: 22, user: 'deploy', authMethod: 'publickey'},
    {
      event: 'forward-added',
      forwardId: 'L1',
      kind: 'local',
      spec: `${port}:db:5432`,
      display: `${port}:db:5432`,
    },
    {
      event: 'forward-listening',
      forwardId: 'L1',
      kind: 'local',
      spec: `${port}:db:5432`,
      bindAddress: '127.0.0.1',
      port,
    },
    {
      event: 'connection-opened',
      forwardId: 'L1',
      label: `-L ${port}:db:5432`,
      counters: {...counters(0), openConnections: 1},
      connectionId: 1,
      from: '127.0.0.1:50000',
      to: 'db:5432',
    },
    {
      event: 'connection-closed',
      forwardId: 'L1',
      label: `-L ${port}:db:5432`,
      counters: counters(2048),
      connectionId: 1,
      bytesIn: 2048,
      bytesOut: 2048,
    },
  ];
}

/** A service in memory: answers the commands the UI sends as the real one does, and records them. */
class FakeService implements ServiceTransport {
  readonly requests: ServiceCommand[] = [];
  readonly answers: [number, string | undefined][] = [];
  readonly closed = new Promise<void>(() => {});
  replay: {session: string; event: TunnelEvent; time?: number}[] = [];
  listed: ListedSession[] = [];
  private eventListener: EventListener = () => {};
  promptListener: PromptListener = () => {};

  async request(command: ServiceCommand): Promise<ServiceResult> {
    this.requests.push(command);
    switch (command.command) {
      case 'ls':
        return {ok: true, sessions: this.listed};
      case 'watch':
        for (const message of this.replay) this.eventListener(message);
        return {ok: true};
      case 'add':
        // The service's events come before its answer.
        this.send(command.name, {
          event: 'forward-added',
          forwardId: 'D2',
          kind: 'dynamic',
          spec: '127.0.0.1:0',
          display: '127.0.0.1:0',
        });
        this.send(command.name, {
          event: 'forward-listening',
          forwardId: 'D2',
          kind: 'dynamic',
          spec: '127.0.0.1:0',
          bindAddress: '127.0.0.1',
          port: 41000,
          display: '127.0.0.1:41000',
        });
        return {ok: true};
      case 'down':
        this.send(command.name, {event: 'session-closed'});
        return {ok: true};
      default:
        return {ok: true};
    }
  }

  send(session: string, event: TunnelEvent): void {
    this.eventListener({session, event});
  }

  onEvent(listener: EventListener): void {
    this.eventListener = listener;
  }

  onPrompt(listener: PromptListener): void {
    this.promptListener = listener;
  }

  answer(prompt: number, answer: string | undefined): void {
    this.answers.push([prompt, answer]);
  }

  close(): void {}
}

const rowNamed = (name: string) => store.getState().sessions.find((row) => row.name === name);
const listedWeb = (name: string, port: number, bytes: number): ListedSession => ({
  name,
  destination: 'deploy@db1:22',
  state: 'connected',
  forwards: [
    {
      id: 'L1',
      label: `-L ${port}:db:5432`,
      state: 'listening',
      listening: `127.0.0.1:${port}`,
      openConnections: 0,
      totalConnections: 1,
      bytesIn: bytes,
      bytesOut: bytes,
    },
  ],
});

/** Attached to a fake service that holds `name`, started as startOf says. */
async function attachedTo(name: string, port: number): Promise<FakeService> {
  const service = new FakeService();
  service.replay = startOf(port).map((event) => ({session: name, event}));
  service.listed = [listedWeb(name, port, 2048)];
  expect(await attachService(service)).toBeUndefined();
  flush();
  return service;
}

/** What connect gets for `deploy@db1`: its resolved invocation (no forwards) and its command line. */
function deployAtDb1(): {invocation: ResolvedInvocation; origin: CommandLineOptions} {
  return {
    invocation: {
      session: {user: 'deploy', host: 'db1', port: 22},
      forwards: [],
    } as unknown as ResolvedInvocation,
    origin: {destination: 'deploy@db1'} as CommandLineOptions,
  };
}

describe('the UI attached to the service (remote-sessions.ts), against a service in memory', () => {
  beforeEach(() => store.setState(initialState(), true));
  afterEach(() => stopBridge());

  it('folds the replayed events into a row per session, with its counters and log; ls fills in what the replay no longer holds', async () => {
    const service = new FakeService();
    service.replay = [
      // When the service saw them: the log and the uptime say when it happened, not when the UI attached.
      ...startOf(8080).map((event) => ({session: 'alpha', event, time: 1_700_000_000_000})),
      // The recent events of a long-running session no longer hold its forward-added: ls has the forward.
      {session: 'beta', event: {event: 'warning', message: 'something old'}},
    ];
    service.listed = [
      listedWeb('alpha', 8080, 4096),
      {
        ...listedWeb('beta', 9090, 512),
        destination: 'ops@db2:22',
        forwards: [{...listedWeb('beta', 9090, 512).forwards[0]!, label: '-L 9090:db:5432'}],
      },
    ];
    expect(await attachService(service)).toBeUndefined();
    flush();
    const state = store.getState();
    expect(state.attached).toBe(true);
    expect(service.requests.map((request) => request.command)).toEqual(['ls', 'watch', 'ls']);
    expect(service.requests[1]).toEqual({command: 'watch', replay: true});
    const alpha = rowNamed('alpha')!;
    expect(alpha).toMatchObject({
      state: 'connected',
      address: 'deploy@db1:22',
      connectedAt: 1_700_000_000_000,
    });
    expect(state.log.find((entry) => entry.text.includes('connecting to'))?.time).toBe(1_700_000_000_000);
    // ls's counters are the newer: they count the bytes of connections open at the time.
    expect(alpha.forwards[0]).toMatchObject({id: 'L1', state: 'listening', counters: counters(4096)});
    const beta = rowNamed('beta')!;
    expect(beta.state).toBe('connected');
    expect(beta.forwards[0]).toMatchObject({
      id: 'L1',
      kind: 'local',
      label: '-L 9090:db:5432',
      listeningOn: '127.0.0.1:9090',
    });
    const lines = state.log.map((entry) => entry.text).join('\n');
    expect(lines).toContain('connecting to deploy@db1:22');
    expect(lines).toContain('listening on 127.0.0.1:8080');
    expect(lines).toContain('something old');
  });

  it('a session another client starts becomes a row; stray events of a session it does not know make none', async () => {
    const service = await attachedTo('gamma', 7070);
    service.send('ghost', {event: 'forward-traffic', forwards: []});
    service.send('delta', {event: 'session-connecting', host: 'db3', port: 2222, user: 'me', via: 'bastion'});
    flush();
    expect(store.getState().sessions.map((row) => row.name)).toEqual(['gamma', 'delta']);
    expect(rowNamed('delta')).toMatchObject({state: 'connecting', address: 'me@db3:2222 via bastion'});
  });

  it('a, d and x go to the service as its commands', async () => {
    const service = await attachedTo('epsilon', 6060);
    const id = rowNamed('epsilon')!.id;
    await addForward(id, '-D 127.0.0.1:0');
    expect(service.requests.at(-1)).toEqual({command: 'add', name: 'epsilon', forward: '-D 127.0.0.1:0'});
    expect(rowNamed('epsilon')!.forwards.map((forward) => forward.id)).toEqual(['L1', 'D2']);
    expect(store.getState()).toMatchObject({selectedForward: 1, focus: 'forwards'});
    expect(store.getState().message?.text).toMatch(/listening$/);
    await removeForward(id, 'D2');
    expect(service.requests.at(-1)).toEqual({command: 'rm', name: 'epsilon', forward: 'D2'});
    await disconnect(id);
    expect(service.requests.at(-1)).toEqual({command: 'down', name: 'epsilon'});
    expect(rowNamed('epsilon')).toBeUndefined();
    // What the session still says after it was let go makes no row.
    service.send('epsilon', {event: 'forward-traffic', forwards: []});
    flush();
    expect(rowNamed('epsilon')).toBeUndefined();
  });

  it("a session's prompts come to the prompt dialog, and the answer (or a cancel) goes back to the service", async () => {
    const service = await attachedTo('zeta', 5050);
    service.promptListener({prompt: 7, session: 'zeta', text: 'Password for me@db: ', secret: true});
    expect(store.getState().dialog).toMatchObject({
      kind: 'prompt',
      lines: ['Password for me@db: '],
      secret: true,
    });
    answerPrompt('hunter2');
    await Promise.resolve();
    service.promptListener({prompt: 8, session: 'zeta', text: 'Password for me@db: ', secret: true});
    cancelPrompt();
    await new Promise((resolve) => setImmediate(resolve));
    expect(service.answers).toEqual([
      [7, 'hunter2'],
      [8, undefined],
    ]);
    service.promptListener({inform: 'Permission denied, please try again.', session: 'zeta'});
    expect(store.getState().message?.text).toBe('zeta: Permission denied, please try again.');
  });

  it('connect sends up with prompts, named apart from the sessions the service holds', async () => {
    const service = await attachedTo('eta', 4040);
    const {invocation, origin} = deployAtDb1();
    await connect('eta', invocation, origin);
    expect(service.requests.at(-1)).toEqual({
      command: 'up',
      name: 'eta-2',
      origin,
      favorite: true,
      prompts: true,
    });
    expect(store.getState().sessions.map((row) => row.name)).toEqual(['eta', 'eta-2']);
    expect(store.getState().selectedSession).toBe(1);
  });

  it('q asks to detach or stop (Ctrl-C detaches at once); r says why it cannot act on its sessions', async () => {
    await attachedTo('theta', 3030);
    const id = rowNamed('theta')!.id;
    expect(await requestQuit()).toBe(false);
    expect(store.getState().dialog).toMatchObject({kind: 'confirm', action: {kind: 'detach'}});
    store.setState({dialog: undefined});
    openRunCommand(id);
    expect(store.getState().dialog).toBeUndefined();
    expect(store.getState().message).toMatchObject({
      kind: 'error',
      text: expect.stringContaining("r: the service's sessions run no commands"),
    });
    expect(await requestQuit(true)).toBe(true);
    expect(store.getState().quitting).toBe(true);
  });

  it('R: a reconnecting session tries now and a failed forward again, in the service; one this UI opened is opened again once it ended', async () => {
    const service = await attachedTo('iota', 2020);
    const id = rowNamed('iota')!.id;
    service.send('iota', {
      event: 'forward-failed',
      forwardId: 'L1',
      kind: 'local',
      spec: '2020:db:5432',
      reason: 'port 2020 is in use',
    });
    flush();
    await retryForward(id, 'L1');
    expect(service.requests.at(-1)).toEqual({command: 'retry', name: 'iota', forward: 'L1'});
    service.send('iota', {
      event: 'session-reconnecting',
      attempt: 1,
      delayMs: 5000,
      reason: 'connection lost',
    });
    flush();
    await reconnectSession(id);
    expect(service.requests.at(-1)).toEqual({command: 'reconnect', name: 'iota'});
    expect(store.getState().message?.text).toBe('iota: reconnecting now');
    // Opened by tunnels up, ended: left to be opened there.
    service.send('iota', {event: 'session-failed', reason: 'gave up', level: 'connect'});
    flush();
    const before = service.requests.length;
    await reconnectSession(id);
    expect(service.requests.length).toBe(before);
    expect(store.getState().message?.text).toContain('opened outside this UI');
    // Opened here, ended: up again under its name, in its row.
    const {invocation, origin} = deployAtDb1();
    await connect('kappa', invocation, origin);
    const kappa = rowNamed('kappa')!.id;
    // s saves it as a favorite from the command line it was opened with.
    expect(sessionOrigin(kappa).origin).toBe(origin);
    service.send('kappa', {event: 'session-failed', reason: 'gave up', level: 'connect'});
    flush();
    await reconnectSession(kappa);
    expect(service.requests.at(-1)).toEqual({
      command: 'up',
      name: 'kappa',
      origin,
      favorite: true,
      prompts: true,
    });
    service.send('kappa', {event: 'session-connecting', host: 'db1', port: 22, user: 'deploy'});
    flush();
    expect(store.getState().sessions.filter((row) => row.name === 'kappa')).toMatchObject([
      {id: kappa, state: 'connecting'},
    ]);
  });
});
