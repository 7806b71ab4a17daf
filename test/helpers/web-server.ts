import http from 'node:http';
import type net from 'node:net';

export interface WebServer {
  host: string;
  port: number;
  /** `http://host:port`. */
  origin: string;
  /** Every request's path, in the order they came in. */
  requests: string[];
  /** Connections currently open on the server side. */
  open(): number;
  close(): Promise<void>;
}

/** A plain HTTP/1.1 server (keep-alive) that records each request's path before `handle` answers it. */
export async function startWebServer(
  host: string,
  handle: (request: http.IncomingMessage, response: http.ServerResponse) => void,
): Promise<WebServer> {
  const sockets = new Set<net.Socket>();
  const requests: string[] = [];
  const server = http.createServer((request, response) => {
    requests.push(request.url ?? '');
    handle(request, response);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen({port: 0, host, backlog: 1024}, resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    host,
    port,
    origin: `http://${host}:${port}`,
    requests,
    open: () => sockets.size,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Serves `body` as application/octet-stream, honouring one `Range: bytes=N-[M]` as wget -c and curl -C ask. */
export function sendBytes(request: http.IncomingMessage, response: http.ServerResponse, body: Buffer): void {
  const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '');
  if (range) {
    const start = Number(range[1]);
    const end = range[2] ? Math.min(Number(range[2]), body.length - 1) : body.length - 1;
    if (start >= body.length) {
      response.writeHead(416, {'Content-Range': `bytes */${body.length}`}).end();
      return;
    }
    response.writeHead(206, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': end - start + 1,
      'Content-Range': `bytes ${start}-${end}/${body.length}`,
    });
    response.end(body.subarray(start, end + 1));
    return;
  }
  response.writeHead(200, {
    'Content-Type': 'application/octet-stream',
    'Content-Length': body.length,
    'Accept-Ranges': 'bytes',
  });
  response.end(body);
}
