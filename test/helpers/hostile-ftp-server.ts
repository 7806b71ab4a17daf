// A scripted FTP server that answers PASV/EPSV (or any command) with the bytes a test gives it, and a
// decoy listening where those replies send the client: a connection to the decoy that did not come
// through the SSH server is a data connection that went around the tunnel.
import {EventEmitter} from 'node:events';
import net from 'node:net';
import {serve} from './targets.js';

/** The bytes to answer a command with: one write, or several, each written once the one before is sent. */
export type Answer = string | string[];

/** What the decoy sends on a data connection when a RETR asks for it. */
export const DECOY_BYTES = Buffer.from('decoy\r\n');

export interface Decoy {
  port: number;
  /** Connections taken so far, "peer -> decoy address" (settle()'s own left out). */
  hits(): string[];
  /** Resolves once every connection made to the decoy before the call has been taken. */
  settle(): Promise<void>;
}

export interface HostileFtpServer {
  port: number;
  decoy: Decoy;
  /** The command lines received, in order. */
  commands: string[];
  close(): Promise<void>;
}

const DEFAULT_ANSWERS: Record<string, string> = {
  USER: '331 Password please\r\n',
  PASS: '230 Logged in\r\n',
  PWD: '257 "/"\r\n',
  CWD: '250 OK\r\n',
  TYPE: '200 Type set\r\n',
  SIZE: `213 ${DECOY_BYTES.length}\r\n`,
  QUIT: '221 Bye\r\n',
};

/**
 * A hostile FTP server on 127.0.0.1 and its decoy on 127.0.0.1 and 127.0.0.2, one port. `script` gets the
 * decoy's port and returns the answers by verb (upper case); any other command gets a 502. With
 * `transfer`, RETR is answered as a real server would: 150, DECOY_BYTES on the decoy's first data
 * connection (once one comes, within 10 s), then 226.
 */
export async function startHostileFtpServer(
  script: (decoyPort: number) => Record<string, Answer>,
  options: {transfer?: boolean} = {},
): Promise<HostileFtpServer> {
  const decoy = await startDecoy();
  const answers = {...DEFAULT_ANSWERS, ...script(decoy.port)};
  const commands: string[] = [];
  const server = await serve((socket) => {
    socket.setNoDelay(true);
    const send = (text: string) =>
      new Promise((resolve) => {
        if (socket.destroyed) resolve(undefined);
        else socket.write(Buffer.from(text, 'latin1'), resolve);
      });
    void send('220 Hostile FTP server ready\r\n');
    let input = '';
    // One command at a time, in order.
    let queue = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      input += chunk.toString('latin1');
      for (let newline = input.indexOf('\n'); newline !== -1; newline = input.indexOf('\n')) {
        const line = input.slice(0, newline).replace(/\r$/, '');
        input = input.slice(newline + 1);
        commands.push(line);
        const verb = line.split(' ')[0]!.toUpperCase();
        queue = queue.then(async () => {
          if (verb === 'RETR' && options.transfer) {
            await send('150 Opening data connection\r\n');
            await send((await decoy.transfer()) ? '226 Transfer complete\r\n' : '425 No data connection\r\n');
            return;
          }
          const answer = answers[verb] ?? '502 Command not implemented\r\n';
          for (const piece of Array.isArray(answer) ? answer : [answer]) await send(piece);
          if (verb === 'QUIT') socket.end();
        });
      }
    });
  });
  return {
    port: server.port,
    decoy,
    commands,
    close: async () => {
      await server.close();
      await decoy.close();
    },
  };
}

interface TakenConnection {
  /** "peer address:port -> decoy address" */
  name: string;
  socket: net.Socket;
  served: boolean;
}

async function startDecoy() {
  const taken: TakenConnection[] = [];
  const events = new EventEmitter<{taken: [TakenConnection]}>();
  const sockets = new Set<net.Socket>();
  const listen = async (host: string, port: number) => {
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
      const connection = {
        name: `${socket.remoteAddress}:${socket.remotePort} -> ${host}`,
        socket,
        served: false,
      };
      taken.push(connection);
      events.emit('taken', connection);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({host, port}, resolve);
    });
    return {host, port: (server.address() as net.AddressInfo).port, server};
  };
  const listeners = await (async () => {
    for (let attempt = 0; ; attempt++) {
      const first = await listen('127.0.0.1', 0);
      // The same port on a second loopback address: a client that trusts the reply's address goes there.
      const second = await listen('127.0.0.2', first.port).catch((error: NodeJS.ErrnoException) => error);
      if (!(second instanceof Error)) return [first, second];
      first.server.close();
      if (second.code !== 'EADDRINUSE' || attempt === 10) throw second;
    }
  })();

  const probes = new Set<string>();
  /** Resolves with the first connection taken from now on that `accept` takes, or undefined after `ms`. */
  const next = (accept: (connection: TakenConnection) => boolean, ms: number) =>
    new Promise<TakenConnection | undefined>((resolve) => {
      const timer = setTimeout(() => finish(undefined), ms);
      const onTaken = (connection: TakenConnection) => {
        if (accept(connection)) finish(connection);
      };
      const finish = (connection: TakenConnection | undefined) => {
        clearTimeout(timer);
        events.off('taken', onTaken);
        resolve(connection);
      };
      events.on('taken', onTaken);
    });
  const probe = async (listener: {host: string; port: number}) => {
    const socket = net.connect({host: listener.host, port: listener.port});
    await new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const name = `${socket.localAddress}:${socket.localPort} -> ${listener.host}`;
    probes.add(name);
    if (!taken.some((connection) => connection.name === name)) {
      await next((connection) => connection.name === name, 10_000);
    }
    socket.destroy();
  };

  return {
    port: listeners[0]!.port,
    hits: () => taken.map((connection) => connection.name).filter((name) => !probes.has(name)),
    // Connections are taken in the order they came: once a probe is taken, so is every one before it.
    settle: async () => {
      await Promise.all(listeners.map(probe));
    },
    /** Sends DECOY_BYTES on the first data connection not yet served, and ends it; false if none came. */
    transfer: async () => {
      const waiting = (connection: TakenConnection) => !connection.served && !probes.has(connection.name);
      const connection = taken.find(waiting) ?? (await next(waiting, 10_000));
      if (!connection) return false;
      connection.served = true;
      await new Promise<void>((resolve) => connection.socket.end(DECOY_BYTES, resolve));
      return true;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all(listeners.map(({server}) => new Promise((resolve) => server.close(resolve))));
    },
  };
}
