import {afterAll, afterEach, beforeEach, describe, expect, it} from 'vitest';
import {resolveInvocation} from '../../source/config/session-options.js';
import {
  connect,
  disconnect,
  requestQuit,
  requestRemoveForward,
  runCommand,
  shutdown,
} from '../../source/store/actions.js';
import {flush, stopBridge} from '../../source/store/bridge.js';
import {submitDialog} from '../../source/store/dialog-actions.js';
import {initialState, store} from '../../source/store/state.js';
import {
  closeDialog,
  editDialogText,
  moveSelection,
  openDialog,
  switchFocus,
} from '../../source/store/ui-actions.js';
import {uiPrompter} from '../../source/store/ui-prompter.js';
import {useSshdAndEcho} from '../helpers/fixtures.js';
import {until} from '../helpers/session.js';
import {exchange} from '../helpers/targets.js';

describe('store actions, without rendering', () => {
  beforeEach(() => store.setState(initialState()));
  afterEach(() => stopBridge());

  it('validates a forward while it is typed', () => {
    openDialog({kind: 'add-forward', sessionId: 1, text: ''});
    for (const char of 'L 80a') editDialogText((text) => text + char);
    expect(store.getState().dialog).toMatchObject({
      kind: 'add-forward',
      text: 'L 80a',
      error: expect.stringMatching(/is not of the form|port/),
    });
    editDialogText((text) => text.slice(0, -1));
    editDialogText((text) => `${text}80:db:5432`);
    expect(store.getState().dialog).toMatchObject({text: 'L 8080:db:5432', error: undefined});
    closeDialog();
    expect(store.getState().dialog).toBeUndefined();
  });

  it('asks the core question as a dialog and hands back the answer', async () => {
    const answer = uiPrompter.ask('Password: ', {secret: true});
    expect(store.getState().dialog).toEqual({kind: 'prompt', lines: ['Password: '], secret: true, text: ''});
    for (const char of 'hunter2') editDialogText((text) => text + char);
    await submitDialog();
    expect(await answer).toBe('hunter2');
    expect(store.getState().dialog).toBeUndefined();
    const cancelled = uiPrompter.ask('Passphrase: ', {secret: true});
    closeDialog();
    await expect(cancelled).rejects.toThrow('cancelled');
  });

  it('moves the selection within bounds and switches panes', () => {
    store.setState({
      sessions: [1, 2].map((id) => ({
        id,
        name: `s${id}`,
        address: 'u@h:22',
        state: 'connected',
        failure: undefined,
        connectedAt: 0,
        reconnects: 0,
        retryIn: undefined,
        forwards: [],
      })),
    });
    moveSelection(1);
    moveSelection(1);
    expect(store.getState().selectedSession).toBe(1);
    moveSelection(-5);
    expect(store.getState().selectedSession).toBe(0);
    switchFocus();
    expect(store.getState().focus).toBe('forwards');
  });
});

describe('store actions against a real sshd', () => {
  const fixture = useSshdAndEcho();
  /** The test sshd as a command line with these -L forwards, without the agent. */
  const testInvocation = async (localForwards: string[]) => {
    const invocation = await resolveInvocation({
      destination: '127.0.0.1',
      port: String(fixture.sshd.port),
      user: fixture.sshd.user,
      identityFiles: [fixture.sshd.clientKey],
      configFile: '/dev/null',
      options: [`UserKnownHostsFile=${fixture.sshd.knownHosts}`, 'GlobalKnownHostsFile=none'],
      localForwards,
      remoteForwards: [],
      dynamicForwards: [],
    });
    invocation.session.agentSocket = undefined;
    return invocation;
  };
  afterAll(async () => {
    await shutdown();
    stopBridge();
  });

  it('connects, adds a forward, follows its traffic, asks before removing it while in use, and quits', async () => {
    store.setState(initialState());
    const invocation = await testInvocation([`0:127.0.0.1:${fixture.echo.port}`]);
    const connecting = connect('test', invocation);
    // The row is there before connect first waits (the UI's first frame draws it), connecting.
    expect(store.getState().sessions).toEqual([
      expect.objectContaining({
        name: 'test',
        address: `${fixture.sshd.user}@127.0.0.1:${fixture.sshd.port}`,
        state: 'connecting',
        forwards: [],
      }),
    ]);
    await connecting;
    flush();
    const state = store.getState();
    expect(state.sessions[0]).toMatchObject({name: 'test', state: 'connected'});
    const forward = state.sessions[0]!.forwards[0]!;
    expect(forward).toMatchObject({kind: 'local', state: 'listening'});
    expect(forward.display).toMatch(new RegExp(`^\\d+:127\\.0\\.0\\.1:${fixture.echo.port}$`));

    openDialog({kind: 'add-forward', sessionId: state.sessions[0]!.id, text: ''});
    editDialogText(() => 'D 0');
    await submitDialog();
    expect(store.getState().sessions[0]!.forwards.map((row) => row.kind)).toEqual(['local', 'dynamic']);

    // A command on the server: output and exit status go to the session's log.
    const sessionId = store.getState().sessions[0]!.id;
    expect(await runCommand(sessionId, 'echo hello; echo oops >&2; exit 3', {x11: false, agent: false})).toBe(
      3,
    );
    flush();
    const lines = store.getState().log.map((entry) => [entry.kind, entry.text]);
    expect(lines).toEqual(
      expect.arrayContaining([
        ['info', '$ echo hello; echo oops >&2; exit 3'],
        ['info', 'hello'],
        ['error', 'oops'],
        ['error', 'exit status 3'],
      ]),
    );

    const port = Number(forward.display.split(':')[0]);
    await exchange(port, 256 * 1024);
    const current = () => {
      flush();
      return store.getState().sessions[0]!.forwards[0]!.counters;
    };
    await until(() => current().totalConnections === 1, 5000, 'the counters');
    expect(store.getState().sessions[0]!.forwards[0]!.counters).toMatchObject({
      bytesIn: 256 * 1024,
      bytesOut: 256 * 1024,
    });
    expect(
      store
        .getState()
        .log.some((entry) =>
          /^L \d+:127\.0\.0\.1:\d+: connection from 127\.0\.0\.1:\d+ closed \(256 KiB in, 256 KiB out\)$/.test(
            entry.text,
          ),
        ),
    ).toBe(true);

    // Hold a connection open: removing now asks first.
    const net = await import('node:net');
    const held = net.connect(port, '127.0.0.1');
    await until(() => current().openConnections === 1, 5000, 'the open connection');
    // A flush that finds nothing new leaves the store as it was (no update, so the UI redraws nothing).
    const sessionsBefore = store.getState().sessions;
    flush();
    expect(store.getState().sessions).toBe(sessionsBefore);
    store.setState({focus: 'forwards', selectedForward: 0});
    requestRemoveForward();
    expect(store.getState().dialog).toMatchObject({
      kind: 'confirm',
      // Named as its row shows it, with the port it was given.
      title: expect.stringMatching(/^Remove L \d+:127\.0\.0\.1:\d+\?$/),
    });
    expect(await requestQuit()).toBe(false);
    expect(store.getState().dialog).toMatchObject({kind: 'confirm', title: 'Quit tunnels?'});
    closeDialog();
    requestRemoveForward();
    await submitDialog();
    expect(store.getState().sessions[0]!.forwards.map((row) => row.kind)).toEqual(['dynamic']);
    held.destroy();
    expect(await requestQuit()).toBe(true);
    expect(store.getState().quitting).toBe(true);
  });

  it('disconnecting a session still starting drops its row, and it never connects', async () => {
    stopBridge();
    store.setState(initialState());
    const invocation = await testInvocation([]);
    const connecting = connect('early', invocation);
    const [row] = store.getState().sessions;
    expect(row).toMatchObject({name: 'early', state: 'connecting'});
    await disconnect(row!.id);
    expect(store.getState().sessions).toEqual([]);
    await connecting;
    flush();
    expect(store.getState().sessions).toEqual([]);
    // No "connecting to" line: no session was made.
    expect(store.getState().log.filter((entry) => entry.sessionId === row!.id)).toEqual([]);
  });
});
