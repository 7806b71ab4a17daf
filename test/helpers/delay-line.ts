import net from 'node:net';

/**
 * A userspace delay line in front of a TCP server (this kernel has no netem): every chunk waits
 * `oneWayMs` before it is passed on, in each direction, with no bandwidth cap. The round trip through it
 * is twice `oneWayMs` plus loopback's.
 */
export interface DelayLine {
  port: number;
  close(): Promise<void>;
}

export async function startDelayLine(
  targetPort: number,
  oneWayMs: number,
  host = '127.0.0.1',
): Promise<DelayLine> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    const carry = (from: net.Socket, to: net.Socket) => {
      from.on('data', (chunk: Buffer) => {
        setTimeout(() => {
          if (!to.destroyed) to.write(chunk);
        }, oneWayMs);
      });
      from.on('end', () => setTimeout(() => to.end(), oneWayMs));
      from.on('error', () => to.destroy());
      from.on('close', () => setTimeout(() => to.destroy(), oneWayMs + 1));
    };
    carry(client, upstream);
    carry(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
