import net from 'node:net';
import {allocated} from '../garbage-budget.js';

/** How much one read of the SSH connection may take: about what ssh reads at a time under bulk load. */
export const SSH_READ_BYTES = 256 * 1024;
/** Reads up to this size are copied out, so the read buffer is used again (no new 256 KiB for a few bytes). */
export const COPIED_READ_BYTES = 16 * 1024;

/** Per socket: what says whether nothing holds any of a large read any more (see reuseReadBuffer). */
const readBufferFree = new WeakMap<net.Socket, (read: Buffer) => boolean>();

/**
 * Lets the next read of `socket` go into the buffer of a large read once it has been handled, when
 * `isFree(read)` says nothing holds any of it any more (all of it was written out, nothing waits in it).
 * Under bulk data that is most reads, and a buffer per read was most of what the garbage collector had
 * to find and free.
 */
export function reuseReadBuffer(socket: net.Socket, isFree: (read: Buffer) => boolean): void {
  readBufferFree.set(socket, isFree);
}

/**
 * Connects the TCP socket an SSH connection runs on, reading it in larger pieces than a plain socket does;
 * ssh2 runs on it as on any socket. Node reads a socket in 64 KiB pieces: at bulk rates that is a read, a
 * buffer and a pass through the stream machinery per 64 KiB, and every other 32 KiB packet straddles two
 * reads, so ssh2 copies it whole before decrypting. Reading up to 256 KiB at a time takes half the reads
 * (as many as ssh makes), and most packets are decrypted where they lie.
 *
 * What is read is emitted as 'data', as a plain socket's would be (ssh2 listens there once it has resumed
 * the socket, which is when reading starts). A large read hands its buffer on (packets decrypted in it may
 * wait in a channel until written) and the next read gets a new one, unless reuseReadBuffer's check says
 * nothing kept any of it; a small read is copied out and the buffer read into again.
 */
export function connectSshSocket(
  host: string,
  port: number,
  options: {family?: 4 | 6 | undefined; localAddress?: string | undefined} = {},
): net.Socket {
  let buffer = Buffer.allocUnsafe(SSH_READ_BYTES);
  const socket: net.Socket = new net.Socket({
    onread: {
      // Node asks for the next buffer after the callback has run.
      buffer: () => buffer,
      callback: (bytes: number, filled: Uint8Array) => {
        if (bytes <= COPIED_READ_BYTES) {
          socket.emit('data', Buffer.from(filled.subarray(0, bytes)));
          return;
        }
        const read = Buffer.from(filled.buffer, filled.byteOffset, bytes);
        socket.emit('data', read);
        if (!readBufferFree.get(socket)?.(read)) {
          buffer = Buffer.allocUnsafe(SSH_READ_BYTES);
          allocated(SSH_READ_BYTES);
        }
      },
    },
  } as net.SocketConstructorOpts);
  socket.connect({
    host,
    port,
    ...(options.family !== undefined ? {family: options.family} : {}),
    ...(options.localAddress !== undefined ? {localAddress: options.localAddress} : {}),
  });
  // After connect(), which puts net.Socket's own write back in place.
  coalesceWrites(socket);
  return socket;
}

/**
 * What is written within one turn of the event loop goes out in one writev when the turn ends (cork, then
 * uncork from setImmediate), as OpenSSH writes its output once per pass of its loop. Under a
 * request/response client, ssh2's write per SSH packet made a system call per packet, most of tunnels'
 * CPU; bulk data is written in the same turn it would have been.
 */
export function coalesceWrites(socket: net.Socket): void {
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  socket.write = ((...args: unknown[]) => {
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(uncork);
    }
    return write(...args);
  }) as typeof socket.write;
}
