import {execFile, spawn} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {TUNNELS_BIN} from '../helpers/tunnels-process.js';

const run = promisify(execFile);

// A network namespace of the test's own with nothing but loopback: no packet can leave it, and any
// other address is unreachable, as on a machine whose network is down.
describe('an unreachable host', () => {
  const namespace = `tunnels-test-${randomBytes(3).toString('hex')}`;
  beforeAll(async () => {
    if (process.getuid?.() !== 0)
      throw new Error('this test creates a network namespace and needs root: run "npm test" as root');
    await run('ip', ['netns', 'add', namespace]);
    await run('ip', ['netns', 'exec', namespace, 'ip', 'link', 'set', 'lo', 'up']);
  });
  afterAll(async () => {
    await run('ip', ['netns', 'del', namespace]).catch(() => {});
  });

  it('says there is no route to the host, with status 255', async () => {
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        namespace,
        process.execPath,
        TUNNELS_BIN,
        '-N',
        '-o',
        'BatchMode=yes',
        '-F',
        '/dev/null',
        'user@192.0.2.1',
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(timer);
    expect(code).toBe(255);
    expect(stderr).toBe('tunnels: cannot reach 192.0.2.1: no route to the host (check the network)\n');
  });
});
