import net from 'node:net';
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import type {EventOf, TunnelEvent} from '../../../source/core/events.js';
import {Session, type SessionConfig} from '../../../source/core/session/session.js';
import {forwardTo, nextEvent, testSessionConfig} from '../../helpers/session.js';
import {freePort, processTree, startSshd, type TestSshd} from '../../helpers/sshd.js';
import {startEchoServer, type TestServer} from '../../helpers/targets.js';

const is =
  <Name extends TunnelEvent['event']>(name: Name) =>
  (event: TunnelEvent): event is EventOf<Name> =>
    event.event === name;

/**
 * Freezes an sshd whole, as a hung machine would: its per-connection processes first, then the listener
 * (by PID, from its process tree). Returns the thaw.
 */
/** Signals a process that may have exited since its tree was read (an earlier connection's, closing). */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

async function freeze(sshd: TestSshd): Promise<() => void> {
  const pids = (await processTree(sshd.pid)).reverse();
  for (const pid of pids) signal(pid, 'SIGSTOP');
  return () => {
    for (const pid of pids) signal(pid, 'SIGCONT');
  };
}

/** SIGKILLs the sshd's per-connection processes, leaving its listener: the jump host drops its sessions. */
async function killSessions(sshd: TestSshd): Promise<void> {
  for (const pid of (await processTree(sshd.pid)).filter((pid) => pid !== sshd.pid)) signal(pid, 'SIGKILL');
}

/**
 * A bastion and a target, each its own sshd on loopback; the target is reached through the bastion (Host
 * bastion, as a config's ProxyJump names it), with the keepalives asked for on the destination only.
 */
describe('a session through a jump host whose path fails', () => {
  let bastion: TestSshd;
  let target: TestSshd;
  let session: Session | undefined;
  let thaw: (() => void) | undefined;

  beforeAll(async () => {
    [bastion, target] = await Promise.all([startSshd(), startSshd()]);
  });
  afterAll(async () => {
    await Promise.all([bastion?.stop(), target?.stop()]);
  });
  beforeEach(() => {
    session = undefined;
    thaw = undefined;
  });
  afterEach(async () => {
    thaw?.();
    await session?.close();
  });

  const throughBastion = async (options: string[] = [], hop: Partial<SessionConfig> = {}) => {
    const hopConfig = await testSessionConfig(bastion, [], {name: 'bastion', ...hop});
    return testSessionConfig(target, options, {jumpHost: hopConfig});
  };

  const connected = async (options: string[]) => {
    session = new Session(await throughBastion(options), undefined);
    await session.connect();
    return session;
  };

  it("a frozen jump host ends the session on the destination's keepalives (interval × count + one), naming the jump host", async () => {
    // The jump host's own keepalives stay at the default 15 s × 3: only the destination's can be this quick.
    const live = await connected(['ServerAliveInterval=1', 'ServerAliveCountMax=2']);
    const closed = nextEvent(live, is('session-closed'), 20_000);
    const frozenAt = Date.now();
    thaw = await freeze(bastion);
    const event = await closed;
    const detectedAfter = Date.now() - frozenAt;
    // ssh's rule: CountMax unanswered keepalives, one interval apart, then one more interval.
    expect(detectedAfter).toBeLessThanOrEqual((2 + 1) * 1000 + 1500);
    expect(event.reason).toMatch(
      /^the jump host bastion \(127\.0\.0\.1:\d+\) stopped answering \(2 keepalives unanswered, every 1 s\)$/,
    );
    expect(live.state).toBe('closed');
  });

  it('a frozen server behind a live jump host is the server, via the jump host', async () => {
    const live = await connected(['ServerAliveInterval=1', 'ServerAliveCountMax=2']);
    const closed = nextEvent(live, is('session-closed'), 20_000);
    const frozenAt = Date.now();
    thaw = await freeze(target);
    const event = await closed;
    expect(Date.now() - frozenAt).toBeLessThanOrEqual((2 + 1) * 1000 + 1500);
    expect(event.reason).toBe(
      'the server via bastion stopped answering (2 keepalives unanswered, every 1 s)',
    );
  });

  it('a jump host that drops its sessions is named as the hop that dropped, with -o Reconnect too', async () => {
    const live = await connected([]);
    const closed = nextEvent(live, is('session-closed'));
    await killSessions(bastion);
    expect((await closed).reason).toMatch(
      /^the jump host bastion \(127\.0\.0\.1:\d+\): (the server closed the connection|the connection was reset)/,
    );

    session = new Session(
      {...(await throughBastion()), reconnect: true, reconnectDelayMs: {initial: 200, max: 1000}},
      undefined,
    );
    await session.connect();
    const lost = nextEvent(session, is('session-reconnecting'));
    await killSessions(bastion);
    expect((await lost).reason).toMatch(/^the jump host bastion \(127\.0\.0\.1:\d+\): /);
    // The chain is rebuilt: the bastion's listener was never touched.
    await nextEvent(session, is('session-connected'));
  });

  it('a jump host that refuses the connection is told to be fixed with -J host:port, not -p', async () => {
    const closedPort = await freePort();
    session = new Session(await throughBastion([], {port: closedPort}), undefined);
    const error = await session.connect().then(
      () => undefined,
      (caught: Error) => caught,
    );
    expect(error?.message).toBe(
      `the jump host bastion (127.0.0.1:${closedPort}): cannot connect to 127.0.0.1:${closedPort}: connection refused (is sshd running there, and is the port right? set it with -J host:port, or the Port of the jump host's Host block)`,
    );
  });
});

describe('a connection that waits on a channel while the server freezes', () => {
  let sshd: TestSshd;
  let echo: TestServer;
  let session: Session | undefined;
  let thaw: (() => void) | undefined;

  beforeAll(async () => {
    sshd = await startSshd();
    echo = await startEchoServer();
  });
  afterAll(async () => {
    thaw?.();
    await session?.close();
    await Promise.all([sshd?.stop(), echo?.close()]);
  });

  it('is told the SSH connection dropped and why, not that the target is unreachable', async () => {
    session = new Session(
      await testSessionConfig(sshd, ['ServerAliveInterval=1', 'ServerAliveCountMax=2']),
      undefined,
    );
    await session.connect();
    const local = await forwardTo(session, 'local', echo.port);
    thaw = await freeze(sshd);
    const failed = nextEvent(session, is('connection-failed'), 20_000);
    const client = net.connect(local.listeningOn!.port, '127.0.0.1');
    client.on('error', () => {});
    const reason = (await failed).reason;
    client.destroy();
    expect(reason).toBe(
      'the SSH connection dropped before the server answered: the server stopped answering (2 keepalives unanswered, every 1 s)',
    );
  });
});
