import {SessionError} from './messages.js';
import {notSshMessage} from './ssh-greeting.js';
import type {Transport} from './transport.js';

/** What a handshake knows of the server's first words (see watchGreeting). */
interface Greeting {
  received(): Buffer;
}

/**
 * One handshake on its way: whether it is over, and the words it fails with, which name the cause
 * best known (a server that is not SSH, a ProxyCommand that exited, a refused host key) over the
 * library's.
 */
export class HandshakeAttempt {
  settled = false;
  established = false;
  /** The connection was made (ssh2's 'connect'): a failure from here on may be a server that is not SSH. */
  reached = false;
  hostKeyRefusal: string | undefined;
  readonly where: string;
  private readonly connectTimer: NodeJS.Timeout;

  constructor(
    config: {host: string; port: number; connectTimeoutMs: number},
    private readonly greeting: Greeting,
    private readonly transport: Transport | undefined,
    private readonly reject: (error: SessionError) => void,
    onTimeout: () => void,
  ) {
    this.where = `${config.host}:${config.port}`;
    // Our own timer: ssh2's readyTimeout would also run while a person types a password.
    this.connectTimer = setTimeout(() => {
      this.fail(
        this.notSsh('timeout') ??
          new SessionError(
            `timed out after ${config.connectTimeoutMs / 1000} s connecting to ${this.where} (no answer to the SSH handshake); check the host and port, or raise ConnectTimeout`,
            'timeout',
          ),
      );
      onTimeout();
    }, config.connectTimeoutMs);
  }

  /** The server answered the key exchange: the rest may wait on a person. */
  stopTimer(): void {
    clearTimeout(this.connectTimer);
  }

  /** Said instead of the library's words when what the server sent shows it is not an SSH server. */
  notSsh(ended: 'closed' | 'timeout'): SessionError | undefined {
    if (!this.reached || this.hostKeyRefusal) return undefined;
    const message = notSshMessage(this.where, this.greeting.received(), ended);
    return message ? new SessionError(message, 'protocol') : undefined;
  }

  fail(error: SessionError): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.connectTimer);
    this.transport?.close();
    this.reject(error);
  }

  /** The transport's own account (a ProxyCommand that exited) says more than the broken pipe it left. */
  async transportFailure(fallback: SessionError): Promise<void> {
    // A server that answered in another protocol is the cause, whatever its ProxyCommand did after.
    if (this.greeting.received().length > 0 && this.notSsh('closed')) {
      this.fail(fallback);
      return;
    }
    const ended = await this.transport?.ended();
    // What the server said may have been read while the transport's end was waited for.
    const answered = this.greeting.received().length > 0 ? this.notSsh('closed') : undefined;
    this.fail(
      answered ??
        (ended
          ? new SessionError(`${ended}, before the SSH handshake with ${this.where}`, 'connect')
          : fallback),
    );
  }
}
