import type net from 'node:net';
import type {Client} from 'ssh2';
import {resolveInvocation} from '../../source/config/session-options.js';
import type {TunnelEvent} from '../../source/core/events.js';
import type {Forward} from '../../source/core/forwards/forward.js';
import type {Prompter} from '../../source/core/session/prompter.js';
import {Session, type SessionConfig} from '../../source/core/session/session.js';
import {clientSocket} from '../../source/core/session/ssh2-internals.js';
import type {TestSshd} from './sshd.js';

/** A session config for the test sshd: its key, its known_hosts, no agent, no prompts. */
export async function testSessionConfig(
  sshd: TestSshd,
  options: string[] = [],
  overrides: Partial<SessionConfig> = {},
): Promise<SessionConfig> {
  const {session} = await resolveInvocation({
    destination: sshd.host,
    port: String(sshd.port),
    user: sshd.user,
    identityFiles: [sshd.clientKey],
    configFile: '/dev/null',
    options: [
      `UserKnownHostsFile=${sshd.knownHosts}`,
      'GlobalKnownHostsFile=none',
      'BatchMode=yes',
      ...options,
    ],
    localForwards: [],
    remoteForwards: [],
    dynamicForwards: [],
  });
  return {...session, agentSocket: undefined, ...overrides};
}

export async function connectedSession(
  sshd: TestSshd,
  options: string[] = [],
  overrides: Partial<SessionConfig> = {},
  prompter?: Prompter,
): Promise<Session & {seen: TunnelEvent[]}> {
  const session = new Session(await testSessionConfig(sshd, options, overrides), prompter);
  const seen: TunnelEvent[] = [];
  session.events.on((event) => seen.push(event));
  await session.connect();
  return Object.assign(session, {seen});
}

/** Resolves with the first event that matches, or rejects after `ms`. */
export function nextEvent<T extends TunnelEvent>(
  session: Session,
  match: (event: TunnelEvent) => event is T,
  ms = 10_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching event within ${ms} ms`));
    }, ms);
    const off = session.events.on((event) => {
      if (match(event)) {
        clearTimeout(timer);
        off();
        resolve(event);
      }
    });
  });
}

/** Polls until the condition holds (for state that has no event), bounded in time. */
export async function until(condition: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** -L or -R on a free port (the server's choice for -R) to 127.0.0.1:hostPort, started. */
/**
 * A remote forward binds 127.0.0.1 alone: on "localhost" with port 0, sshd takes the port the kernel gave
 * its first address (often ::1) and silently skips 127.0.0.1 when that port is taken there, so a test that
 * then connects to 127.0.0.1 fails now and then. The default bind has its own tests.
 */
export function forwardTo(session: Session, kind: 'local' | 'remote', hostPort: number): Promise<Forward> {
  const bindAddress = kind === 'remote' ? '127.0.0.1' : undefined;
  return session.addForward({kind, bindAddress, port: 0, host: '127.0.0.1', hostPort});
}

/** The socket a connected session's SSH connection runs on (the session keeps its ssh2 client private). */
export function sshSocketOf(session: Session): net.Socket {
  const client = (session as unknown as {client?: Client}).client;
  const socket = client && clientSocket(client);
  if (!socket) throw new Error('the session has no SSH socket');
  return socket;
}
