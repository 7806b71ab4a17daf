/**
 * The forward-spec grammar's pieces: a spec split into ":"-separated fields, each field checked as a bind
 * address, host, port or socket path, and the error that points at the bad part of the input. Pure: no IO.
 */
import {type ForwardFlag, ForwardSpecError, MAX_SOCKET_PATH_BYTES} from './forward-spec.js';

/** One field of a spec. start/end index the field's text (inside the brackets, if any). */
export interface Field {
  value: string;
  start: number;
  end: number;
  bracketed: boolean;
  /** A unix-socket path (see the top of this file). */
  path: boolean;
}

export interface Context {
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
  /** A port's service name to its number (getservbyname), where names are taken as ssh takes them. */
  servicePort?: ServicePort;
}

/** Looks a TCP service name up ("http" → 80); undefined when there is no such name. */
export type ServicePort = (name: string) => number | undefined;

/** Quotes a part of the input for a message, escaping control characters. */
export function quote(text: string): string {
  return JSON.stringify(text);
}

export function printable(text: string): string {
  return text.replace(/\p{Cc}/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function fail(ctx: Context, body: string, start: number, end: number): never {
  const [s, e] = ctx.toInput(start, end);
  const prefix = ctx.shown === '' ? ctx.label : `${ctx.label} ${ctx.shown}`;
  throw new ForwardSpecError(`${prefix}: ${body}`, ctx.input, s, e);
}

export function expectedShape(ctx: Context, ftp: boolean): string {
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
export function splitFields(ctx: Context, s: string, from: number, to: number, ftp: boolean): Field[] {
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

export function field(fields: Field[], index: number): Field {
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

export function bindAddress(ctx: Context, f: Field): string {
  if (f.value === '' || f.value === '*') return '';
  checkName(ctx, f, 'bind address');
  return f.value;
}

export function destinationHost(ctx: Context, f: Field, ftp: boolean): string {
  if (f.value === '') {
    fail(ctx, `the destination host is missing (expected ${expectedShape(ctx, ftp)})`, f.start, f.end);
  }
  checkName(ctx, f, 'destination host');
  return f.value;
}

export function portNumber(ctx: Context, f: Field, role: 'listen' | 'destination'): number {
  const what = role === 'listen' ? 'listening port' : 'destination port';
  const expected = role === 'listen' ? 'expected 0-65535; 0 picks a free port' : 'expected 1-65535';
  const text = f.value;
  if (text === '') fail(ctx, `the ${what} is missing (${expected})`, f.start, f.end);
  if (!/^[0-9]+$/.test(text)) {
    // ssh's a2port takes a service name too.
    const named = ctx.servicePort?.(text);
    if (named !== undefined && named > 0) return named;
    fail(ctx, `${quote(text)} is not a port number (${expected})`, f.start, f.end);
  }
  const port = Number(text);
  if (port > 65535 || (role === 'destination' && port === 0)) {
    fail(ctx, `${what} ${quote(text)} is out of range (${expected})`, f.start, f.end);
  }
  return port;
}

export function socketPath(ctx: Context, f: Field): string {
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
