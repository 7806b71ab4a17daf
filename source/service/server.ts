/**
 * `tunnels service`: the per-user background process that holds sessions and forwards. It listens on the
 * control socket (runtime.ts), answers each client's commands, sends the events of its sessions to the
 * clients that watch them, and exits after a grace period once it holds no session and no client is
 * connected. Run by the shell commands (client.ts) when no service answers; it logs to its log file.
 */
import net from 'node:net';
import {eventText} from '../core/event-text.js';
import {tokenFile, tokenMatches, writeToken} from './peer-token.js';
import {PromptRelay} from './prompt-relay.js';
import {
  checkHello,
  encode,
  hello,
  LineReader,
  parseRequest,
  type Request,
  type Result,
  type ServerMessage,
  type SessionEvent,
} from './protocol.js';
import {
  ensurePrivateDirectory,
  LogFile,
  listenExclusively,
  RuntimeError,
  removeHeldSessions,
  runtimeDirectory,
  socketPath,
  writeHeldSessions,
} from './runtime.js';
import {type Outcome, SessionTable} from './sessions.js';

/** What may wait unread for one client before it is disconnected. */
const MAX_UNREAD_BYTES = 8 * 1024 * 1024;

/** How long the service stays with nothing to hold and nobody connected. */
const DEFAULT_GRACE_MS = 10_000;

/** One connected client: its hello first, then commands; the events it watches. */
class ClientConnection {
  private readonly reader = new LineReader();
  private greeted = false;
  private unwatch: (() => void) | undefined;
  /** The prompts of the sessions this client brings up with prompts. */
  readonly prompts = new PromptRelay(
    (message) => this.send(message),
    () => !this.socket.destroyed,
  );

  constructor(
    readonly socket: net.Socket,
    private readonly service: Service,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.read(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.unwatch?.();
      this.prompts.cancelAll();
      service.disconnected(this);
    });
    this.send(hello());
  }

  send(message: ServerMessage): void {
    if (this.socket.destroyed) return;
    // A client that does not read (a stopped pager behind logs -f) must not make the service hold
    // every event for it: past the bound it is let go.
    if (this.socket.writableLength > MAX_UNREAD_BYTES) {
      this.service.log.append('a client that does not read its events was disconnected');
      this.socket.destroy();
      return;
    }
    this.socket.write(encode(message));
  }

  /** A protocol error: said (as a result with id 0), and the connection closed. */
  refuse(error: string, logLine = `a client was refused: ${error}`): void {
    this.service.log.append(logLine);
    this.send({id: 0, ok: false, error});
    this.socket.end();
    this.socket.destroySoon();
  }

  watch(name: string | undefined, replay: boolean): void {
    this.unwatch?.();
    if (replay) for (const event of this.service.sessions.recent(name) as SessionEvent[]) this.send(event);
    this.unwatch = this.service.sessions.events.on((event) => {
      if (name === undefined || event.session === name) this.send(event);
    });
  }

  private read(chunk: string): void {
    const lines = this.reader.push(chunk);
    if ('error' in lines) {
      this.refuse(lines.error);
      return;
    }
    for (const line of lines) {
      if (this.socket.writableEnded) return;
      if (!this.greeted) {
        const answer = checkHello(line, 'client');
        if ('error' in answer) {
          this.refuse(answer.error);
          return;
        }
        if (!tokenMatches(this.service.token, answer.token)) {
          this.refuse(
            `this tunnels service is uid ${process.getuid?.()}'s: a client shows the token in ${this.service.tokenFile}, which only that user can read; each user runs their own service`,
            "a client was refused: it did not show the service's token (a process of another user, or not a tunnels client)",
          );
          return;
        }
        this.greeted = true;
        continue;
      }
      const request = parseRequest(line);
      if ('error' in request) {
        this.refuse(request.error);
        return;
      }
      this.service.run(this, request).then(
        (result) => this.send(result),
        (error: Error) =>
          this.send({id: request.id, ok: false, error: `the service failed: ${error.message}`}),
      );
    }
  }
}

class Service {
  readonly sessions = new SessionTable();
  private readonly clients = new Set<ClientConnection>();
  private readonly server = net.createServer((socket) => this.connected(socket));
  private graceTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  /** What a client must show in its hello (peer-token.ts); written when the service listens. */
  token = '';
  tokenFile = '';
  readonly stopped: Promise<void>;
  private resolveStopped!: () => void;

  constructor(
    readonly log: LogFile,
    private readonly graceMs: number,
  ) {
    this.stopped = new Promise((resolve) => {
      this.resolveStopped = resolve;
    });
    this.sessions.onChange = () => {
      writeHeldSessions(this.sessions.names());
      this.idleCheck();
    };
    this.sessions.events.on(({session, event}) => {
      const text = eventText(event);
      if (text !== undefined) log.append(`${session}: ${text}`);
    });
  }

  async listen(file: string): Promise<boolean> {
    if (!(await listenExclusively(this.server, file))) return false;
    // Written before any connection is served (no await between): each sees this service's token.
    this.tokenFile = tokenFile(runtimeDirectory());
    this.token = writeToken(this.tokenFile);
    this.log.append(`service ${process.pid} listening on ${file}`);
    writeHeldSessions([]);
    this.idleCheck();
    return true;
  }

  connected(socket: net.Socket): void {
    this.clients.add(new ClientConnection(socket, this));
    this.idleCheck();
  }

  disconnected(client: ClientConnection): void {
    this.clients.delete(client);
    this.idleCheck();
  }

  async run(client: ClientConnection, request: Request): Promise<Result> {
    const {id} = request;
    const done = (outcome: Outcome): Result =>
      outcome.ok
        ? {id, ok: true}
        : {id, ok: false, error: outcome.error, ...(outcome.told ? {told: true} : {})};
    switch (request.command) {
      case 'ls':
        return {id, ok: true, sessions: this.sessions.list()};
      case 'up':
        return done(
          await this.sessions.up(
            request.name,
            request.origin,
            request.prompts === true ? client.prompts.prompterFor(request.name) : undefined,
            request.agent,
          ),
        );
      case 'answer':
        return client.prompts.answer(request.prompt, request.answer)
          ? {id, ok: true}
          : {id, ok: false, error: `no prompt ${request.prompt} waits for an answer`};
      case 'down':
        return done(await this.sessions.down(request.name));
      case 'add':
        return done(await this.sessions.add(request.name, request.forward));
      case 'rm':
        return done(await this.sessions.rm(request.name, request.forward));
      case 'reconnect':
        return done(this.sessions.reconnect(request.name));
      case 'retry':
        return done(await this.sessions.retry(request.name, request.forward));
      case 'logs': {
        const recent = this.sessions.recent(request.name);
        return Array.isArray(recent) ? {id, ok: true, events: recent} : done(recent);
      }
      case 'watch': {
        // Lines asked for of a name the service does not hold: an error, unless it ended and they are kept.
        // (Without them, a name is watched before it comes up: `up` streams its session's events so.)
        const recent = request.name !== undefined && request.replay ? this.sessions.recent(request.name) : [];
        if (!Array.isArray(recent)) return done(recent);
        client.watch(request.name, request.replay === true);
        return {id, ok: true};
      }
      case 'stop':
        // Answered first: the one who asked hears it before the connection goes.
        setImmediate(() => void this.stop('asked to stop (tunnels stop)'));
        return {id, ok: true};
    }
  }

  async stop(why: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearTimeout(this.graceTimer);
    this.log.append(`stopping: ${why}`);
    await this.sessions.closeAll();
    this.server.close();
    removeHeldSessions();
    for (const client of this.clients) client.socket.end();
    this.resolveStopped();
  }

  /** With nothing held and nobody connected, the service goes after its grace period. */
  private idleCheck(): void {
    clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    if (this.stopping || this.sessions.size > 0 || this.clients.size > 0) return;
    this.graceTimer = setTimeout(() => void this.stop('nothing to hold and nobody connected'), this.graceMs);
  }
}

/** Runs the service until it stops; the exit status. */
export async function runService(): Promise<number> {
  const log = new LogFile();
  try {
    ensurePrivateDirectory(runtimeDirectory());
  } catch (error) {
    if (!(error instanceof RuntimeError)) throw error;
    // The commands check the directory before they start a service: they have said why already.
    log.append(`cannot start: ${error.message}`);
    return 1;
  }
  const grace = Number(process.env.TUNNELS_SERVICE_GRACE_MS);
  const service = new Service(log, Number.isFinite(grace) && grace >= 0 ? grace : DEFAULT_GRACE_MS);
  if (!(await service.listen(socketPath()))) {
    log.append(`service ${process.pid}: another service answers on ${socketPath()}; this one exits`);
    return 0;
  }
  const onSignal = (signal: string) => void service.stop(`${signal}`);
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  // A terminal that closes does not end the service: it was started detached, but be sure.
  process.on('SIGHUP', () => {});
  await service.stopped;
  log.append(`service ${process.pid} stopped`);
  log.close();
  return 0;
}
