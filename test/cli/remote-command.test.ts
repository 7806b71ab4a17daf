import {type ChildProcess, execFile, spawn} from 'node:child_process';
import {chmod, copyFile, mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createPasswordUser} from '../helpers/password-user.js';
import {startSshAgent} from '../helpers/ssh-agent.js';
import {startSshd, type TestSshd} from '../helpers/sshd.js';
import {TUNNELS_BIN} from '../helpers/tunnels-process.js';
import {startXvfb} from '../helpers/xvfb.js';

const run = promisify(execFile);
const PROBE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../helpers/x11-probe.py');

async function _until(check: () => boolean | Promise<boolean>, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Runs the built binary with a remote command; resolves with its exit status and output. */
function tunnels(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{code: number | null; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [TUNNELS_BIN, ...args], {
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => process.kill(child.pid!, 'SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({code, stdout, stderr});
    });
  });
}

// Shell parameter expansions, run by the remote shell.
const SHOW_DISPLAY = ['echo', '$' + '{DISPLAY:-unset}'].join(' ');
const SHOW_AGENT = ['echo', '$' + '{SSH_AUTH_SOCK:-unset}'].join(' ');

describe('remote commands with X11 and agent forwarding, each only when asked for', () => {
  let sshd: TestSshd;
  let home: string;
  let user: Awaited<ReturnType<typeof createPasswordUser>>;
  let xvfb: ChildProcess;
  let agent: ChildProcess;
  let display: string;
  let xauthority: string;
  let agentSocket: string;
  let env: NodeJS.ProcessEnv;
  const base = () => [
    '-p',
    String(sshd.port),
    '-i',
    sshd.clientKey,
    '-o',
    `UserKnownHostsFile=${sshd.knownHosts}`,
    '-o',
    'BatchMode=yes',
  ];

  beforeAll(async () => {
    // sshd writes the fake cookie into the user's ~/.Xauthority: a temporary user with a temporary HOME.
    home = await mkdtemp(path.join(os.tmpdir(), 'tunnels-x11-home-'));
    await chmod(home, 0o755);
    user = await createPasswordUser({home});
    await copyFile(PROBE, path.join(home, 'x11-probe.py'));
    sshd = await startSshd({
      config: [
        'X11Forwarding yes',
        'X11UseLocalhost yes',
        'XAuthLocation /usr/bin/xauth',
        'X11DisplayOffset 10',
      ],
    });
    // sshd reads authorized_keys as the user logging in.
    await chmod(sshd.dir, 0o755);
    await chmod(path.join(sshd.dir, 'authorized_keys'), 0o644);

    xauthority = path.join(sshd.dir, 'Xauthority');
    ({xvfb, display} = await startXvfb(xauthority));

    agentSocket = path.join(sshd.dir, 'agent.sock');
    agent = await startSshAgent(agentSocket, sshd.clientKey);
    env = {
      ...process.env,
      DISPLAY: display,
      XAUTHORITY: xauthority,
      SSH_AUTH_SOCK: agentSocket,
      HOME: sshd.dir,
    };
  }, 60_000);
  afterAll(async () => {
    if (xvfb?.pid) process.kill(xvfb.pid, 'SIGTERM');
    if (agent?.pid) process.kill(agent.pid, 'SIGTERM');
    await sshd?.stop();
    await user?.remove();
    if (home) await rm(home, {recursive: true, force: true});
  });

  it('passes the command output, stderr and exit status back, as ssh does', async () => {
    const result = await tunnels(
      [...base(), `${user.name}@127.0.0.1`, 'echo out; echo err >&2; exit 7'],
      env,
    );
    expect(result).toMatchObject({code: 7, stdout: 'out\n'});
    expect(result.stderr).toContain('err\n');
  });

  it('-X: xdpyinfo on the server sees the local Xvfb screen', async () => {
    const result = await tunnels([...base(), '-X', `${user.name}@127.0.0.1`, 'xdpyinfo'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/dimensions:\s+1234x567 pixels/);
  });

  it('-X: a wrong cookie is refused before the X server hears of it; the fake one in 1-byte writes is accepted', async () => {
    const result = await tunnels(
      [...base(), '-X', `${user.name}@127.0.0.1`, `/usr/bin/python3 ${home}/x11-probe.py`],
      env,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('wrong-cookie: EOF\nfake-cookie-bytewise: 1\n');
    expect(result.stderr).toContain(
      'X11 connection refused: X11 connection with a wrong authorization cookie',
    );
  });

  it('without -X there is no DISPLAY on the server, and with -X but no local DISPLAY the command still runs', async () => {
    const none = await tunnels([...base(), `${user.name}@127.0.0.1`, SHOW_DISPLAY], env);
    expect(none.stdout).toBe('unset\n');
    const {DISPLAY: _, ...noDisplay} = env;
    const withoutDisplay = await tunnels([...base(), '-X', `${user.name}@127.0.0.1`, 'echo ran'], noDisplay);
    expect(withoutDisplay).toMatchObject({code: 0, stdout: 'ran\n'});
    expect(withoutDisplay.stderr).toContain(
      'X11 forwarding was asked for, but DISPLAY is not set; running without X11',
    );
  });

  it('-A: ssh-add -l on the server lists the local agent key; without -A the agent is not there', async () => {
    const {stdout: fingerprint} = await run('ssh-keygen', ['-l', '-f', `${sshd.clientKey}.pub`]);
    const forwarded = await tunnels([...base(), '-A', `${user.name}@127.0.0.1`, 'ssh-add -l'], env);
    expect(forwarded.code, forwarded.stderr).toBe(0);
    expect(forwarded.stdout).toContain(fingerprint.split(' ')[1]!);
    const notForwarded = await tunnels([...base(), `${user.name}@127.0.0.1`, SHOW_AGENT], env);
    expect(notForwarded.stdout).toBe('unset\n');
  });

  it('-A is refused when the host key was accepted without checking', async () => {
    const result = await tunnels(
      [
        '-p',
        String(sshd.port),
        '-i',
        sshd.clientKey,
        '-o',
        `UserKnownHostsFile=${path.join(sshd.dir, 'empty_known_hosts')}`,
        '-o',
        'StrictHostKeyChecking=no',
        '-A',
        `${user.name}@127.0.0.1`,
        SHOW_AGENT,
      ],
      env,
    );
    expect(result.stdout).toBe('unset\n');
    expect(result.stderr).toContain('agent forwarding refused: the host key was accepted without checking');
  });
});
