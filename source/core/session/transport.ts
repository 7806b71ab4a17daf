import {spawn} from 'node:child_process';
import readline from 'node:readline';
import {Duplex, type Readable, type Writable} from 'node:stream';
import type {ClientChannel} from 'ssh2';
import {SessionError} from './messages.js';
import type {SessionConfig, SessionState} from './session-config.js';

/** What a connection runs on when it is not a plain TCP socket, and how to end it. */
export interface Transport {
  sock: Duplex;
  close(): void;
  /**
   * Why the transport ended before the handshake did, if it knows: a ProxyCommand's exit status, waited
   * for a moment (its stdin's EPIPE may come first).
   */
  ended(): Promise<string | undefined>;
  /** The jump host whose own connection ended under this one, and why ("the jump host bastion (…): …"). */
  droppedHop?(): string | undefined;
  /** The jump host, named, when it has not answered its own keepalives lately (it froze, not the server). */
  silentHop?(): string | undefined;
}

/** The jump host's session, as the connection through it uses it. */
export interface JumpHost {
  readonly state: SessionState;
  /** Why its connection ended, once it has. */
  readonly failure: string | undefined;
  openAsHop(reconnecting: boolean): Promise<void>;
  openDirect(host: string, port: number): Promise<ClientChannel>;
  /** Sends a keepalive on the jump host's own connection; false when it cannot. */
  ping(answered: () => void): boolean;
  close(): Promise<void>;
}

/**
 * Connects the jump host `hop` (named by `hopConfig`) and opens a direct-tcpip channel from it to
 * `config`'s host. A jump host's failure is named after the hop.
 */
export async function openJumpTransport(
  hop: JumpHost,
  hopConfig: SessionConfig,
  config: SessionConfig,
  reconnecting: boolean,
): Promise<Transport> {
  const name = `the jump host ${hopName(hopConfig)}`;
  try {
    await hop.openAsHop(reconnecting || config.batchMode);
  } catch (error) {
    const message = (error as Error).message;
    const level = error instanceof SessionError ? error.level : 'protocol';
    throw new SessionError(message.startsWith('the jump host ') ? message : `${name}: ${message}`, level);
  }
  let channel: ClientChannel;
  let timer: NodeJS.Timeout | undefined;
  try {
    // The bastion's own connect may wait minutes on a host that drops packets: ConnectTimeout bounds it.
    channel = await Promise.race([
      hop.openDirect(config.host, config.port),
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new SessionError(
                `${name}: no channel to ${config.host}:${config.port} after ${config.connectTimeoutMs / 1000} s; check the host and port, or raise ConnectTimeout`,
                'timeout',
              ),
            ),
          config.connectTimeoutMs,
        );
      }),
    ]);
  } catch (error) {
    void hop.close();
    if (error instanceof SessionError) throw error;
    throw new SessionError(`${name}: ${(error as Error).message}`, 'connect');
  } finally {
    clearTimeout(timer);
  }
  // ssh2 ends a connection by destroying its socket and waiting for the socket's 'close'. A channel's comes
  // only with the jump host's answer to our CLOSE, which a frozen jump host never sends: the connection
  // would outlive its own keepalives by the jump host's (a minute by default), refusing every new channel
  // meanwhile. The channel in a stream of our own closes at once.
  const sock = commandStream(channel, channel);
  channel.once('close', () => sock.destroy());
  const probes = probeHop(hop, config.serverAliveIntervalMs);
  return {
    sock,
    close: () => {
      probes.stop();
      sock.destroy();
      void hop.close();
    },
    ended: async () => (hop.state === 'connected' ? undefined : `${name} closed`),
    droppedHop: () =>
      hop.state === 'connected' || hop.state === 'connecting'
        ? undefined
        : `${name}: ${hop.failure ?? 'the connection closed'}`,
    silentHop: () => (probes.silent() ? name : undefined),
  };
}

/**
 * Keepalives on the jump host's own connection, as often as the destination's: when the destination's go
 * unanswered, these tell whether the jump host froze too (a probe it left unanswered for an interval or
 * more; it answers in a round trip otherwise) or only the server behind it did.
 */
function probeHop(hop: JumpHost, intervalMs: number): {silent(): boolean; stop(): void} {
  if (intervalMs <= 0) return {silent: () => false, stop: () => {}};
  // When each unanswered probe was sent, oldest first (answers come in order).
  const unanswered: number[] = [];
  const timer = setInterval(() => {
    if (hop.state !== 'connected') return;
    const sentAt = performance.now();
    if (hop.ping(() => unanswered.shift())) unanswered.push(sentAt);
  }, intervalMs);
  timer.unref();
  return {
    silent: () => unanswered.length > 0 && performance.now() - unanswered[0]! >= intervalMs,
    stop: () => clearInterval(timer),
  };
}

/** The ProxyCommand as ssh runs it (`exec` in /bin/sh -c); its stderr lines go to `warn`. */
export function runProxyCommand(command: string, warn: (message: string) => void): Transport {
  const child = spawn('/bin/sh', ['-c', `exec ${command}`], {stdio: ['pipe', 'pipe', 'pipe']});
  let exit: string | undefined;
  child.on('error', (error) => {
    exit = `the ProxyCommand (${command}) could not start: ${error.message}`;
  });
  const exited = new Promise<void>((resolve) => {
    child.once('error', () => resolve());
    child.once('exit', (code, signal) => {
      exit = `the ProxyCommand (${command}) exited ${signal ? `on ${signal}` : `with status ${code}`}`;
      resolve();
    });
  });
  readline.createInterface({input: child.stderr}).on('line', (line) => warn(`ProxyCommand: ${line}`));
  const sock = commandStream(child.stdout, child.stdin);
  return {
    sock,
    close: () => {
      sock.destroy();
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(child.pid, 'SIGTERM');
        } catch {
          // Gone already.
        }
      }
    },
    ended: async () => {
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
      return exit;
    },
  };
}

/**
 * A command's stdout and stdin (or a jump host's channel, as both) as the one stream ssh2 runs on. Not
 * Duplex.from: there an error writing to stdin (EPIPE: the command exited, perhaps right after answering)
 * destroyed the whole stream, and what the command had written but ssh2 not yet read went with it, so a
 * target that answered in another protocol could not be named. Here the read side runs to the command's
 * EOF whatever became of its stdin, as ssh reads it; what is written after stdin broke is dropped (the
 * connection ends with the command's output). Destroying it ends it at once, whatever the two sides do.
 */
function commandStream(stdout: Readable, stdin: Writable): Duplex {
  let stdinBroken = false;
  stdin.on('error', () => {
    stdinBroken = true;
  });
  const stream = new Duplex({
    read() {
      stdout.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      if (stdinBroken || stdin.destroyed || stdin.write(chunk)) {
        callback();
        return;
      }
      const done = () => {
        stdin.off('drain', done);
        stdin.off('close', done);
        callback();
      };
      stdin.on('drain', done);
      stdin.on('close', done);
    },
    final(callback) {
      if (!stdinBroken && !stdin.destroyed) stdin.end();
      callback();
    },
    destroy(error, callback) {
      stdout.destroy();
      stdin.destroy();
      callback(error);
    },
  });
  stdout.on('data', (chunk: Buffer) => {
    if (!stream.push(chunk)) stdout.pause();
  });
  stdout.on('end', () => stream.push(null));
  stdout.on('error', (error) => stream.destroy(error));
  return stream;
}

/** A jump host as the user named it, and where it is: "bastion (10.0.0.1:22)". */
function hopName(config: SessionConfig): string {
  const where = `${config.host}:${config.port}`;
  return config.name && config.name !== config.host ? `${config.name} (${where})` : where;
}
