import {rm} from 'node:fs/promises';
import {afterAll, beforeAll} from 'vitest';
import {connectedSession} from './session.js';
import {homeWithHost, startSshd, type TestSshd} from './sshd.js';
import {startEchoServer, type TestServer} from './targets.js';

/** What connectedSession() gives: a connected Session and the events it has emitted. */
export type ConnectedSession = Awaited<ReturnType<typeof connectedSession>>;

export interface SshdAndEcho {
  readonly sshd: TestSshd;
  readonly echo: TestServer;
  /** Connected to `sshd`; only with `{session: true}`. */
  readonly session: ConnectedSession;
}

/**
 * A real sshd and an echo target for the tests of one describe block (and a session to the sshd when
 * asked), stopped after them. Call at the top of the describe: vitest runs its beforeAll before the
 * block's own, and its afterAll after theirs.
 */
export function useSshdAndEcho(options: {session?: boolean} = {}): SshdAndEcho {
  let sshd: TestSshd | undefined;
  let echo: TestServer | undefined;
  let session: ConnectedSession | undefined;
  beforeAll(async () => {
    sshd = await startSshd();
    echo = await startEchoServer();
    if (options.session) session = await connectedSession(sshd);
  });
  afterAll(async () => {
    // Any of them may be missing when a start failed.
    await session?.close();
    await echo?.close();
    await sshd?.stop();
  });
  // Read at collection time (outside a test or hook), they would not exist yet: say so, not "undefined".
  const started = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) throw new Error(`useSshdAndEcho(): ${name} is read before its beforeAll ran`);
    return value;
  };
  return {
    get sshd() {
      return started(sshd, 'sshd');
    },
    get echo() {
      return started(echo, 'echo');
    },
    get session() {
      if (!options.session) throw new Error('useSshdAndEcho(): no session was asked for ({session: true})');
      return started(session, 'session');
    },
  };
}

/**
 * A temporary HOME whose ~/.ssh/config has Host box for the fixture's sshd (homeWithHost), made before the
 * file's tests and removed after them; the function gives its path.
 */
export function useHomeWithHost(fixture: {sshd: TestSshd}): () => string {
  let home = '';
  beforeAll(async () => {
    home = await homeWithHost(fixture.sshd);
  });
  afterAll(async () => {
    if (home) await rm(home, {recursive: true, force: true});
  });
  return () => home;
}
