/**
 * Forward specifications as `ssh -L/-R/-D` and ssh_config's LocalForward/RemoteForward/DynamicForward
 * read them (OpenSSH's parse_forward, hpdelim2 and a2port), plus a Tectia-style `ftp/` prefix for
 * local forwards. Pure: no IO.
 *
 * As in OpenSSH 6.7+, either side of -L/-R may be a unix-domain socket path (kinds local-unix and
 * remote-unix), and -R with a listener only is remote dynamic forwarding (OpenSSH 7.6+): a SOCKS proxy
 * on the server whose connections leave from this machine. As in OpenSSH, fields are separated by ":" and
 * a field that holds a "/" is a path ("[...]" for one that holds a ":").
 *
 * This file holds the specs' types and what is asked of a spec; forward-spec-parse.ts reads them (its
 * fields in forward-spec-fields.ts), forward-spec-format.ts writes them back, forward-entry.ts reads the
 * add-forward entry.
 */
import {hostPort} from '../../text/address.js';

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
