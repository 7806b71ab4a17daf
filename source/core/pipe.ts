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
  let firstError: Error | undefined;
  const fail = (error: Error) => {
    firstError ??= error;
    socket.destroy();
    channel.destroy();
  };
  socket.on('error', fail);
  channel.on('error', fail);
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
    if (!socketEnded || firstError) channel.destroy();
    onClose(firstError);
  });
  socket.pipe(channel);
  channel.pipe(socket);
}
