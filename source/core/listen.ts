import type net from 'node:net';

/** What the user asked to bind, turned into what net.Server.listen takes. */
export function localBindHost(bindAddress: string | undefined): string | undefined {
  // No bind address: loopback only, never every interface by accident. '' (or '*'): every interface.
  if (bindAddress === undefined || bindAddress === 'localhost') return '127.0.0.1';
  if (bindAddress === '') return undefined;
  return bindAddress;
}

export function describeBind(host: string | undefined, port: number): string {
  if (host === undefined) return `every interface, port ${port}`;
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Turns a listen error into a sentence that names the cause and the next step. */
export function listenErrorMessage(
  error: NodeJS.ErrnoException,
  host: string | undefined,
  port: number,
): string {
  const where = describeBind(host, port);
  switch (error.code) {
    case 'EADDRINUSE':
      return `port ${port} is already in use on ${where} by another program; pick another port or stop that program`;
    case 'EACCES':
      return port < 1024
        ? `port ${port} is privileged (below 1024) and only root can listen on it; run tunnels as root or pick a port of 1024 or above`
        : `not allowed to listen on ${where} (${error.code}); pick another port`;
    case 'EADDRNOTAVAIL':
      return `${host} is not an address of this machine; use 127.0.0.1, another local address, or '*' for every interface`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve the bind address ${host}; use an IP address of this machine`;
    default:
      return `cannot listen on ${where}: ${error.message}`;
  }
}

/** Starts listening; rejects with a user-facing message. */
export function listen(server: net.Server, host: string | undefined, port: number): Promise<net.AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(new Error(listenErrorMessage(error, host, port)));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(server.address() as net.AddressInfo);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    // A burst of clients (a browser, a load test) must not overflow Node's default backlog of 511.
    server.listen({host, port, exclusive: true, backlog: 4096});
  });
}

export function formatAddress(address: string | undefined, port: number | undefined): string {
  const host = address ?? '?';
  return `${host.includes(':') ? `[${host}]` : host}:${port ?? '?'}`;
}
