import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {resolveInvocation} from '../../source/config/session-options.js';
import {connect, shutdown} from '../../source/store/actions.js';
import {flush, stopBridge} from '../../source/store/bridge.js';
import {submitDialog} from '../../source/store/dialog-actions.js';
import {initialState, store} from '../../source/store/state.js';
import {editDialogText} from '../../source/store/ui-actions.js';
import {useSshdAndEcho} from '../helpers/fixtures.js';
import {until} from '../helpers/session.js';

describe('the host-key question, asked again after a wrong answer', () => {
  const fixture = useSshdAndEcho();
  let dir: string | undefined;
  afterAll(async () => {
    await shutdown();
    stopBridge();
    if (dir) await rm(dir, {recursive: true, force: true});
  });

  it('keeps the host and the fingerprint on screen, and a yes then connects', async () => {
    store.setState(initialState());
    dir = await mkdtemp(path.join(os.tmpdir(), 'tunnels-known-'));
    const knownHosts = path.join(dir, 'known_hosts');
    await writeFile(knownHosts, '');
    const invocation = await resolveInvocation({
      destination: '127.0.0.1',
      port: String(fixture.sshd.port),
      user: fixture.sshd.user,
      identityFiles: [fixture.sshd.clientKey],
      configFile: '/dev/null',
      options: [`UserKnownHostsFile=${knownHosts}`, 'GlobalKnownHostsFile=none', 'StrictHostKeyChecking=ask'],
      localForwards: [],
      remoteForwards: [],
      dynamicForwards: [],
    });
    invocation.session.agentSocket = undefined;
    const connecting = connect('box', invocation);
    const question = () => {
      const {dialog} = store.getState();
      return dialog?.kind === 'prompt' ? dialog.lines : [];
    };
    await until(() => question().length > 0, 10_000, 'the host-key question');
    const first = question();
    expect(first[0]).toBe(
      `The authenticity of host '[127.0.0.1]:${fixture.sshd.port}' can't be established.`,
    );
    expect(first[1]).toMatch(/^ED25519 key fingerprint is SHA256:/);
    editDialogText(() => 'maybe');
    await submitDialog();
    await until(
      () => question().some((line) => line.startsWith('Please type')),
      10_000,
      'the question again',
    );
    expect(question()).toEqual([...first.slice(0, -1), "Please type 'yes', 'no' or the fingerprint: "]);
    editDialogText(() => 'yes');
    await submitDialog();
    await connecting;
    flush();
    expect(store.getState().sessions[0]).toMatchObject({state: 'connected'});
  });
});
