/**
 * A connection to the service, for the shell commands: connects to the control socket (starting the
 * service when none answers, if asked), says hello, sends commands and hands over the events it watches.
 */
import {spawn} from 'node:child_process';
import net from 'node:net';
import {homeDirectory} from '../text/home-path.js';
import {readToken, tokenFile} from './peer-token.js';
import {
  type Command,
  checkHello,
  encode,
  hello,
  type InformMessage,
  LineReader,
  type PromptMessage,
  parseServerMessage,
  type Result,
  type SessionEvent,
} from './protocol.js';
import {
  ensurePrivateDirectory,
  type HeldSession,
  LogFile,
  readHeldSessions,
  runtimeDirectory,
  socketPath,
} from './runtime.js';

/** How long a started service has to answer. */
const START_TIMEOUT_MS = 10_000;

export class ServiceError extends Error {}

/** Nothing answers on the control socket, and the command did not ask to start the service. */
export class NoServiceError extends ServiceError {}

function connectOnce(file: string): Promise<net.Socket | NodeJS.ErrnoException> {
  return new Promise((resolve) => {
    const socket = net.connect(file);
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error));
  });
}

/** Starts `tunnels service` in the background, its output to the log file; it outlives this process. */
function startService(): void {
  const log = new LogFile();
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, 'service'], {
    detached: true,
    stdio: ['ignore', log.descriptor, log.descriptor],
    cwd: homeDirectory(),
  });
  child.unref();
  log.close();
}

export class ServiceClient {
  private readonly reader = new LineReader();
  private nextId = 1;
  private readonly waiting = new Map<number, (result: Result) => void>();
  private readonly eventListeners = new Set<(event: SessionEvent) => void>();
  private promptListener: (message: PromptMessage | InformMessage) => void = () => {};
  private greeted: (error?: string) => void = () => {};
  /** Settles when the service has closed the connection. */
  readonly closed: Promise<void>;

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.read(chunk));
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
    void this.closed.then(() => {
      for (const [id, resolve] of this.waiting)
        resolve({id, ok: false, error: 'the service closed the connection; see its log (tunnels logs)'});
      this.waiting.clear();
      this.greeted('the service closed the connection before saying hello');
    });
  }

  /**
   * Connects to the user's service. `start`: if none answers, start one and wait for it. Throws a
   * ServiceError that says what to do when there is none (and `start` is false) or it cannot be reached.
   */
  static async connect(options: {
    start: boolean;
    /** A socket nothing answers on: a service died without stopping, holding these sessions. */
    onStale?: (lost: HeldSession[]) => void;
  }): Promise<ServiceClient> {
    try {
      ensurePrivateDirectory(runtimeDirectory());
    } catch (error) {
      throw new ServiceError((error as Error).message);
    }
    const file = socketPath();
    let socket = await connectOnce(file);
    if (!(socket instanceof net.Socket) && socket.code === 'ECONNREFUSED')
      options.onStale?.(readHeldSessions());
    if (
      !(socket instanceof net.Socket) &&
      options.start &&
      ['ENOENT', 'ECONNREFUSED'].includes(socket.code ?? '')
    ) {
      startService();
      const deadline = Date.now() + START_TIMEOUT_MS;
      while (!(socket instanceof net.Socket) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        socket = await connectOnce(file);
      }
    }
    if (!(socket instanceof net.Socket)) {
      const code = socket.code ?? '';
      if (['ENOENT', 'ECONNREFUSED'].includes(code) && !options.start)
        throw new NoServiceError('no service is running (tunnels up starts one)');
      if (code === 'EACCES')
        throw new ServiceError(
          `permission denied on ${file}: it is not yours; check who made ${runtimeDirectory()}`,
        );
      throw new ServiceError(
        `cannot reach the service at ${file}: ${socket.message}; see its log in ${new LogFile().file}`,
      );
    }
    const client = new ServiceClient(socket);
    const error = await new Promise<string | undefined>((resolve) => {
      client.greeted = resolve;
    });
    // Read after the service's hello: by then it has written its token.
    const token = error === undefined ? readToken(tokenFile(runtimeDirectory())) : {error};
    if (typeof token !== 'string') {
      socket.destroy();
      throw new ServiceError(token.error);
    }
    socket.write(encode({...hello(), token}));
    return client;
  }

  request(command: Command): Promise<Result> {
    const id = this.nextId++;
    // A session is brought up with this command's agent, as ssh run here would use it: the service's
    // own is that of whichever command started it, maybe a login since gone.
    const sent =
      command.command === 'up' && command.agent === undefined
        ? {...command, agent: process.env.SSH_AUTH_SOCK ?? ''}
        : command;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.socket.write(encode({...sent, id}));
    });
  }

  /** The prompts (and messages) of a session this client brings up with prompts. */
  onPrompt(listener: (message: PromptMessage | InformMessage) => void): void {
    this.promptListener = listener;
  }

  /** Answers a prompt (undefined: the person cancelled); not waited for. */
  answer(prompt: number, answer: string | undefined): void {
    void this.request({command: 'answer', prompt, ...(answer !== undefined ? {answer} : {})});
  }

  onEvent(listener: (event: SessionEvent) => void): void {
    this.eventListeners.add(listener);
  }

  close(): void {
    this.socket.end();
  }

  private read(chunk: string): void {
    const lines = this.reader.push(chunk);
    if ('error' in lines) {
      this.fail(lines.error);
      return;
    }
    for (const line of lines) {
      const message = parseServerMessage(line);
      if ('error' in message && !('id' in message)) {
        this.fail(message.error);
        return;
      }
      if ('hello' in message) {
        const answer = checkHello(line, 'service');
        if ('error' in answer) {
          this.fail(answer.error);
          return;
        }
        this.greeted();
      } else if ('id' in message) {
        const resolve = this.waiting.get(message.id);
        this.waiting.delete(message.id);
        resolve?.(message);
        // Id 0: the service refused the connection itself; whoever waits hears why.
        if (message.id === 0 && !message.ok) this.fail(message.error);
      } else if ('prompt' in message || 'inform' in message) {
        this.promptListener(message);
      } else {
        for (const listener of this.eventListeners) listener(message);
      }
    }
  }

  private fail(error: string): void {
    for (const [id, resolve] of this.waiting) resolve({id, ok: false, error});
    this.waiting.clear();
    this.greeted(error);
    this.socket.destroy();
  }
}
