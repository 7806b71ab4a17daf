// Hostile clients of the channels a remote command's X11 and agent forwarding open (issue #16): programs
// on the server connect to the display sshd offers ($DISPLAY, TCP 6000+N) and to the forwarded agent
// ($SSH_AUTH_SOCK), each an x11 or auth-agent@openssh.com channel that tunnels carries to the local Xvfb
// or ssh-agent, and stop at a random point of the exchange. The built binary runs the clients as its
// remote command (test/helpers/hostile-channels.py), which talks to this test by lines through the
// command's stdin and stdout: the descriptors of tunnels and sshd are counted before the round (after a
// first well-behaved xdpyinfo and ssh-add -l) and must be back to that count after it (after a second
// pair), with the process alive throughout and its descriptors bounded while the round runs.
import {type ChildProcess, execFile, spawn} from 'node:child_process';
import {chmod, copyFile, mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {descriptors, treeDescriptors} from '../helpers/descriptors.js';
import {createPasswordUser} from '../helpers/password-user.js';
import {startSshAgent} from '../helpers/ssh-agent.js';
import {processTree, startSshd, type TestSshd} from '../helpers/sshd.js';
import {TUNNELS_BIN} from '../helpers/tunnels-process.js';
import {startXvfb} from '../helpers/xvfb.js';

const run = promisify(execFile);
const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../helpers/hostile-channels.py');

/** The round's seed: printed with every failure, and taken from HOSTILE_SEED to replay one. */
const SEED = Number(process.env.HOSTILE_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** Clients per channel kind (X11, agent). */
const CLIENTS = Number(process.env.HOSTILE_CLIENTS ?? 300);
const PARALLEL = 32;
/** The script starts no client after this many seconds, and says how many it left out. */
const LIMIT_SECONDS = 15;
/**
 * Past its baseline, tunnels holds one local socket per open channel (to Xvfb or to ssh-agent), so no
 * more than the clients open at once; the rest is slack for channels whose close is still on its way.
 */
const DESCRIPTOR_SLACK = PARALLEL * 2 + 16;

async function until(check: () => boolean | Promise<boolean>, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** What `ss` says of the sockets of these processes (TCP and unix), for a failure message. */
async function socketsOf(pids: number[]): Promise<string> {
  const {stdout} = await run('ss', ['-tuxanpH']).catch(() => ({stdout: ''}));
  return stdout
    .split('\n')
    .filter((line) => pids.some((pid) => line.includes(`pid=${pid},`)))
    .join('\n');
}

/** Waits until `read` gives `baseline` again (a channel's close comes a little after its client's). */
async function backTo(
  read: () => Promise<number>,
  baseline: number,
  what: string,
  explain: () => Promise<string>,
) {
  const deadline = Date.now() + 15_000;
  let now = await read();
  while (now > baseline) {
    if (Date.now() > deadline)
      throw new Error(`${what}: ${now} descriptors open, baseline ${baseline}\n${await explain()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    now = await read();
  }
  return now;
}

/** The count once it has not changed for 300 ms: what the well-behaved pair left is closed by then. */
async function settled(read: () => Promise<number>): Promise<number> {
  let last = await read();
  let since = Date.now();
  const deadline = Date.now() + 10_000;
  while (Date.now() - since < 300 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    const now = await read();
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
  return last;
}

interface WellBehaved {
  xdpyinfo: number;
  dimensions: string;
  xdpyinfo_stderr: string;
  ssh_add: number;
  keys: string;
  ssh_add_stderr: string;
}

interface Summary {
  seed: number;
  clients: number;
  seconds: number;
  outcomes: Record<string, number>;
  checked_replies: number;
  wrong_replies: unknown[];
  unanswered: unknown[];
  unanswered_count: number;
  client_errors: unknown[];
  half_closes: number;
  half_closes_without_eof: unknown[];
  half_closes_without_eof_count: number;
}

/** The built binary running the script, driven line by line; fails a wait if it exits first. */
function startRun(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [TUNNELS_BIN, ...args], {
    env,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const complete = partial.split('\n');
    partial = complete.pop()!;
    lines.push(...complete);
    changed();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      changed();
      resolve(code);
    }),
  );
  const tail = () => stderr.split('\n').slice(-40).join('\n');
  return {
    child,
    pid: child.pid!,
    exited,
    stderr: () => stderr,
    /** The last lines of stderr (the whole of it holds a warning per refused X11 client). */
    tail,
    /** The first line starting with `prefix`, without it. */
    line(prefix: string, ms: number): Promise<string> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = lines.find((line) => line.startsWith(prefix));
          if (found !== undefined) {
            done();
            resolve(found.slice(prefix.length));
          } else if (child.exitCode !== null || child.signalCode !== null) {
            done();
            reject(
              new Error(
                `tunnels exited (${child.exitCode ?? child.signalCode}) before "${prefix}"\nstdout:\n${lines.join('\n')}\nstderr:\n${tail()}`,
              ),
            );
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(`timed out waiting for "${prefix}"\nstdout:\n${lines.join('\n')}\nstderr:\n${tail()}`),
          );
        }, ms);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    say(line: string) {
      child.stdin!.write(`${line}\n`);
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
    },
  };
}

describe(`hostile clients on X11 and agent channels (seed ${SEED}; replay with HOSTILE_SEED=${SEED})`, () => {
  let sshd: TestSshd;
  let home: string;
  let user: Awaited<ReturnType<typeof createPasswordUser>>;
  let xvfb: ChildProcess;
  let agent: ChildProcess;
  let display: string;
  let xauthority: string;
  let agentSocket: string;
  let env: NodeJS.ProcessEnv;
  let fingerprint: string;

  beforeAll(async () => {
    // sshd writes the fake cookie into the user's ~/.Xauthority: a temporary user with a temporary HOME.
    home = await mkdtemp(path.join(os.tmpdir(), 'tunnels-x11-hostile-'));
    await chmod(home, 0o755);
    user = await createPasswordUser({home});
    await copyFile(SCRIPT, path.join(home, 'hostile-channels.py'));
    await chmod(path.join(home, 'hostile-channels.py'), 0o644);
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
    fingerprint = (await run('ssh-keygen', ['-l', '-f', `${sshd.clientKey}.pub`])).stdout.split(' ')[1]!;
    env = {
      ...process.env,
      DISPLAY: display,
      XAUTHORITY: xauthority,
      SSH_AUTH_SOCK: agentSocket,
      HOME: sshd.dir,
    };
  }, 60_000);

  afterAll(async () => {
    // Each step whatever happened to the others (an Xvfb that died must not leave the rest running).
    for (const child of [xvfb, agent])
      if (child?.pid && child.exitCode === null && child.signalCode === null)
        process.kill(child.pid, 'SIGTERM');
    await sshd?.stop();
    if (user) {
      // userdel refuses a user with processes: the remote script (and its session) must be gone first.
      const processes = async () =>
        (await run('pgrep', ['-u', user.name]).catch(() => ({stdout: ''}))).stdout
          .split('\n')
          .filter(Boolean);
      await until(
        async () => (await processes()).length === 0,
        5000,
        `the processes of ${user.name} to end`,
      ).catch(async () => {
        for (const pid of await processes()) process.kill(Number(pid), 'SIGKILL');
      });
      await user.remove();
    }
    if (home) await rm(home, {recursive: true, force: true});
  });

  it('hundreds of X11 and agent clients that misbehave leave tunnels serving, and nothing open here or on the server', async () => {
    const tunnels = startRun(
      [
        '-p',
        String(sshd.port),
        '-i',
        sshd.clientKey,
        '-o',
        `UserKnownHostsFile=${sshd.knownHosts}`,
        '-o',
        'BatchMode=yes',
        '-X',
        '-A',
        `${user.name}@127.0.0.1`,
        `/usr/bin/python3 ${home}/hostile-channels.py ${SEED} ${CLIENTS} ${CLIENTS} ${PARALLEL} ${LIMIT_SECONDS}`,
      ],
      env,
    );
    let sampler: NodeJS.Timeout | undefined;
    try {
      const first = JSON.parse(await tunnels.line('ready ', 20_000)) as WellBehaved;
      expect(first, 'the well-behaved pair before the round').toMatchObject({xdpyinfo: 0, ssh_add: 0});
      const baseline = {
        tunnels: await settled(() => descriptors(tunnels.pid)),
        sshd: await settled(() => treeDescriptors(sshd.pid)),
      };

      // While the round runs: tunnels alive, and its descriptors bounded.
      const peak = {tunnels: baseline.tunnels, sshd: baseline.sshd};
      let sampling = false;
      sampler = setInterval(() => {
        if (sampling) return;
        sampling = true;
        void Promise.all([descriptors(tunnels.pid), treeDescriptors(sshd.pid)]).then(([here, server]) => {
          peak.tunnels = Math.max(peak.tunnels, here);
          peak.sshd = Math.max(peak.sshd, server);
          sampling = false;
        });
      }, 25);
      const started = Date.now();
      tunnels.say('go');
      const summary = JSON.parse(await tunnels.line('summary ', (LIMIT_SECONDS + 15) * 1000)) as Summary;
      const roundMs = Date.now() - started;
      clearInterval(sampler);
      const report = `seed ${SEED}: ${JSON.stringify(summary)}`;
      expect(tunnels.child.exitCode, tunnels.tail()).toBeNull();
      // Soft: one run reports every finding, and goes on to count what was left open.
      expect.soft(summary.clients, report).toBe(CLIENTS * 2);
      expect.soft(summary.outcomes, report).toEqual({done: CLIENTS * 2});
      // A wrong cookie never gets a byte of the X server's; the fake one gets Success; the agent answers.
      expect.soft(summary.wrong_replies, report).toEqual([]);
      expect.soft(summary.unanswered, report).toEqual([]);
      expect.soft(summary.checked_replies, report).toBeGreaterThan(CLIENTS / 4);
      // A client that half-closes gets the far end's EOF back: the channel ends instead of lingering.
      expect.soft(summary.half_closes_without_eof, report).toEqual([]);
      expect.soft(peak.tunnels - baseline.tunnels, report).toBeLessThanOrEqual(DESCRIPTOR_SLACK);

      // The well-behaved pair after the round, with what they printed when they fail.
      const last = JSON.parse(await tunnels.line('checked ', 45_000)) as WellBehaved;
      const printed = `${report}\nafter the round: ${JSON.stringify(last)}`;
      expect(last, printed).toMatchObject({
        xdpyinfo: 0,
        dimensions: expect.stringContaining('1234x567'),
        ssh_add: 0,
      });
      expect(last.keys, printed).toContain(fingerprint);

      const explain = async () =>
        `${report}\n${await socketsOf(await processTree(sshd.pid))}\n${await socketsOf([tunnels.pid])}\ntunnels stderr (tail):\n${tunnels.tail()}`;
      await backTo(() => descriptors(tunnels.pid), baseline.tunnels, 'tunnels', explain);
      await backTo(() => treeDescriptors(sshd.pid), baseline.sshd, 'sshd', explain);
      expect(tunnels.child.exitCode, tunnels.tail()).toBeNull();

      tunnels.say('exit');
      tunnels.child.stdin!.end();
      expect(await tunnels.exited, tunnels.tail()).toBe(0);
      console.log(
        `hostile channels, seed ${SEED}: ${summary.clients} clients in ${summary.seconds} s (round ${roundMs} ms); ` +
          `descriptors tunnels ${baseline.tunnels} -> peak ${peak.tunnels}, sshd tree ${baseline.sshd} -> peak ${peak.sshd}; ` +
          `${summary.checked_replies} replies checked, ${summary.half_closes} half-closes`,
      );
    } catch (error) {
      // What sshd said of a session that ended under us (a protocol error it saw from tunnels).
      const said = (await sshd.log())
        .split('\n')
        .filter((line) => /protocol error|Disconnect|nonexistent|fatal|error:/i.test(line))
        .slice(-20);
      if (said.length > 0 && error instanceof Error) error.message += `\nsshd log:\n${said.join('\n')}`;
      throw error;
    } finally {
      if (sampler) clearInterval(sampler);
      tunnels.kill();
      await tunnels.exited;
    }

    // The local X server and agent came through it too.
    expect(xvfb.exitCode).toBeNull();
    expect(agent.exitCode).toBeNull();
    const {stdout: local} = await run('xdpyinfo', [], {
      env: {...process.env, DISPLAY: display, XAUTHORITY: xauthority},
    });
    expect(local).toMatch(/dimensions:\s+1234x567 pixels/);
    const {stdout: keys} = await run('ssh-add', ['-l'], {env: {...process.env, SSH_AUTH_SOCK: agentSocket}});
    expect(keys).toContain(fingerprint);
  }, 120_000);
});
