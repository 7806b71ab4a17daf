import net from 'node:net';
import {ForwardBase} from './forward.js';
import type {ForwardContext, RemoteConnectionHandler} from './forward-context.js';
import type {TargetForwardSpec} from './forward-spec.js';
import {formatAddress} from './listen.js';
import {joinSocketAndChannel} from './pipe.js';

/** What ssh sends as the listen address: "localhost" by default, "" for every interface. */
export function remoteBindAddress(bindAddress: string | undefined): string {
  return bindAddress ?? 'localhost';
}

/** -R: the server listens; each connection it accepts comes back as a channel and goes to host:hostport here. */
export class RemoteForward extends ForwardBase {
  private bound: {address: string; port: number} | undefined;
  private readonly pending = new Set<net.Socket>();

  constructor(
    id: string,
    readonly target: TargetForwardSpec,
    private readonly context: ForwardContext,
  ) {
    super(id, target, context.events, false);
  }

  async start(): Promise<void> {
    const address = remoteBindAddress(this.target.bindAddress);
    try {
      const port = await this.context.requestRemoteForward(address, this.target.port, this.onConnection);
      this.bound = {address, port};
      this.setListening(address === '' ? '*' : address, port);
    } catch (error) {
      this.setFailed((error as Error).message);
    }
  }

  private readonly onConnection: RemoteConnectionHandler = (details, accept, reject) => {
    const from = `${formatAddress(details.srcIP, details.srcPort)} (on the server)`;
    const {host, hostPort} = this.target;
    const to = formatAddress(host, hostPort);
    if (this.state !== 'listening') {
      reject();
      return;
    }
    const socket = net.connect({host, port: hostPort, allowHalfOpen: true});
    this.pending.add(socket);
    const onConnectError = (error: NodeJS.ErrnoException) => {
      this.pending.delete(socket);
      reject();
      this.connectionFailed(from, to, targetErrorMessage(error, to));
    };
    socket.once('error', onConnectError);
    socket.once('connect', () => {
      this.pending.delete(socket);
      socket.off('error', onConnectError);
      const channel = accept();
      const connectionId = this.trackConnection(socket, from, to);
      joinSocketAndChannel(socket, channel, (error) => this.untrackConnection(connectionId, error));
    });
  };

  async close(): Promise<void> {
    const bound = this.bound;
    this.bound = undefined;
    this.setClosed();
    for (const socket of [...this.pending, ...this.openSockets()]) socket.destroy();
    this.pending.clear();
    if (bound) await this.context.cancelRemoteForward(bound.address, bound.port).catch(() => {});
  }
}

export function targetErrorMessage(error: NodeJS.ErrnoException, target: string): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return `${target} refused the connection (nothing listening there?)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve ${target}`;
    case 'ETIMEDOUT':
      return `${target} did not answer (timed out)`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${target} is unreachable from here`;
    default:
      return `cannot connect to ${target}: ${error.message}`;
  }
}
