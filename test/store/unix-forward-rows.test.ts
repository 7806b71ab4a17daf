import {mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeEach, describe, expect, it} from 'vitest';
import {resolveInvocation} from '../../source/config/session-options.js';
import {connect, shutdown} from '../../source/store/actions.js';
import {flush, stopBridge} from '../../source/store/bridge.js';
import {submitDialog} from '../../source/store/dialog-actions.js';
import {initialState, store} from '../../source/store/state.js';
import {closeDialog, editDialogText, openDialog} from '../../source/store/ui-actions.js';
import {useSshdAndEcho} from '../helpers/fixtures.js';

describe('the add dialog and the rows, for unix-socket and remote dynamic forwards', () => {
  beforeEach(() => store.setState(initialState()));

  it('checks them as they are typed', () => {
    openDialog({kind: 'add-forward', sessionId: 1, text: ''});
    const typed = (text: string) => {
      editDialogText(() => text);
      return store.getState().dialog as {error?: string};
    };
    expect(typed('L /tmp/x.sock:db:80').error).toBeUndefined();
    expect(typed('L 5432:/run/postgresql/.s.PGSQL.5432').error).toBeUndefined();
    expect(typed('R /tmp/r.sock:/run/app.sock').error).toBeUndefined();
    expect(typed('R 1080').error).toBeUndefined();
    expect(typed('L /tmp/x.sock').error).toMatch(/is not a forward with a unix-socket path/);
    expect(typed('D /tmp/x.sock').error).toMatch(/dynamic \(SOCKS\) forwarding listens on a port/);
    expect(typed('R /tmp/x.sock').error).toMatch(/not on a unix socket/);
    closeDialog();
  });
});

describe('rows against a real sshd', () => {
  const fixture = useSshdAndEcho();
  afterAll(async () => {
    await shutdown();
    stopBridge();
  });

  it('adds -L socket:host:port and -R port from the dialog; the rows show kind, spec and where they listen', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tunnels-rows-'));
    try {
      const invocation = await resolveInvocation({
        destination: '127.0.0.1',
        port: String(fixture.sshd.port),
        user: fixture.sshd.user,
        identityFiles: [fixture.sshd.clientKey],
        configFile: '/dev/null',
        options: [`UserKnownHostsFile=${fixture.sshd.knownHosts}`, 'GlobalKnownHostsFile=none'],
        localForwards: [],
        remoteForwards: [],
        dynamicForwards: [],
      });
      invocation.session.agentSocket = undefined;
      await connect('rows', invocation);
      const sessionId = store.getState().sessions[0]!.id;
      const socket = path.join(dir, 'echo.sock');
      for (const text of [`L ${socket}:127.0.0.1:${fixture.echo.port}`, 'R 0']) {
        openDialog({kind: 'add-forward', sessionId, text: ''});
        editDialogText(() => text);
        await submitDialog();
      }
      flush();
      const rows = store.getState().sessions[0]!.forwards;
      expect(rows[0]).toMatchObject({
        kind: 'local-unix',
        label: `-L ${socket}:127.0.0.1:${fixture.echo.port}`,
        display: `${socket}:127.0.0.1:${fixture.echo.port}`,
        state: 'listening',
        listeningOn: socket,
      });
      expect(rows[1]).toMatchObject({kind: 'remote-dynamic', label: '-R 0', state: 'listening'});
      // The port the server gave, where 0 was asked.
      expect(rows[1]!.display).toMatch(/^[1-9]\d*$/);
      expect(rows[1]!.listeningOn).toBe(`localhost:${rows[1]!.display}`);
    } finally {
      await shutdown();
      await rm(dir, {recursive: true, force: true});
    }
  });
});
