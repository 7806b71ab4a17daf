import {afterAll, afterEach, describe, expect, it} from 'vitest';
import {resolveInvocation} from '../../source/config/session-options.js';
import {connect, shutdown} from '../../source/store/actions.js';
import {flush, stopBridge} from '../../source/store/bridge.js';
import {handles} from '../../source/store/session-handles.js';
import {type AppState, initialState, type SessionRow, store} from '../../source/store/state.js';
import {findBinding} from '../../source/ui/keymap.js';
import {useSshdAndEcho} from '../helpers/fixtures.js';
import {until} from '../helpers/session.js';
import {exchange, serve} from '../helpers/targets.js';

/** The store now, with what the core said so far folded in. */
const now = (): AppState => {
  flush();
  return store.getState();
};
const row = (): SessionRow => now().sessions[0]!;

/** Presses a key of the main screen as the app does: its reason when it cannot act, else its action. */
async function press(key: string): Promise<string | undefined> {
  const binding = findBinding(key)!;
  const reason = binding.disabledReason?.(store.getState());
  if (reason) return reason;
  await binding.run(store.getState());
  return undefined;
}

describe('a session and its forwards come back when asked, against a real sshd', () => {
  const fixture = useSshdAndEcho();
  const invocationOf = async (localForwards: string[], options: string[] = []) => {
    const invocation = await resolveInvocation({
      destination: '127.0.0.1',
      port: String(fixture.sshd.port),
      user: fixture.sshd.user,
      identityFiles: [fixture.sshd.clientKey],
      configFile: '/dev/null',
      options: [`UserKnownHostsFile=${fixture.sshd.knownHosts}`, 'GlobalKnownHostsFile=none', ...options],
      localForwards,
      remoteForwards: [],
      dynamicForwards: [],
    });
    invocation.session.agentSocket = undefined;
    return invocation;
  };
  afterEach(async () => {
    await shutdown();
    stopBridge();
    store.setState(initialState());
  });
  afterAll(() => stopBridge());

  it('R skips the wait of a reconnecting session: it is back within seconds, not the 15-30 s it waits', async () => {
    const invocation = await invocationOf([`0:127.0.0.1:${fixture.echo.port}`]);
    invocation.session.reconnectDelayMs = {initial: 30_000, max: 30_000, steadyMs: 60_000};
    await connect('box', invocation);
    expect(row()).toMatchObject({state: 'connected'});
    expect(await press('R')).toBe('nothing to reconnect: box is connected');

    await fixture.sshd.kill();
    await until(() => row().state === 'reconnecting' && (row().retryIn ?? 0) >= 10, 10_000, 'the drop');
    await fixture.sshd.restart();
    const asked = Date.now();
    expect(await press('R')).toBeUndefined();
    expect(now().message).toEqual({kind: 'info', text: 'box: reconnecting now', untilConnected: true});
    await until(() => row().state === 'connected', 10_000, 'the reconnect');
    // What said it was on its way is gone once it is back.
    expect(now().message).toBeUndefined();
    expect(Date.now() - asked).toBeLessThan(10_000);
    expect(row()).toMatchObject({reconnects: 1});
    // Its local forward stayed bound through it and carries traffic again.
    const forward = row().forwards[0]!;
    expect(forward.state).toBe('listening');
    const port = Number(forward.display.split(':')[0]);
    expect((await exchange(port, 4096)).received).toBe(4096);
  });

  it('keeps a session that failed listed, and R starts it again with the same options and forwards', async () => {
    await fixture.sshd.kill();
    try {
      await connect('box', await invocationOf([`0:127.0.0.1:${fixture.echo.port}`]));
      expect(now().sessions).toHaveLength(1);
      expect(row()).toMatchObject({state: 'failed', failure: expect.stringMatching(/refused|connect/i)});
      // x offers to take it off the list; it has nothing running to stop.
      await press('x');
      expect(now().dialog).toMatchObject({
        kind: 'confirm',
        title: 'Remove box?',
        message: 'It is not connected (failed); it is taken off the list.',
      });
      store.setState({dialog: undefined});
    } finally {
      await fixture.sshd.restart();
    }
    // Pressed twice before the first took: one new connection, not two.
    const logged = now().log.length;
    expect(await Promise.all([press('R'), press('R')])).toEqual([undefined, undefined]);
    await until(
      () => row().state === 'connected' && row().forwards[0]?.state === 'listening',
      10_000,
      'back',
    );
    expect(now().sessions).toHaveLength(1);
    expect(
      now()
        .log.slice(logged)
        .filter((entry) => entry.text.startsWith('connected to')),
    ).toHaveLength(1);
    const port = Number(row().forwards[0]!.display.split(':')[0]);
    expect((await exchange(port, 4096)).received).toBe(4096);
  });

  it('R on a disconnected session (Reconnect=no) brings it back with the forwards it had then', async () => {
    await connect('box', await invocationOf([], ['Reconnect=no']));
    const sessionId = row().id;
    // A forward added after connecting is one of those it had.
    await handles.session(sessionId)!.addForward({kind: 'dynamic', bindAddress: undefined, port: 0});
    await fixture.sshd.kill();
    try {
      await until(() => row().state === 'closed', 10_000, 'the drop');
      expect(row().failure).toBeTruthy();
      expect(now().sessions).toHaveLength(1);
    } finally {
      await fixture.sshd.restart();
    }
    expect(await press('R')).toBeUndefined();
    await until(
      () => row().state === 'connected' && row().forwards[0]?.state === 'listening',
      10_000,
      'back',
    );
    expect(row().forwards.map((forward) => forward.kind)).toEqual(['dynamic']);
  });

  it('R on a failed forward starts it again in its place once its port is free', async () => {
    const squatter = await serve((socket) => socket.destroy());
    const taken = squatter.port;
    const invocation = await invocationOf([
      `0:127.0.0.1:${fixture.echo.port}`,
      // On 127.0.0.1 alone: with ::1 free too, it would listen there and warn instead of failing.
      `127.0.0.1:${taken}:127.0.0.1:${fixture.echo.port}`,
    ]);
    try {
      await connect('box', invocation);
      expect(row().forwards.map((forward) => forward.state)).toEqual(['listening', 'failed']);
      store.setState({focus: 'forwards', selectedForward: 0});
      expect(await press('R')).toBe(
        'nothing to reconnect: box is connected (R on a failed forward retries it)',
      );
      store.setState({selectedForward: 1});
      // Still taken: it fails again, and says why.
      expect(await press('R')).toBeUndefined();
      expect(now().message?.kind).toBe('error');
      expect(row().forwards[1]!.state).toBe('failed');
    } finally {
      await squatter.close();
    }
    const id = row().forwards[1]!.id;
    expect(await press('R')).toBeUndefined();
    expect(row().forwards.map((forward) => [forward.id, forward.state])).toEqual([
      [row().forwards[0]!.id, 'listening'],
      [id, 'listening'],
    ]);
    expect(now().message).toEqual({
      kind: 'info',
      text: `L 127.0.0.1:${taken}:127.0.0.1:${fixture.echo.port}: listening`,
    });
    expect((await exchange(taken, 4096)).received).toBe(4096);
    // Nothing failed is left to retry.
    expect(await press('R')).toBe(
      'nothing to reconnect: box is connected (R on a failed forward retries it)',
    );
  });
});

describe('the add dialog refuses a port the session already forwards', () => {
  it('a second D on the same port says which forward has it, before Enter', async () => {
    const {openDialog, editDialogText} = await import('../../source/store/ui-actions.js');
    const {forwardRow, sessionRow} = await import('../helpers/rows.js');
    store.setState({
      ...initialState(),
      sessions: [sessionRow(1, [forwardRow(1080, {kind: 'dynamic', label: '-D 1080', display: '1080'})])],
    });
    openDialog({kind: 'add-forward', sessionId: 1, text: ''});
    editDialogText(() => 'D');
    expect(store.getState().dialog).toMatchObject({error: 'D needs a port, e.g. D 1080'});
    editDialogText(() => 'D 1080');
    expect(store.getState().dialog).toMatchObject({
      error: expect.stringMatching(/^port 1080 is already used here by .*'s D 1080; pick another port$/),
    });
    editDialogText(() => 'D 1081');
    expect(store.getState().dialog).toMatchObject({error: undefined});
    store.setState(initialState());
  });
});
