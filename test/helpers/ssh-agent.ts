import {type ChildProcess, execFile, spawn} from 'node:child_process';
import net from 'node:net';
import {promisify} from 'node:util';

const run = promisify(execFile);

/** A real ssh-agent on `socket`, holding `key`; the caller stops the process it returns, by its PID. */
export async function startSshAgent(socket: string, key: string): Promise<ChildProcess> {
  const agent = spawn('ssh-agent', ['-D', '-a', socket], {stdio: 'ignore'});
  const deadline = Date.now() + 10_000;
  for (;;) {
    const listening = await new Promise<boolean>((resolve) => {
      const probe = net.connect(socket);
      probe.on('connect', () => {
        probe.destroy();
        resolve(true);
      });
      probe.on('error', () => resolve(false));
    });
    if (listening) break;
    if (agent.exitCode !== null || Date.now() > deadline) {
      agent.kill('SIGKILL');
      throw new Error(`ssh-agent did not start listening on ${socket}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await run('ssh-add', [key], {env: {...process.env, SSH_AUTH_SOCK: socket}});
  return agent;
}
