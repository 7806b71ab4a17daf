import {type ChildProcess, execFile, spawn} from 'node:child_process';
import {randomBytes, randomInt} from 'node:crypto';
import {existsSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
import {promisify} from 'node:util';

const run = promisify(execFile);

/**
 * A real X server (Xvfb) on a free display, its cookie in `xauthority`; the caller stops the process it
 * returns, by its PID. A display only counts once its lock file names this Xvfb: a random number can meet
 * another X server whose socket would pass for ours.
 */
export async function startXvfb(xauthority: string): Promise<{xvfb: ChildProcess; display: string}> {
  for (let attempt = 0; ; attempt++) {
    const number = randomInt(100, 900);
    const display = `:${number}`;
    await run('xauth', [
      '-f',
      xauthority,
      'add',
      display,
      'MIT-MAGIC-COOKIE-1',
      randomBytes(16).toString('hex'),
    ]);
    // -noreset: without it the X server resets when its last client leaves and drops every connection
    // still in its setup then, so a well-behaved client could be refused for the X server's own reasons.
    const xvfb = spawn(
      'Xvfb',
      [display, '-screen', '0', '1234x567x24', '-auth', xauthority, '-nolisten', 'tcp', '-noreset'],
      {stdio: 'ignore'},
    );
    const ours = async () =>
      (await readFile(`/tmp/.X${number}-lock`, 'utf8').catch(() => '')).trim() === String(xvfb.pid) &&
      existsSync(`/tmp/.X11-unix/X${number}`);
    const deadline = Date.now() + 10_000;
    while (xvfb.exitCode === null && !(await ours())) {
      if (Date.now() > deadline) {
        xvfb.kill('SIGKILL');
        throw new Error(`Xvfb did not start on display ${display}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    if (xvfb.exitCode === null) return {xvfb, display};
    if (attempt === 4) throw new Error(`Xvfb exited (${xvfb.exitCode}) on five display numbers`);
  }
}
