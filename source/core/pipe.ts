import type net from 'node:net';
import type {Duplex} from 'node:stream';

/**
 * Joins a TCP socket and an SSH channel in both directions. pipe() gives backpressure both ways (a slow
 * reader pauses the other side; the ssh window does the rest) and carries each side's EOF over as a
 * half-close. Both sockets must be created with allowHalfOpen. Calls onClose once, when the socket has
 * closed, with the first error seen.
 */
export function joinSocketAndChannel(
  socket: net.Socket,
  channel: Duplex,
  onClose: (error: Error | undefined) => void,
): void {
  const firstError = destroyBothOnError(socket, channel);
  closeSecond(channel);
  // The channel closing after EOF is normal; pipe has already ended the socket (after writing what was
  // buffered). A close without EOF means the other side went away: finish what is written, then close.
  // Nothing the client still sends can be delivered now, so once our writes are out the socket closes
  // even if the client has not finished sending (as ssh does): it never waits on a reader that is gone.
  channel.on('close', () => {
    if (!socket.writableEnded) socket.end();
    if (socketEnded) return;
    if (socket.writableFinished) socket.destroy();
    else socket.once('finish', () => socket.destroy());
  });
  let socketEnded = false;
  socket.on('end', () => {
    socketEnded = true;
  });
  socket.on('close', () => {
    // After a clean end, pipe() ends the channel once ssh2 has sent every byte it still holds (it may be
    // waiting for window); destroying it here would cut that tail off. Only an abrupt close destroys it.
    if (!socketEnded || firstError()) channel.destroy();
    onClose(firstError());
  });
  socket.pipe(channel);
  channel.pipe(socket);
}

/** An error on either side destroys both; returns the first error seen (for the connection's log line). */
export function destroyBothOnError(socket: net.Socket, channel: Duplex): () => Error | undefined {
  let firstError: Error | undefined;
  const fail = (error: Error) => {
    firstError ??= error;
    socket.destroy();
    channel.destroy();
  };
  socket.on('error', fail);
  channel.on('error', fail);
  return () => firstError;
}

/** How long the peer has to close a channel once both sides have sent EOF. */
const PEER_CLOSE_TIMEOUT_MS = 5000;

/**
 * Lets the peer send CHANNEL_CLOSE first once both EOFs are exchanged (OpenSSH does, at once), so ours
 * answers it and carries the TCP ACK. Closing first (Node's autoDestroy would) leaves the peer's CLOSE
 * unacknowledged until our delayed ACK, and sshd's Nagle then holds its next small packet, the CHANNEL_OPEN
 * of the next -R connection, for 40 ms: 20 connections a second instead of hundreds.
 */
function closeSecond(channel: Duplex): void {
  // Node has no public switch for this after construction; ssh2 creates the channel.
  const states = channel as unknown as {
    _readableState: {autoDestroy: boolean};
    _writableState: {autoDestroy: boolean};
  };
  states._readableState.autoDestroy = false;
  states._writableState.autoDestroy = false;
  let ended = false;
  let finished = false;
  const whenBothDone = () => {
    if (!ended || !finished) return;
    // A peer that never closes still gets its channel closed.
    const timer = setTimeout(() => channel.destroy(), PEER_CLOSE_TIMEOUT_MS);
    channel.once('close', () => clearTimeout(timer));
  };
  channel.once('end', () => {
    ended = true;
    whenBothDone();
  });
  channel.once('finish', () => {
    finished = true;
    whenBothDone();
  });
}
