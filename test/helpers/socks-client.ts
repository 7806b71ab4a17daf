// A SOCKS5 client for the tests and the bench, written apart from the forwarder's SOCKS parser so that
// a test does not check the parser against itself.
import net from 'node:net';

/** A connected socket (connect errors reject). */
export function connectTo(port: number, allowHalfOpen = false, host = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({port, host, allowHalfOpen});
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Reads exactly `count` bytes from a paused-or-flowing socket, then pauses it; leftover bytes are put back. */
export function readExactly(socket: net.Socket, count: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < count) return;
      socket.pause();
      cleanup();
      if (buffered.length > count) socket.unshift(buffered.subarray(count));
      resolve(buffered.subarray(0, count));
    };
    const onEnd = () => {
      cleanup();
      reject(new Error(`the connection ended after ${buffered.length} of ${count} bytes`));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', onError);
    socket.resume();
  });
}

/** A tiny SOCKS5 client: no authentication, CONNECT to an IPv4 address. */
export async function socks5Connect(
  proxyPort: number,
  targetHost: string,
  targetPort: number,
  allowHalfOpen = false,
  proxyHost = '127.0.0.1',
): Promise<net.Socket> {
  const socket = await connectTo(proxyPort, allowHalfOpen, proxyHost);
  try {
    socket.write(Buffer.from([5, 1, 0]));
    const method = await readExactly(socket, 2);
    if (method[0] !== 5 || method[1] !== 0)
      throw new Error(`SOCKS: no acceptable method (${method.toString('hex')})`);
    const request = Buffer.alloc(10);
    request.set([5, 1, 0, 1]);
    request.set(targetHost.split('.').map(Number), 4);
    request.writeUInt16BE(targetPort, 8);
    socket.write(request);
    const head = await readExactly(socket, 4);
    if (head[1] !== 0) throw new Error(`SOCKS: CONNECT failed with reply ${head[1]}`);
    const addressLength = head[3] === 1 ? 4 : head[3] === 4 ? 16 : (await readExactly(socket, 1))[0]!;
    await readExactly(socket, addressLength + 2);
    return socket;
  } catch (error) {
    socket.destroy();
    throw error;
  }
}
