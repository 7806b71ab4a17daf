import {isIPv4, isIPv6} from 'node:net';

/**
 * Linux's socket tables, /proc/net/tcp and /proc/net/tcp6, read as text (no IO here: the caller reads the
 * file). Each line is "sl: local remote st tx:rx tr:when retrnsmt uid timeout inode ...": an address is
 * printed as the kernel holds it, IPv4 as one 32-bit word and IPv6 as four, each word in hex in the
 * machine's byte order (so 127.0.0.1 is 0100007F on x86); a port is plain hex.
 */
export type ProcNetFile = 'tcp' | 'tcp6';

export interface Endpoint {
  address: string;
  port: number;
}

/** States whose line names no owner of its own: TIME_WAIT (printed as uid 0), NEW_SYN_RECV (the listener's). */
const OWNERLESS_STATES = new Set(['06', '0C']);

/**
 * The uid that owns the socket whose local end is `local` and remote end `remote`, from the text of
 * /proc/net/`file`; undefined when no such socket is listed (or only as ownerless). An IPv4 address is
 * also looked for in tcp6 as IPv4-mapped (a dual-stack socket's), an IPv4-mapped one in tcp as IPv4.
 */
export function socketOwner(
  text: string,
  file: ProcNetFile,
  local: Endpoint,
  remote: Endpoint,
  littleEndian: boolean,
): number | undefined {
  const key = socketKey(file, local, remote, littleEndian);
  if (key === undefined) return undefined;
  let owner: number | undefined;
  ownersIn(text, new Set([key]), (_key, uid) => {
    owner ??= uid;
  });
  return owner;
}

/**
 * How a connection's two ends appear at the start of its line in /proc/net/`file` ("local remote", as
 * the kernel prints them), or undefined when they cannot appear there. The key ownersIn looks for.
 */
export function socketKey(
  file: ProcNetFile,
  local: Endpoint,
  remote: Endpoint,
  littleEndian: boolean,
): string | undefined {
  const localHex = procNetAddress(local.address, file, littleEndian);
  const remoteHex = procNetAddress(remote.address, file, littleEndian);
  if (localHex === undefined || remoteHex === undefined) return undefined;
  return `${localHex}:${portHex(local.port)} ${remoteHex}:${portHex(remote.port)}`;
}

/**
 * Walks whole lines of /proc/net/tcp or tcp6 once and calls `found` with the uid of each line whose key
 * (socketKey) is in `wanted`: one pass answers any number of lookups.
 */
export function ownersIn(
  text: string,
  wanted: ReadonlySet<string>,
  found: (key: string, uid: number) => void,
): void {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const fields = text.slice(start, end).trim().split(/\s+/);
    start = end + 1;
    // "sl: local remote st tx:rx tr:when retrnsmt uid ..."
    const [, local, remote, state, , , , uid] = fields;
    if (local === undefined || remote === undefined || uid === undefined) continue;
    const key = `${local} ${remote}`;
    if (!wanted.has(key) || state === undefined || OWNERLESS_STATES.has(state) || !/^\d+$/.test(uid))
      continue;
    found(key, Number(uid));
  }
}

/** An address as /proc/net/`file` prints it, or undefined when it cannot appear there. */
export function procNetAddress(
  address: string,
  file: ProcNetFile,
  littleEndian: boolean,
): string | undefined {
  const bytes = addressBytes(address);
  if (!bytes) return undefined;
  const mapped =
    bytes.length === 16 && bytes.slice(0, 12).every((byte, index) => byte === (index < 10 ? 0 : 255));
  let shown: number[];
  if (file === 'tcp') {
    if (bytes.length === 4) shown = bytes;
    else if (mapped) shown = bytes.slice(12);
    else return undefined;
  } else shown = bytes.length === 4 ? [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, ...bytes] : bytes;
  let hex = '';
  for (let word = 0; word < shown.length; word += 4) {
    const group = shown.slice(word, word + 4);
    if (littleEndian) group.reverse();
    for (const byte of group) hex += byte.toString(16).padStart(2, '0');
  }
  return hex.toUpperCase();
}

function portHex(port: number): string {
  return port.toString(16).toUpperCase().padStart(4, '0');
}

/** The 4 or 16 bytes of an IP address (an IPv6 zone, "%eth0", is dropped), or undefined for anything else. */
function addressBytes(address: string): number[] | undefined {
  if (isIPv4(address)) return address.split('.').map(Number);
  const bare = address.replace(/%.*$/, '');
  if (!isIPv6(bare)) return undefined;
  const words = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [Number.parseInt(group, 16)];
          const [a, b, c, d] = group.split('.').map(Number) as [number, number, number, number];
          return [(a << 8) | b, (c << 8) | d];
        });
  const gap = bare.indexOf('::');
  const head = words(gap < 0 ? bare : bare.slice(0, gap));
  const tail = gap < 0 ? [] : words(bare.slice(gap + 2));
  const all =
    gap < 0 ? head : [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  return all.flatMap((word) => [word >> 8, word & 0xff]);
}
