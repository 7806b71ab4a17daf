import {createHash, randomBytes} from 'node:crypto';
import net from 'node:net';

export interface TestServer {
  port: number;
  server: net.Server;
  /** Connections currently open on the server side. */
  open(): number;
  close(): Promise<void>;
}

/** A server on a free port that runs `handler` for each connection; close() ends them all. */
export async function serve(handler: (socket: net.Socket) => void, host = '127.0.0.1'): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({allowHalfOpen: true}, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    handler(socket);
  });
  await new Promise<void>((resolve) => server.listen({port: 0, host, backlog: 4096}, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    server,
    open: () => sockets.size,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const BLOCK = Buffer.alloc(256 * 1024, 0x5a);

/** Writes `bytes` (one reused block, nothing hashed: for volume) with backpressure, then ends, unless `then` is 'none'. */
export function pump(socket: net.Socket, bytes: number, then: 'end' | 'none' = 'end'): void {
  let left = bytes;
  const write = () => {
    while (left > 0) {
      const chunk = left >= BLOCK.length ? BLOCK : BLOCK.subarray(0, left);
      left -= chunk.length;
      if (!socket.write(chunk)) {
        socket.once('drain', write);
        return;
      }
    }
    if (then === 'end') socket.end();
  };
  write();
}

/** Echoes every byte back, with backpressure; ends its side when the client ends its own. */
export function startEchoServer(host?: string): Promise<TestServer> {
  return serve((socket) => socket.pipe(socket), host);
}

/** Reads until the client half-closes, then answers with the sha256 (hex) of everything it read. */
export function startHashServer(): Promise<TestServer> {
  return serve((socket) => {
    const hash = createHash('sha256');
    socket.on('data', (chunk) => hash.update(chunk));
    socket.on('end', () => socket.end(hash.digest('hex')));
  });
}

/** Sends `size` random bytes and closes; the test learns their hash through `sent`. */
export async function startSourceServer(size: number): Promise<TestServer & {sent: Promise<string>[]}> {
  const sent: Promise<string>[] = [];
  const server = await serve((socket) => {
    sent.push(
      new Promise((resolve) => {
        const hash = createHash('sha256');
        let left = size;
        const block = randomBytes(1 << 20);
        const pump = () => {
          while (left > 0) {
            const chunk = block.subarray(0, Math.min(left, block.length));
            left -= chunk.length;
            hash.update(chunk);
            if (!socket.write(chunk)) {
              socket.once('drain', pump);
              return;
            }
          }
          socket.end();
          resolve(hash.digest('hex'));
        };
        pump();
      }),
    );
  });
  return Object.assign(server, {sent});
}

/**
 * A connected socket to the port. "loopback" means 127.0.0.1, then ::1 when 127.0.0.1 refuses: sshd
 * listening on "localhost" with port 0 takes the port the kernel gave ::1 and skips 127.0.0.1 when that
 * port is taken there, as ssh's users see too.
 */
export async function connectTo(
  port: number,
  host: string,
  options: {allowHalfOpen?: boolean} = {},
): Promise<net.Socket> {
  const attempt = (address: string) =>
    new Promise<net.Socket>((resolve, reject) => {
      const socket = net.connect({port, host: address, ...options});
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.removeListener('error', reject);
        resolve(socket);
      });
    });
  if (host !== 'loopback') return attempt(host);
  try {
    return await attempt('127.0.0.1');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ECONNREFUSED') throw error;
    return attempt('::1');
  }
}

/** Connects, writes `size` random bytes (then half-closes), and reads everything back. */
export async function exchange(
  port: number,
  size: number,
  host = 'loopback',
): Promise<{sentHash: string; receivedHash: string; received: number}> {
  const socket = await connectTo(port, host, {allowHalfOpen: true});
  return new Promise((resolve, reject) => {
    const sentHash = createHash('sha256');
    const receivedHash = createHash('sha256');
    let received = 0;
    let left = size;
    const block = randomBytes(1 << 20);
    socket.on('data', (chunk) => {
      received += chunk.length;
      receivedHash.update(chunk);
    });
    socket.on('error', reject);
    socket.on('end', () => {
      socket.end();
      resolve({sentHash: sentHash.digest('hex'), receivedHash: receivedHash.digest('hex'), received});
    });
    const pump = () => {
      while (left > 0) {
        const chunk = block.subarray(0, Math.min(left, block.length));
        left -= chunk.length;
        sentHash.update(chunk);
        if (!socket.write(chunk)) {
          socket.once('drain', pump);
          return;
        }
      }
      socket.end();
    };
    pump();
  });
}

/** Reads one connection to the end and hashes what arrived. */
export async function readAll(port: number, host = 'loopback'): Promise<{hash: string; bytes: number}> {
  const socket = await connectTo(port, host);
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let bytes = 0;
    socket.on('data', (chunk) => {
      bytes += chunk.length;
      hash.update(chunk);
    });
    socket.on('error', reject);
    socket.on('end', () => resolve({hash: hash.digest('hex'), bytes}));
  });
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** True when nothing listens on the port any more (the connection is refused). */
export function connectionRefused(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.on('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

/**
 * A connected pair of loopback sockets, as a forward's listener makes them: [the forward's side, the
 * client's side, a function that closes the listener].
 */
export async function socketPair(): Promise<[net.Socket, net.Socket, () => void]> {
  const server = net.createServer({allowHalfOpen: true, pauseOnConnect: true});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const client = net.connect({port, host: '127.0.0.1', allowHalfOpen: true});
  const ours = await accepted;
  return [ours, client, () => server.close()];
}

/** Everything the socket reads until its EOF. */
export function readToEnd(socket: net.Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
  });
}
