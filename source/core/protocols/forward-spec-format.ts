/** Formats forward specs back into ssh's syntax: the text parseForwardSpec reads, and the flag before it. */
import {bracketed, hostPort} from '../../text/address.js';
import {type ForwardFlag, type ForwardSpec, isUnixForward} from './forward-spec.js';

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
