/**
 * Who is at the other end of a local connection: the uid that owns the client's socket, read from the
 * kernel's socket tables (/proc/net/tcp, tcp6), for the forwards that admit only their own user's clients.
 */
import {open} from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import {ownersIn, type ProcNetFile, socketKey} from '../protocols/proc-net-tcp.js';
import {isLoopbackAddress} from './listen.js';

const littleEndian = os.endianness() === 'LE';

/**
 * The uid of the process that owns the other end of a connection, when that end is a socket of this
 * machine (and of this network namespace): found in /proc/net/tcp (or tcp6) as the socket whose local end
 * is the connection's remote one. Undefined where that cannot be known: not Linux, no /proc, a client on
 * another machine or in another namespace, a client already gone.
 */
export function peerOwner(socket: net.Socket): Promise<number | undefined> {
  const {localAddress, localPort, remoteAddress, remotePort} = socket;
  if (!localAddress || !localPort || !remoteAddress || !remotePort) return Promise.resolve(undefined);
  const theirs = {address: remoteAddress, port: remotePort};
  const ours = {address: localAddress, port: localPort};
  // An IPv4 client's socket is in tcp, or in tcp6 if it is a dual-stack (IPv6) socket; an IPv6 one in tcp6.
  const files: ProcNetFile[] = net.isIPv4(remoteAddress.replace(/^::ffff:/i, ''))
    ? ['tcp', 'tcp6']
    : ['tcp6'];
  const keys: Partial<Record<ProcNetFile, string>> = {};
  for (const file of files) {
    const key = socketKey(file, theirs, ours, littleEndian);
    if (key) keys[file] = key;
  }
  if (!keys.tcp && !keys.tcp6) return Promise.resolve(undefined);
  // The kernel writes these files a page at a time, and a socket can be skipped between two pages while
  // others close: a client that must be on this machine is looked for once more before giving up.
  const passes = isLoopbackAddress(remoteAddress) || remoteAddress === localAddress ? 2 : 1;
  return new Promise((resolve) => {
    ownerLookups.add({socket, keys, passes, resolve});
    void scanForOwners();
  });
}

interface OwnerLookup {
  socket: net.Socket;
  keys: Partial<Record<ProcNetFile, string>>;
  passes: number;
  resolve(uid: number | undefined): void;
}

/** Lookups waiting for the next pass over the socket tables. */
const ownerLookups = new Set<OwnerLookup>();
let scanning = false;

/**
 * Answers every waiting lookup with one pass over /proc/net/tcp and tcp6. Reading them is the cost (the
 * kernel writes a line per socket, tens of thousands on a busy machine), so lookups that come meanwhile
 * wait for the next pass instead of each reading the files, and a lookup whose socket has closed is
 * dropped: a flood of clients costs a pass at a time, never a queue of reads that starves the others.
 */
async function scanForOwners(): Promise<void> {
  if (scanning) return;
  scanning = true;
  try {
    while (ownerLookups.size > 0) {
      const batch = [...ownerLookups].filter((lookup) => {
        ownerLookups.delete(lookup);
        if (!lookup.socket.destroyed) return true;
        lookup.resolve(undefined);
        return false;
      });
      const answered = new Set<OwnerLookup>();
      for (const file of ['tcp', 'tcp6'] as const) {
        const byKey = new Map<string, OwnerLookup>();
        for (const lookup of batch) {
          const key = lookup.keys[file];
          if (key && !answered.has(lookup)) byKey.set(key, lookup);
        }
        if (byKey.size === 0) continue;
        const wanted = new Set(byKey.keys());
        await readProcNet(file, (text) => {
          ownersIn(text, wanted, (key, uid) => {
            const lookup = byKey.get(key)!;
            if (answered.has(lookup)) return;
            answered.add(lookup);
            wanted.delete(key);
            lookup.resolve(uid);
          });
          return wanted.size === 0;
        });
      }
      for (const lookup of batch) {
        if (answered.has(lookup)) continue;
        if (--lookup.passes > 0) ownerLookups.add(lookup);
        else lookup.resolve(undefined);
      }
    }
  } finally {
    scanning = false;
  }
}

/** Reads /proc/net/`file` whole lines at a time into `onLines`, until it returns true or the file ends. */
async function readProcNet(file: ProcNetFile, onLines: (text: string) => boolean): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(`/proc/net/${file}`, 'r');
  } catch {
    return;
  }
  try {
    const buffer = Buffer.allocUnsafe(64 * 1024);
    let carried = '';
    for (;;) {
      const {bytesRead} = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) {
        onLines(carried);
        return;
      }
      const text = carried + buffer.toString('latin1', 0, bytesRead);
      const cut = text.lastIndexOf('\n') + 1;
      if (onLines(text.slice(0, cut))) return;
      carried = text.slice(cut);
    }
  } catch {
    return;
  } finally {
    await handle.close().catch(() => {});
  }
}
