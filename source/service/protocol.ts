/**
 * The service's protocol: newline-delimited JSON over a unix stream socket. Each side says hello with
 * the protocol version first; then the client sends commands, each with an id, and the service answers
 * each with a result (ok, or an error sentence that says what to do), and sends the events of its
 * sessions to the clients that watch them. An event is core's TunnelEvent as it is, tagged with the
 * session's name, so a client can fold or print it exactly as it would an in-process one.
 * Pure: text in, messages out; the sockets are server.ts's and client.ts's.
 */
import type {CommandLineOptions} from '../config/command-line.js';
import type {TunnelEvent} from '../core/events.js';

/**
 * 2: the commands reconnect and retry (an attached UI's R), and each event's time. A service of version 1
 * would close the connection at an unknown command: the hello says so first, with what to do.
 */
export const PROTOCOL_VERSION = 2;
/** A line longer than this is not ours: the connection is closed rather than buffered without end. */
export const MAX_LINE_BYTES = 1024 * 1024;

export interface Hello {
  hello: 'tunnels';
  version: number;
  /** A client's: the token the service wrote to its token file (peer-token.ts), which proves its user. */
  token?: string;
}

/** One session as `tunnels ls` shows it. */
export interface SessionSummary {
  name: string;
  /** "user@host:port" (and "via ..."). */
  destination: string;
  state: string;
  /** While reconnecting: why the connection dropped, and when it is tried again (epoch ms). */
  reason?: string;
  retryAt?: number;
  forwards: ForwardSummary[];
}

export interface ForwardSummary {
  id: string;
  /** "-L 8080:db:5432" */
  label: string;
  state: string;
  failure?: string;
  /** Where it listens ("127.0.0.1:8080", a socket's path), once listening. */
  listening?: string;
  openConnections: number;
  totalConnections: number;
  bytesIn: number;
  bytesOut: number;
}

export type Command =
  | {command: 'ls'}
  /**
   * origin: the command line (a favorite's already merged in); favorite: it came from @NAME (told, no
   * longer acted on: every session of the service reconnects unless -o Reconnect=no).
   */
  /**
   * prompts: this client answers the session's prompts (host key, password, passphrase) while it comes
   * up (`tunnels -f` on a terminal); without it the session runs as with BatchMode.
   */
  | {
      command: 'up';
      name: string;
      origin: CommandLineOptions;
      favorite: boolean;
      prompts?: boolean;
      /** The SSH_AUTH_SOCK of the command that asked ('' for none); absent: the service's own. */
      agent?: string;
    }
  /** The answer to a prompt the service sent this client; without `answer` the person cancelled. */
  | {command: 'answer'; prompt: number; answer?: string}
  | {command: 'down'; name: string}
  /** forward: "-L 8080:db:5432" */
  | {command: 'add'; name: string; forward: string}
  | {command: 'rm'; name: string; forward: string}
  /** A reconnecting session tries now, without the rest of its wait (the UI's R). */
  | {command: 'reconnect'; name: string}
  /** A failed forward started again with the same spec, under the same id (the UI's R). */
  | {command: 'retry'; name: string; forward: string}
  /** The recent events of each session (or of one). */
  | {command: 'logs'; name?: string}
  /** From now on, the events of every session (or of one) come to this connection; replay: recent first. */
  | {command: 'watch'; name?: string; replay?: boolean}
  | {command: 'stop'};

export type Request = Command & {id: number};

/** An event of one session, as sent to watchers and kept for `logs`. */
export interface SessionEvent {
  session: string;
  event: TunnelEvent;
  /** When the service saw it (epoch ms): an attached UI's log says when it happened, not when it attached. */
  time?: number;
}

/** Id 0 answers no command: the service refuses the connection itself (garbage, another version), then closes it. */
export type Result =
  | {id: number; ok: true; sessions?: SessionSummary[]; events?: SessionEvent[]}
  /** told: the session's own events already said why (as the headless run prints them). */
  | {id: number; ok: false; error: string; told?: boolean};

/** A question of a session coming up, for the client that asked for it with prompts (answered by id). */
export interface PromptMessage {
  prompt: number;
  session: string;
  text: string;
  secret: boolean;
  /** A question asked again: what it is about, shown before it again (the host and its fingerprint). */
  shownBefore?: string;
}

/** Something to tell that person while prompts run ("Permission denied, please try again."). */
export interface InformMessage {
  inform: string;
  session: string;
}

export type ServerMessage = Hello | Result | SessionEvent | PromptMessage | InformMessage;
export type ClientMessage = Hello | Request;

const COMMANDS = new Set<Command['command']>([
  'ls',
  'up',
  'down',
  'add',
  'rm',
  'logs',
  'watch',
  'stop',
  'answer',
  'reconnect',
  'retry',
]);

export function encode(message: ServerMessage | ClientMessage): string {
  return `${JSON.stringify(message)}\n`;
}

export const hello = (): Hello => ({hello: 'tunnels', version: PROTOCOL_VERSION});

/**
 * Splits a byte stream into lines. A line over MAX_LINE_BYTES (or a buffer that grows past it without a
 * newline) is an error: the caller closes the connection.
 */
export class LineReader {
  private pending = '';

  /** The complete lines in `chunk` (with what came before), or an error sentence. */
  push(chunk: string): string[] | {error: string} {
    this.pending += chunk;
    const lines = this.pending.split('\n');
    this.pending = lines.pop() ?? '';
    if (this.pending.length > MAX_LINE_BYTES || lines.some((line) => line.length > MAX_LINE_BYTES))
      return {error: `a line longer than ${MAX_LINE_BYTES} bytes is not a tunnels message`};
    return lines.filter((line) => line.trim() !== '');
  }
}

/** The line's JSON object, or why it is not one (a string). */
function parseObject(line: string): Record<string, unknown> | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not a tunnels message (expected one JSON object per line)';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'not a tunnels message (expected a JSON object per line)';
  return value as Record<string, unknown>;
}

/** Checks the other side's hello; an error sentence when it is not one, or of another version. */
export function checkHello(line: string, peer: 'service' | 'client'): Hello | {error: string} {
  const value = parseObject(line);
  if (typeof value === 'string') return {error: `${value}; is this a tunnels ${peer}?`};
  if (value.hello !== 'tunnels' || typeof value.version !== 'number')
    return {error: `the ${peer} did not say hello as tunnels does; is this a tunnels ${peer}?`};
  if (value.version !== PROTOCOL_VERSION) {
    const fix =
      peer === 'service'
        ? 'stop it (tunnels stop) so that this version starts its own'
        : 'run the same version of tunnels as the service, or stop the service (tunnels stop)';
    return {
      error: `the ${peer} speaks protocol version ${value.version}, this tunnels speaks ${PROTOCOL_VERSION}; ${fix}`,
    };
  }
  return {
    hello: 'tunnels',
    version: value.version,
    ...(typeof value.token === 'string' ? {token: value.token} : {}),
  };
}

const isString = (value: unknown): value is string => typeof value === 'string' && value !== '';

/** The command line's lists (CommandLineOptions): each of strings. */
const ORIGIN_LISTS = [
  'identityFiles',
  'options',
  'localForwards',
  'remoteForwards',
  'dynamicForwards',
] as const;
const ORIGIN_TEXTS = ['port', 'user', 'configFile', 'cipher', 'jumpHost'] as const;
const ORIGIN_SWITCHES = ['forwardAgent', 'forwardX11', 'configForwards'] as const;

/** What in an up's command line is not of its type (another client's, not tunnels'); undefined if all is. */
function originProblem(origin: Record<string, unknown>): string | undefined {
  const strings = (list: unknown) => Array.isArray(list) && list.every((item) => typeof item === 'string');
  for (const list of ORIGIN_LISTS)
    if (origin[list] !== undefined && !strings(origin[list])) return `${list} is a list of strings`;
  for (const text of ORIGIN_TEXTS)
    if (origin[text] !== undefined && typeof origin[text] !== 'string') return `${text} is a string`;
  for (const yesNo of ORIGIN_SWITCHES)
    if (origin[yesNo] !== undefined && typeof origin[yesNo] !== 'boolean') return `${yesNo} is true or false`;
  const {sequence} = origin;
  const word = (item: unknown) =>
    typeof item === 'object' &&
    item !== null &&
    typeof (item as {flag?: unknown}).flag === 'string' &&
    ['string', 'undefined'].includes(typeof (item as {value?: unknown}).value);
  if (sequence !== undefined && !(Array.isArray(sequence) && sequence.every(word)))
    return 'sequence is a list of {"flag": ..., "value": ...}';
  return undefined;
}

/** A client's command line, checked; an error sentence (the connection is closed) when it is not one. */
export function parseRequest(line: string): Request | {error: string} {
  const value = parseObject(line);
  if (typeof value === 'string') return {error: `${value}; is this a tunnels client?`};
  const {id, command} = value;
  if (typeof id !== 'number' || !Number.isSafeInteger(id))
    return {error: 'a command needs a numeric id; is this a tunnels client?'};
  if (typeof command !== 'string' || !COMMANDS.has(command as Command['command']))
    return {error: `unknown command ${JSON.stringify(command)}; see tunnels --help`};
  const needsName = ['up', 'down', 'add', 'rm', 'reconnect', 'retry'].includes(command);
  if (needsName && !isString(value.name)) return {error: `${command} needs a session name`};
  if ((command === 'add' || command === 'rm' || command === 'retry') && !isString(value.forward))
    return {error: `${command} needs a forward, e.g. -L 8080:db:5432`};
  if (command === 'up') {
    const origin = value.origin as Record<string, unknown> | undefined;
    if (typeof origin !== 'object' || origin === null || !isString(origin.destination))
      return {error: 'up needs a destination'};
    const problem = originProblem(origin);
    if (problem) return {error: `up's origin: ${problem}`};
    if ('agent' in value && typeof value.agent !== 'string')
      return {error: "up's agent is the path of an agent's socket, or '' for none"};
  }
  if (
    command === 'answer' &&
    (typeof value.prompt !== 'number' || ('answer' in value && typeof value.answer !== 'string'))
  )
    return {error: 'answer needs the number of a prompt and a string'};
  if ('name' in value && value.name !== undefined && !isString(value.name))
    return {error: 'a session name is a non-empty string'};
  return value as unknown as Request;
}

/** A line from the service: its hello, a result or an event; an error sentence when it is none. */
export function parseServerMessage(line: string): ServerMessage | {error: string} {
  const value = parseObject(line);
  if (typeof value === 'string') return {error: `${value}; stop the service (tunnels stop)`};
  if ('hello' in value) return value as unknown as Hello;
  if (typeof value.prompt === 'number' && typeof value.text === 'string' && isString(value.session))
    return {
      prompt: value.prompt,
      session: value.session,
      text: value.text,
      secret: value.secret === true,
      ...(typeof value.shownBefore === 'string' ? {shownBefore: value.shownBefore} : {}),
    };
  if (typeof value.inform === 'string' && isString(value.session))
    return {inform: value.inform, session: value.session};
  if (typeof value.id === 'number' && typeof value.ok === 'boolean') return value as unknown as Result;
  if (isString(value.session) && typeof value.event === 'object' && value.event !== null)
    return value as unknown as SessionEvent;
  return {error: 'the service sent something that is not a tunnels message; stop it (tunnels stop)'};
}
