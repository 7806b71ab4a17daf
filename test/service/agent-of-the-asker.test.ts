import type {ChildProcess} from 'node:child_process';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import type {TunnelEvent} from '../../source/core/events.js';
import {useSshdAndEcho} from '../helpers/fixtures.js';
import {startSshAgent} from '../helpers/ssh-agent.js';
import {jsonLines, useServiceHome} from './service-home.js';

type Connected = Extract<TunnelEvent, {event: 'session-connected'}>;

/**
 * A session in the service authenticates with the agent of the command that asked for it (its
 * SSH_AUTH_SOCK), as ssh run there would, not with the agent of whichever command started the service.
 */
describe('the background service uses the asking command’s agent', () => {
  const fixture = useSshdAndEcho();
  const home = useServiceHome();
  let agent: ChildProcess | undefined;

  afterEach(() => {
    if (agent?.pid && agent.exitCode === null) process.kill(agent.pid, 'SIGTERM');
    agent = undefined;
  });

  /** `tunnels up` with no -i (the test's HOME has no keys): only an agent can sign. */
  const up = (name: string, agentSocket: string) =>
    home.run(
      [
        'up',
        '--json',
        '-p',
        String(fixture.sshd.port),
        '-l',
        fixture.sshd.user,
        '-o',
        `UserKnownHostsFile=${fixture.sshd.knownHosts}`,
        '-o',
        'BatchMode=yes',
        '-L',
        `0:127.0.0.1:${fixture.echo.port}`,
        '127.0.0.1',
        '--name',
        name,
      ],
      {env: {...home.env, SSH_AUTH_SOCK: agentSocket}},
    );

  it('a service started without an agent signs with the agent of a later up; an up without one gets none', async () => {
    // The service starts from a command that has no agent (its up fails: nothing can sign).
    const first = await up('without', '');
    expect(first.status).toBe(255);
    expect(first.stderr).toMatch(/permission denied/);
    const socket = path.join(home.scratch, 'agent.sock');
    agent = await startSshAgent(socket, fixture.sshd.clientKey);
    // The same service, asked from a command with an agent.
    const second = await up('with', socket);
    expect(second.status, second.stderr).toBe(0);
    const connected = jsonLines(second.stdout).find(
      (event): event is Connected => event.event === 'session-connected',
    );
    expect(connected?.authMethod).toMatch(/^publickey \(agent/);
    expect(home.servicePids()).toHaveLength(1);
    // And a third command without one is not given the second's.
    const third = await up('again-without', '');
    expect(third.status).toBe(255);
    expect((await home.sessions()).map((session) => session.name)).toEqual(['with']);
  });
});
