/**
 * Reads forward specifications as `ssh -L/-R/-D` and ssh_config's LocalForward/RemoteForward/DynamicForward
 * do (OpenSSH's parse_forward); the fields themselves are read in forward-spec-fields.ts. Pure: no IO.
 */
import type {ForwardFlag, ForwardSpec} from './forward-spec.js';
import {
  bindAddress,
  type Context,
  destinationHost,
  expectedShape,
  type Field,
  fail,
  field,
  portNumber,
  printable,
  quote,
  type ServicePort,
  socketPath,
  splitFields,
} from './forward-spec-fields.js';

const configKeywords: Record<ForwardFlag, string> = {
  L: 'LocalForward',
  R: 'RemoteForward',
  D: 'DynamicForward',
};

/** Parses s[from, to), which has no surrounding whitespace. */
function parseRange(ctx: Context, s: string, from: number, to: number): ForwardSpec {
  if (from >= to) {
    fail(ctx, `the forward specification is empty (expected ${expectedShape(ctx, false)})`, from, to);
  }
  const ftp = hasFtpPrefix(ctx, s, from, to);
  const fields = splitFields(ctx, s, ftp ? from + 4 : from, to, ftp);
  const firstPath = fields.find((f) => f.path);
  if (firstPath && (ftp || ctx.flag === 'D')) {
    fail(
      ctx,
      `${quote(firstPath.value)} looks like a unix-socket path; ${ftp ? 'FTP' : 'dynamic (SOCKS)'} forwarding listens on a port and connects to host:port (expected ${expectedShape(ctx, ftp)})`,
      firstPath.start,
      firstPath.end,
    );
  }
  if (firstPath) return unixSpec(ctx, fields, firstPath, from, to);
  const spec = ctx.flag === 'D' ? dynamicSpec(ctx, fields) : tcpSpec(ctx, fields, ftp);
  return spec ?? failFieldCount(ctx, fields.length, ftp, from, to);
}

/** Whether s[from, to) starts with "ftp/" (only -L may), failing when nothing follows it. */
function hasFtpPrefix(ctx: Context, s: string, from: number, to: number): boolean {
  if (s.slice(from, from + 4).toLowerCase() !== 'ftp/') return false;
  if (ctx.flag !== 'L') {
    const only = ctx.config ? 'LocalForward' : '-L';
    fail(
      ctx,
      `${quote(s.slice(from, from + 4))}: FTP forwarding is only available with ${only} (expected ${expectedShape(ctx, false)})`,
      from,
      from + 4,
    );
  }
  if (from + 4 >= to) {
    fail(
      ctx,
      `nothing follows ${quote(s.slice(from, from + 4))} (expected ${expectedShape(ctx, true)})`,
      from,
      to,
    );
  }
  return true;
}

/** -D [bind_address:]port; undefined for any other number of fields. */
function dynamicSpec(ctx: Context, fields: Field[]): ForwardSpec | undefined {
  if (fields.length === 1) {
    return {kind: 'dynamic', bindAddress: undefined, port: portNumber(ctx, field(fields, 0), 'listen')};
  }
  if (fields.length === 2) {
    const bind = bindAddress(ctx, field(fields, 0));
    return {kind: 'dynamic', bindAddress: bind, port: portNumber(ctx, field(fields, 1), 'listen')};
  }
  return undefined;
}

/** -L/-R with a path among the fields: OpenSSH's path[:host:port | :path], or [bind:]port:path. */
function unixSpec(ctx: Context, fields: Field[], firstPath: Field, from: number, to: number): ForwardSpec {
  const kind = ctx.flag === 'L' ? 'local-unix' : 'remote-unix';
  const count = fields.length;
  const isPath = fields.map((f) => f.path);
  if (count === 2 && isPath[0] && isPath[1]) {
    return {
      kind,
      listen: {path: socketPath(ctx, field(fields, 0))},
      target: {path: socketPath(ctx, field(fields, 1))},
    };
  }
  if (count === 2 && isPath[1]) {
    return {
      kind,
      listen: {bindAddress: undefined, port: portNumber(ctx, field(fields, 0), 'listen')},
      target: {path: socketPath(ctx, field(fields, 1))},
    };
  }
  if (count === 3 && isPath[0] && !isPath[1] && !isPath[2]) {
    return {
      kind,
      listen: {path: socketPath(ctx, field(fields, 0))},
      target: {
        host: destinationHost(ctx, field(fields, 1), false),
        port: portNumber(ctx, field(fields, 2), 'destination'),
      },
    };
  }
  if (count === 3 && isPath[2] && !isPath[0] && !isPath[1]) {
    return {
      kind,
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

/** -L/-R between ports: [bind:]port:host:hostport, or -R [bind:]port alone; undefined for other counts. */
function tcpSpec(ctx: Context, fields: Field[], ftp: boolean): ForwardSpec | undefined {
  const count = fields.length;
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
  return undefined;
}

/** The spec has a number of fields no form of its flag takes. */
function failFieldCount(ctx: Context, count: number, ftp: boolean, from: number, to: number): never {
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

/**
 * Parses the text of one -L, -R or -D argument. Throws ForwardSpecError. `-L ftp/...` yields kind 'ftp'.
 * With `servicePort`, a port may be given by its service name, as ssh takes it.
 */
export function parseForwardSpec(flag: ForwardFlag, text: string, servicePort?: ServicePort): ForwardSpec {
  const from = text.length - text.trimStart().length;
  const to = text.trimEnd().length;
  const ctx: Context = {
    flag,
    label: `-${flag}`,
    shown: printable(text.slice(from, Math.max(from, to))),
    input: text,
    config: false,
    toInput: (start, end) => [start, end],
    ...(servicePort ? {servicePort} : {}),
  };
  return parseRange(ctx, text, from, Math.max(from, to));
}

/**
 * Parses an ssh_config LocalForward/RemoteForward/DynamicForward value, whose listener and destination
 * are separated by whitespace ("8080 db:5432", "[::1]:8080 [::2]:80", "1080"). OpenSSH joins the two
 * arguments with ':' then parses as above.
 */
export function parseConfigForward(flag: ForwardFlag, value: string, servicePort?: ServicePort): ForwardSpec {
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
    ...(servicePort ? {servicePort} : {}),
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
