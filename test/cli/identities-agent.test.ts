import {type ChildProcess, execFile} from 'node:child_process';
import {copyFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startSshAgent} from '../helpers/ssh-agent.js';
import {generateKey, startSshd, type TestSshd} from '../helpers/sshd.js';
import {isEvent, startTunnels} from '../helpers/tunnels-process.js';

const run = promisify(execFile);

/**
 * `IdentityFile ~/.ssh/work.pub` + `IdentitiesOnly yes` with the private key in an agent (1Password,
 * Secretive), end to end through the built binary and ~/.ssh/config, beside ssh given the same config:
 * the agent holds A and B, the server authorizes B.
 */
describe('IdentitiesOnly with keys held in an agent, as ssh', () => {
  let sshd: TestSshd;
  let agent: ChildProcess;
  let config: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    sshd = await startSshd();
    const keyA = path.join(sshd.dir, 'id_a');
    await generateKey(keyA);
    await copyFile(`${sshd.clientKey}.pub`, path.join(sshd.dir, 'work.pub'));
    await copyFile(`${keyA}.pub`, path.join(sshd.dir, 'other.pub'));
    const socket = path.join(sshd.dir, 'agent.sock');
    agent = await startSshAgent(socket, keyA);
    await run('ssh-add', [sshd.clientKey], {env: {...process.env, SSH_AUTH_SOCK: socket}});
    env = {...process.env, SSH_AUTH_SOCK: socket};
    const block = (name: string, file: string) =>
      [
        `Host ${name}`,
        `  HostName ${sshd.host}`,
        `  Port ${sshd.port}`,
        `  User ${sshd.user}`,
        `  UserKnownHostsFile ${sshd.knownHosts}`,
        `  IdentityFile ${path.join(sshd.dir, file)}`,
        '  IdentitiesOnly yes',
        '  BatchMode yes',
      ].join('\n');
    config = path.join(sshd.dir, 'ssh_config');
    await writeFile(config, `${block('work', 'work.pub')}\n${block('other', 'other.pub')}\n`);
  });
  afterAll(async () => {
    if (agent?.pid) process.kill(agent.pid, 'SIGTERM');
    await sshd?.stop();
  });

  /** ssh's exit status for the same config and host. */
  const sshStatus = (host: string) =>
    run('ssh', ['-F', config, host, 'true'], {env}).then(
      () => 0,
      (error: {code?: number}) => error.code ?? -1,
    );

  it('IdentityFile work.pub (B): logs in, the agent signing', async () => {
    const tunnels = startTunnels(['-F', config, '--json', '-N', 'work'], {env});
    const connected = await tunnels.waitFor(isEvent('session-connected'));
    expect(connected.authMethod).toBe(`publickey (agent: ${path.join(sshd.dir, 'work.pub')})`);
    expect(await tunnels.stop()).toBe(0);
    expect(await sshStatus('work')).toBe(0);
  });

  it('IdentityFile other.pub (A, not authorized): refused, the agent offering A alone, as ssh', async () => {
    const tunnels = startTunnels(['-F', config, '--json', '-N', 'other'], {env});
    expect(await tunnels.exited).toBe(255);
    expect(tunnels.stderr()).toContain(
      `tunnels: permission denied for ${sshd.user}@${sshd.host} (the server accepts: publickey): the server refused the agent's key.`,
    );
    expect(await sshStatus('other')).toBe(255);
  });
});
