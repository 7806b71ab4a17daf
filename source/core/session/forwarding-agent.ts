import type net from 'node:net';
import ssh2 from './ssh2.js';

/**
 * The agent at `socketPath`, for ssh2. ssh2 joins a forwarded agent channel to a socket of the agent's
 * with pipe() both ways, which passes the socket's EOF on but not its errors: an agent that drops a
 * connection with input unread (ECONNRESET) or that is written to after it closed (EPIPE) left the channel
 * open, and sshd the server-side client's socket, for the rest of the session. The channel now closes
 * with the socket, however it closes, and the socket with the channel.
 */
export function forwardingAgent(socketPath: string) {
  const agent = new ssh2.OpenSSHAgent(socketPath);
  type Callback = (error: Error | undefined, stream?: net.Socket) => void;
  const getStream = (agent as unknown as {getStream(cb: Callback): void}).getStream.bind(agent);
  (agent as unknown as {getStream(cb: Callback): void}).getStream = (cb: Callback) =>
    getStream((error, stream) => {
      if (error || !stream) {
        cb(error, stream);
        return;
      }
      const pipe = stream.pipe.bind(stream);
      stream.pipe = <T extends NodeJS.WritableStream>(destination: T, options?: {end?: boolean}) => {
        // Forwarding pipes into the channel (an ssh2 Channel has `outgoing`); authentication, into
        // ssh2's agent protocol, which ends the stream itself.
        if ('outgoing' in destination) {
          stream.once('close', () => (destination as unknown as {destroy(): void}).destroy());
          // And the other way: a stream paused by a channel that stopped taking data would never read
          // the agent's EOF, and stay open.
          (destination as unknown as NodeJS.EventEmitter).once('close', () => stream.destroy());
        }
        return pipe(destination, options);
      };
      cb(undefined, stream);
    });
  return agent;
}
