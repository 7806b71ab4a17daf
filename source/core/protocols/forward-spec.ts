/**
 * Forward specifications as `ssh -L/-R/-D` and ssh_config's LocalForward/RemoteForward/DynamicForward
 * read them (OpenSSH's parse_forward, hpdelim2 and a2port), plus a Tectia-style `ftp/` prefix for
 * local forwards. Pure: no IO.
 *
 * As in OpenSSH 6.7+, either side of -L/-R may be a unix-domain socket path (kinds local-unix and
 * remote-unix), and -R with a listener only is remote dynamic forwarding (OpenSSH 7.6+): a SOCKS proxy
 * on the server whose connections leave from this machine. As in OpenSSH, fields are separated by ":" and
 * a field that holds a "/" is a path ("[...]" for one that holds a ":").
 */
import {bracketed, hostPort} from '../../text/address.js';

export type ForwardKind =
  | 'local'
  | 'remote'
  | 'dynamic'
  | 'ftp'
  | 'local-unix'
  | 'remote-unix'
  | 'remote-dynamic';

/** Which command-line flag / config keyword the text came from. */
export type ForwardFlag = 'L' | 'R' | 'D';

export interface TargetForwardSpec {
  kind: 'local' | 'remote' | 'ftp';
  /** undefined: not given (default: loopback). '': every interface (written as '' or '*'). Otherwise as written, without brackets. */
  bindAddress: string | undefined;
  /** Listening port; 0 means "let the system pick". */
  port: number;
  /** Destination host, without brackets for IPv6. */
  host: string;
  hostPort: number;
}

export interface DynamicForwardSpec {
  kind: 'dynamic';
  bindAddress: string | undefined;
  port: number;
}

/** Where a unix forward listens: a socket path, or [bind_address:]port. */
export type ForwardListener =
  | {path: string}
  | {path?: undefined; bindAddress: string | undefined; port: number};

/** Where a unix forward's connections go: a socket path, or host:port. */
export type ForwardTarget = {path: string} | {path?: undefined; host: string; port: number};

/**
 * -L/-R with a unix-domain socket on one side or both: local-unix listens here and connects from the
 * server (direct-streamlocal for a path), remote-unix listens on the server (streamlocal-forward for a
 * path) and connects from here.
 */
export interface UnixForwardSpec {
  kind: 'local-unix' | 'remote-unix';
  listen: ForwardListener;
  target: ForwardTarget;
}

/** -R [bind_address:]port alone: a SOCKS 4/4a/5 proxy on the server; its connections leave from here. */
export interface RemoteDynamicForwardSpec {
  kind: 'remote-dynamic';
  bindAddress: string | undefined;
  port: number;
}

export type ForwardSpec = TargetForwardSpec | DynamicForwardSpec | UnixForwardSpec | RemoteDynamicForwardSpec;

export function isUnixForward(spec: ForwardSpec): spec is UnixForwardSpec {
  return spec.kind === 'local-unix' || spec.kind === 'remote-unix';
}

/** The longest socket path a sockaddr_un holds (108 bytes with its NUL), as OpenSSH checks. */
export const MAX_SOCKET_PATH_BYTES = 107;

/** The spec's TCP listener, or undefined when it listens on a socket path. */
export function tcpListenerOf(
  spec: ForwardSpec,
): {bindAddress: string | undefined; port: number} | undefined {
  if (isUnixForward(spec)) {
    return spec.listen.path === undefined ? spec.listen : undefined;
  }
  return spec;
}

/** The spec with the port its TCP listener was given (for port 0); a socket listener's spec as it is. */
export function withListenPort(spec: ForwardSpec, port: number): ForwardSpec {
  if (isUnixForward(spec)) {
    return spec.listen.path === undefined ? {...spec, listen: {...spec.listen, port}} : spec;
  }
  return {...spec, port};
}

/** The spec with its TCP listener bound to `bindAddress` ('' for every interface); a socket listener's as it is. */
export function withBindAddress(spec: ForwardSpec, bindAddress: string): ForwardSpec {
  if (isUnixForward(spec)) {
    return spec.listen.path === undefined ? {...spec, listen: {...spec.listen, bindAddress}} : spec;
  }
  return {...spec, bindAddress};
}

/** The spec with `map` applied to its socket paths (ssh expands %-tokens in them); others as they are. */
export function mapSocketPaths(spec: ForwardSpec, map: (path: string) => string): ForwardSpec {
  if (!isUnixForward(spec)) return spec;
  const listen = spec.listen.path === undefined ? spec.listen : {path: map(spec.listen.path)};
  const target = spec.target.path === undefined ? spec.target : {path: map(spec.target.path)};
  return {...spec, listen, target};
}

/** "db:5432", "[::1]:80", "/run/app.sock"; "SOCKS" for a dynamic forward. */
export function targetText(spec: ForwardSpec): string {
  if (isUnixForward(spec)) return spec.target.path ?? hostPort(spec.target.host, spec.target.port);
  if (spec.kind === 'dynamic' || spec.kind === 'remote-dynamic') return 'SOCKS';
  return hostPort(spec.host, spec.hostPort);
}

export class ForwardSpecError extends Error {
  override name = 'ForwardSpecError';

  /**
   * @param message a full sentence for the user, starting with the flag and the input.
   * @param input the text that was parsed, exactly as given.
   * @param start start of the bad part in `input` (UTF-16 index).
   * @param end end (exclusive) of the bad part in `input`; equal to `start` when something is missing.
   */
  constructor(
    message: string,
    readonly input: string,
    readonly start: number,
    readonly end: number,
  ) {
    super(message);
  }
}

const configKeywords: Record<ForwardFlag, string> = {
  L: 'LocalForward',
  R: 'RemoteForward',
  D: 'DynamicForward',
};

/** One field of a spec. start/end index the field's text (inside the brackets, if any). */
interface Field {
  value: string;
  start: number;
  end: number;
  bracketed: boolean;
  /** A unix-socket path (see the top of this file). */
  path: boolean;
}

interface Context {
  flag: ForwardFlag;
  /** '-L' or 'LocalForward'. */
  label: string;
  /** The input as shown in messages. */
  shown: string;
  /** The input as stored in errors. */
  input: string;
  /** True for ssh_config values, whose listener and destination are separated by whitespace. */
  config: boolean;
  /** Maps a range of the parsed string to a range of `input`. */
  toInput(start: number, end: number): [number, number];
}

/** Quotes a part of the input for a message, escaping control characters. */
function quote(text: string): string {
  return JSON.stringify(text);
}

function printable(text: string): string {
  return text.replace(/\p{Cc}/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function fail(ctx: Context, body: string, start: number, end: number): never {
  const [s, e] = ctx.toInput(start, end);
  const prefix = ctx.shown === '' ? ctx.label : `${ctx.label} ${ctx.shown}`;
  throw new ForwardSpecError(`${prefix}: ${body}`, ctx.input, s, e);
}

function expectedShape(ctx: Context, ftp: boolean): string {
  if (ctx.flag === 'D') return '[bind_address:]port';
  const shape = ctx.config ? '[bind_address:]port host:hostport' : '[bind_address:]port:host:hostport';
  return ftp ? `ftp/${shape}` : shape;
}

/** C0 and C1 control characters, DEL. */
const controlCharacter = /\p{Cc}/u;
const whitespace = /\s/;

/**
 * Splits s[from, to) into fields separated by ':' (OpenSSH's parse_fwd_field); a field that holds a '/' is a
 * unix-socket path; a field that starts with '[' runs to
 * the matching ']' and is taken literally.
 */
function splitFields(ctx: Context, s: string, from: number, to: number, ftp: boolean): Field[] {
  const fields: Field[] = [];
  let pos = from;
  for (;;) {
    if (s[pos] === '[' && pos < to) {
      const close = s.indexOf(']', pos + 1);
      if (close < 0 || close >= to) {
        fail(ctx, `${quote(s.slice(pos, to))} has no closing "]"`, pos, to);
      }
      const value = s.slice(pos + 1, close);
      const after = close + 1;
      if (after < to && s[after] !== ':') {
        let junkEnd = after;
        while (junkEnd < to && s[junkEnd] !== ':') junkEnd++;
        fail(
          ctx,
          `unexpected ${quote(s.slice(after, junkEnd))} after "]" (a field in square brackets must be followed by ":" or the end)`,
          after,
          junkEnd,
        );
      }
      fields.push({value, start: pos + 1, end: close, bracketed: true, path: value.includes('/')});
      pos = after;
    } else {
      let end = pos;
      while (end < to && s[end] !== ':') end++;
      const value = s.slice(pos, end);
      fields.push({value, start: pos, end, bracketed: false, path: value.includes('/')});
      pos = end;
    }
    if (pos >= to) return fields;
    pos++;
    if (pos >= to) {
      fail(ctx, `trailing ":" with nothing after it (expected ${expectedShape(ctx, ftp)})`, pos - 1, pos);
    }
  }
}

function field(fields: Field[], index: number): Field {
  const f = fields[index];
  if (f === undefined) throw new Error(`forward-spec: missing field ${index}`);
  return f;
}

function checkName(ctx: Context, f: Field, what: string): void {
  if (whitespace.test(f.value)) fail(ctx, `${what} ${quote(f.value)} contains whitespace`, f.start, f.end);
  if (controlCharacter.test(f.value)) {
    fail(ctx, `${what} ${quote(f.value)} contains a control character`, f.start, f.end);
  }
  const bracket = /[[\]]/.exec(f.value);
  if (bracket) {
    fail(
      ctx,
      `${what} ${quote(f.value)} contains ${quote(bracket[0])} (only a whole field can be in square brackets, e.g. [::1])`,
      f.start,
      f.end,
    );
  }
}

function bindAddress(ctx: Context, f: Field): string {
  if (f.value === '' || f.value === '*') return '';
  checkName(ctx, f, 'bind address');
  return f.value;
}

function destinationHost(ctx: Context, f: Field, ftp: boolean): string {
  if (f.value === '') {
    fail(ctx, `the destination host is missing (expected ${expectedShape(ctx, ftp)})`, f.start, f.end);
  }
  checkName(ctx, f, 'destination host');
  return f.value;
}

function portNumber(ctx: Context, f: Field, role: 'listen' | 'destination'): number {
  const what = role === 'listen' ? 'listening port' : 'destination port';
  const expected = role === 'listen' ? 'expected 0-65535; 0 picks a free port' : 'expected 1-65535';
  const text = f.value;
  if (text === '') fail(ctx, `the ${what} is missing (${expected})`, f.start, f.end);
  if (!/^[0-9]+$/.test(text)) fail(ctx, `${quote(text)} is not a port number (${expected})`, f.start, f.end);
  const port = Number(text);
  if (port > 65535 || (role === 'destination' && port === 0)) {
    fail(ctx, `${what} ${quote(text)} is out of range (${expected})`, f.start, f.end);
  }
  return port;
}

/** Parses s[from, to), which has no surrounding whitespace. */
function parseRange(ctx: Context, s: string, from: number, to: number): ForwardSpec {
  if (from >= to) {
    fail(ctx, `the forward specification is empty (expected ${expectedShape(ctx, false)})`, from, to);
  }
  let pos = from;
  let ftp = false;
  if (s.slice(from, from + 4).toLowerCase() === 'ftp/') {
    if (ctx.flag !== 'L') {
      const only = ctx.config ? 'LocalForward' : '-L';
      fail(
        ctx,
        `${quote(s.slice(from, from + 4))}: FTP forwarding is only available with ${only} (expected ${expectedShape(ctx, false)})`,
        from,
        from + 4,
      );
    }
    ftp = true;
    pos += 4;
    if (pos >= to) {
      fail(
        ctx,
        `nothing follows ${quote(s.slice(from, pos))} (expected ${expectedShape(ctx, true)})`,
        from,
        to,
      );
    }
  }

  const fields = splitFields(ctx, s, pos, to, ftp);
  const count = fields.length;
  const firstPath = fields.find((f) => f.path);
  if (firstPath && (ftp || ctx.flag === 'D')) {
    fail(
      ctx,
      `${quote(firstPath.value)} looks like a unix-socket path; ${ftp ? 'FTP' : 'dynamic (SOCKS)'} forwarding listens on a port and connects to host:port (expected ${expectedShape(ctx, ftp)})`,
      firstPath.start,
      firstPath.end,
    );
  }

  if (ctx.flag === 'D') {
    if (count === 1)
      return {kind: 'dynamic', bindAddress: undefined, port: portNumber(ctx, field(fields, 0), 'listen')};
    if (count === 2) {
      const bind = bindAddress(ctx, field(fields, 0));
      return {kind: 'dynamic', bindAddress: bind, port: portNumber(ctx, field(fields, 1), 'listen')};
    }
  } else {
    const unixKind = ctx.flag === 'L' ? 'local-unix' : 'remote-unix';
    const isPath = fields.map((f) => f.path);
    if (firstPath) {
      // OpenSSH's parse_forward: path[:host:port | :path], or [bind:]port:path.
      if (count === 2 && isPath[0] && isPath[1]) {
        return {
          kind: unixKind,
          listen: {path: socketPath(ctx, field(fields, 0))},
          target: {path: socketPath(ctx, field(fields, 1))},
        };
      }
      if (count === 2 && isPath[1]) {
        return {
          kind: unixKind,
          listen: {bindAddress: undefined, port: portNumber(ctx, field(fields, 0), 'listen')},
          target: {path: socketPath(ctx, field(fields, 1))},
        };
      }
      if (count === 3 && isPath[0] && !isPath[1] && !isPath[2]) {
        return {
          kind: unixKind,
          listen: {path: socketPath(ctx, field(fields, 0))},
          target: {
            host: destinationHost(ctx, field(fields, 1), false),
            port: portNumber(ctx, field(fields, 2), 'destination'),
          },
        };
      }
      if (count === 3 && isPath[2] && !isPath[0] && !isPath[1]) {
        return {
          kind: unixKind,
          listen: {
            bindAddress: bindAddress(ctx, field(fields, 0)),
            port: portNumber(ctx, field(fields, 1), 'listen'),
          },
          target: {path: socketPath(ctx, field(fields, 2))},
        };
      }
      if (count === 1 && ctx.flag === 'R') {
        fail(
          ctx,
          `${quote(firstPath.value)}: remote dynamic (SOCKS) forwarding listens on a port on the server, not on a unix socket (expected -R [bind_address:]port)`,
          firstPath.start,
          firstPath.end,
        );
      }
      fail(
        ctx,
        `${quote(ctx.shown)} is not a forward with a unix-socket path (expected ${ctx.config ? 'path host:hostport, [bind_address:]port path or path path' : 'path:host:hostport, [bind_address:]port:path or path:path'}; a field with a "/" is a path)`,
        from,
        to,
      );
    }
    if (ctx.flag === 'R' && !ftp && count === 1) {
      return {
        kind: 'remote-dynamic',
        bindAddress: undefined,
        port: portNumber(ctx, field(fields, 0), 'listen'),
      };
    }
    if (ctx.flag === 'R' && !ftp && count === 2) {
      const bind = bindAddress(ctx, field(fields, 0));
      return {kind: 'remote-dynamic', bindAddress: bind, port: portNumber(ctx, field(fields, 1), 'listen')};
    }
    const kind = ftp ? 'ftp' : ctx.flag === 'L' ? 'local' : 'remote';
    if (count === 3 || count === 4) {
      const first = count - 3;
      const bind = count === 4 ? bindAddress(ctx, field(fields, 0)) : undefined;
      const port = portNumber(ctx, field(fields, first), 'listen');
      const host = destinationHost(ctx, field(fields, first + 1), ftp);
      const hostPort = portNumber(ctx, field(fields, first + 2), 'destination');
      return {kind, bindAddress: bind, port, host, hostPort};
    }
  }

  const [min, max] = ctx.flag === 'D' ? [1, 2] : ctx.flag === 'R' && !ftp ? [1, 4] : [3, 4];
  let hint =
    min === 1 && max === 4
      ? `found ${count} fields, expected 1 or 2 (remote dynamic), 3 or 4`
      : `found ${count} field${count === 1 ? '' : 's'}, expected ${min} or ${max}`;
  if (count > max) hint += '; write an IPv6 address in square brackets, e.g. [::1]';
  const shape =
    ctx.flag === 'R' && !ftp
      ? `${expectedShape(ctx, ftp)} or [bind_address:]port (remote dynamic)`
      : expectedShape(ctx, ftp);
  fail(ctx, `${quote(ctx.shown)} is not of the form ${shape} (${hint})`, from, to);
}

function socketPath(ctx: Context, f: Field): string {
  if (f.value === '') fail(ctx, 'the socket path is empty', f.start, f.end);
  if (controlCharacter.test(f.value)) {
    fail(ctx, `socket path ${quote(f.value)} contains a control character`, f.start, f.end);
  }
  const bytes = Buffer.byteLength(f.value);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    fail(
      ctx,
      `socket path ${quote(f.value)} is ${bytes} bytes long; a unix socket's path holds at most ${MAX_SOCKET_PATH_BYTES}`,
      f.start,
      f.end,
    );
  }
  return f.value;
}

/** Parses the text of one -L, -R or -D argument. Throws ForwardSpecError. `-L ftp/...` yields kind 'ftp'. */
export function parseForwardSpec(flag: ForwardFlag, text: string): ForwardSpec {
  const from = text.length - text.trimStart().length;
  const to = text.trimEnd().length;
  const ctx: Context = {
    flag,
    label: `-${flag}`,
    shown: printable(text.slice(from, Math.max(from, to))),
    input: text,
    config: false,
    toInput: (start, end) => [start, end],
  };
  return parseRange(ctx, text, from, Math.max(from, to));
}

/**
 * Parses an ssh_config LocalForward/RemoteForward/DynamicForward value, whose listener and destination
 * are separated by whitespace ("8080 db:5432", "[::1]:8080 [::2]:80", "1080"). OpenSSH joins the two
 * arguments with ':' then parses as above.
 */
export function parseConfigForward(flag: ForwardFlag, value: string): ForwardSpec {
  const keyword = configKeywords[flag];
  const tokens: {text: string; start: number; end: number}[] = [];
  const tokenPattern = /\S+/g;
  for (let m = tokenPattern.exec(value); m !== null; m = tokenPattern.exec(value)) {
    tokens.push({text: m[0], start: m.index, end: m.index + m[0].length});
  }
  const identity = (start: number, end: number): [number, number] => [start, end];
  const base: Context = {
    flag,
    label: keyword,
    shown: printable(value.trim()),
    input: value,
    config: true,
    toInput: identity,
  };

  const first = tokens[0];
  if (first === undefined) {
    fail(base, `missing argument (expected ${expectedShape(base, false)})`, 0, value.length);
  }
  const maxTokens = flag === 'D' ? 1 : 2;
  const extra = tokens[maxTokens];
  if (extra !== undefined) {
    const last = tokens[tokens.length - 1] ?? extra;
    fail(
      base,
      `unexpected extra argument ${quote(value.slice(extra.start, last.end))} (expected ${expectedShape(base, false)})`,
      extra.start,
      last.end,
    );
  }
  const second = tokens[1];
  if (flag === 'D' || second === undefined) {
    if (flag === 'L') {
      fail(
        base,
        `missing destination after ${quote(first.text)} (expected ${expectedShape(base, false)}; the listener and the destination are separated by whitespace)`,
        first.start,
        first.end,
      );
    }
    // RemoteForward [bind_address:]port alone: remote dynamic forwarding.
    return parseRange(base, value, first.start, first.end);
  }

  // OpenSSH: snprintf(fwdarg, "%s:%s", arg, arg2). Map each character of the joined text back to value.
  const joined = `${first.text}:${second.text}`;
  const positions: number[] = [];
  for (let i = first.start; i < first.end; i++) positions.push(i);
  positions.push(first.end);
  for (let i = second.start; i < second.end; i++) positions.push(i);
  const at = (i: number): number => positions[i] ?? second.end;
  const ctx: Context = {
    ...base,
    toInput: (start, end) => (end > start ? [at(start), at(end - 1) + 1] : [at(start), at(start)]),
  };
  return parseRange(ctx, joined, 0, joined.length);
}

function formatAddress(address: string): string {
  if (address === '' || address === '*') return '*';
  return bracketed(address);
}

/** A socket path as a field: in square brackets when it holds a ":" (or would not read back as a path). */
function formatPath(path: string): string {
  return bracketed(path);
}

/**
 * ssh-style text that parseForwardSpec reads back to an equal spec: "8080:db:5432", "127.0.0.1:8080:db:5432",
 * "[::1]:8080:[fe80::1]:80", "*:8080:db:80" for '' bind, "ftp/2121:ftp.example:21", "1080", "localhost:1080",
 * "/tmp/x.sock:db:80", "5432:/run/pg.sock". No flag prefix.
 */
export function formatForwardSpec(spec: ForwardSpec): string {
  if (isUnixForward(spec)) {
    const {listen, target} = spec;
    const listener =
      listen.path !== undefined
        ? formatPath(listen.path)
        : listen.bindAddress === undefined
          ? `${listen.port}`
          : `${formatAddress(listen.bindAddress)}:${listen.port}`;
    const to = target.path !== undefined ? formatPath(target.path) : hostPort(target.host, target.port);
    return `${listener}:${to}`;
  }
  const listener =
    spec.bindAddress === undefined ? `${spec.port}` : `${formatAddress(spec.bindAddress)}:${spec.port}`;
  if (spec.kind === 'dynamic' || spec.kind === 'remote-dynamic') return listener;
  const host = bracketed(spec.host);
  return `${spec.kind === 'ftp' ? 'ftp/' : ''}${listener}:${host}:${spec.hostPort}`;
}

/** The ssh flag a spec is given with. */
export function flagOf(spec: ForwardSpec): ForwardFlag {
  switch (spec.kind) {
    case 'dynamic':
      return 'D';
    case 'remote':
    case 'remote-unix':
    case 'remote-dynamic':
      return 'R';
    default:
      return 'L';
  }
}

/** e.g. "-L 8080:db:5432", "-D 1080", "-R 1080" ("-L ftp/..." for ftp). */
export function formatForwardFlag(spec: ForwardSpec): string {
  return `-${flagOf(spec)} ${formatForwardSpec(spec)}`;
}

/**
 * A forward as formatForwardFlag writes it and a favorite keeps it, "-L 8080:db:5432": its flag and the
 * spec after it (not read); undefined when the text is not in that form.
 */
export function splitForwardFlag(text: string): {flag: ForwardFlag; spec: string} | undefined {
  const match = /^-([LRD])\s+(.+)$/s.exec(text);
  return match ? {flag: match[1] as ForwardFlag, spec: match[2]!} : undefined;
}

/**
 * Reads an add-forward entry: "L 8080:db:5432", "R 9000:localhost:3000", "D 1080", "ftp/2121:ftp:21",
 * and the ssh flags "-L ..." too. Throws ForwardSpecError.
 */
export function parseForwardEntry(text: string): ForwardSpec {
  const trimmed = text.trim();
  const match = /^-?([LRD])\s*(.*)$/i.exec(trimmed);
  if (match && (match[2] ?? '').length > 0)
    return parseForwardSpec(match[1]!.toUpperCase() as ForwardFlag, match[2]!);
  if (/^ftp\//i.test(trimmed)) return parseForwardSpec('L', trimmed);
  throw new ForwardSpecError(
    `"${trimmed}": start with L, R or D (e.g. L 8080:db:5432, R 9000:localhost:3000, D 1080, L /tmp/x.sock:db:80, R 1080) or ftp/`,
    text,
    0,
    text.length,
  );
}
