import net from 'node:net';
import {type HostPort, sameAddress} from '../protocols/ftp-lines.js';
import type {Control, DataChannel, DataChannelForward} from './ftp-data-channel.js';
import {
  createListener,
  formatAddress,
  holdDescriptor,
  isLoopbackAddress,
  listen,
  type Peer,
} from './listen.js';
import {peerOwner} from './peer-owner.js';

/**
 * A one-connection local listener for a passive data port; resolves with where the client must connect.
 * It listens where the client reached the control connection, and takes the first connection that is
 * the FTP client's: from its address, and, when the client is on this machine, owned by its user.
 */
export async function openPassive(
  forward: DataChannelForward,
  serverPort: number,
  extended: boolean,
  control: Control,
): Promise<HostPort> {
  const clientAddress = control.peer.address;
  // A client that came over the network (ftp/0.0.0.0:...) cannot reach 127.0.0.1.
  const controlAddress = control.socket.localAddress?.replace(/^::ffff:(?=\d+\.)/i, '');
  // 227 can only carry IPv4 (229 names only the port): a client on ::1 is sent to 127.0.0.1, loopback as
  // well, and connects from there (its owner is checked all the same); a client that came to another IPv6
  // address may not reach 127.0.0.1 or any IPv4 address of this machine, so it is told to use EPSV.
  const pasvOverIPv6 = !extended && controlAddress !== undefined && net.isIPv6(controlAddress);
  if (pasvOverIPv6 && !isLoopbackAddress(controlAddress))
    throw new Error(
      `PASV came over IPv6 (not loopback), and a 227 reply can only name an IPv4 address; use EPSV`,
    );
  const bindHost = controlAddress && !pasvOverIPv6 ? controlAddress : '127.0.0.1';
  const clientAddresses = pasvOverIPv6 ? [clientAddress, '127.0.0.1'] : [clientAddress];
  // Looked up while the control connection is certainly open; its data connections are compared to it.
  control.owner ??= peerOwner(control.socket);
  const dataId = forward.nextDataId();
  const remote = formatAddress(forward.target.host, serverPort);
  let socketOpen: net.Socket | undefined;
  let data: DataChannel | undefined;
  /** Connections whose owner is being looked up. */
  const checking = new Set<net.Socket>();
  const refuse = (socket: net.Socket, peer: Peer, why: string) => {
    socket.destroy();
    forward.warn(`refused a data connection to ${local} from ${peer.text}: ${why}`);
  };
  const take = (socket: net.Socket, peer: Peer) => {
    socketOpen = socket;
    if (data) {
      data.connected = true;
      data.from = peer.text;
    }
    clearTimeout(timer);
    listener.close();
    for (const other of checking) other.destroy();
    forward.context.openLink(peer, forward.target.host, serverPort).then(
      (link) => forward.carryData(socket, link, local, remote, close),
      (error: Error) => close(error.message),
    );
  };
  const listener = createListener(
    {allowHalfOpen: true, pauseOnConnect: true},
    (socket, peer) => {
      if (socketOpen) {
        refuse(socket, peer, 'the data channel already has its connection');
        return;
      }
      // Node reads the address after accepting: a client that reset before then has none to compare.
      if (peer.port === 0) {
        refuse(socket, peer, 'its address could not be read');
        return;
      }
      if (!clientAddresses.some((address) => sameAddress(peer.address, address))) {
        refuse(socket, peer, `not the FTP client's address (${clientAddresses.join(' or ')})`);
        return;
      }
      checking.add(socket);
      void ownerRefusal(control, socket).then((refusal) => {
        checking.delete(socket);
        // Gone meanwhile: it closed, another connection took the channel, or the channel closed.
        if (socket.destroyed) return;
        if (refusal) refuse(socket, peer, refusal);
        else if (socketOpen) refuse(socket, peer, 'the data channel already has its connection');
        else take(socket, peer);
      });
    },
    (_peer, reason) => close(reason),
  );
  // An accept error here ends the data channel (close is defined below, before any connection comes).
  const address = await listen(listener, bindHost, 0, (reason) => close(reason));
  const refusal = holdDescriptor(listener);
  if (refusal) {
    listener.close();
    throw new Error(refusal);
  }
  const local = formatAddress(address.address, address.port);
  const timer = setTimeout(() => close('no data connection came in time'), forward.dataIdleTimeoutMs);
  const close = forward.dataChannelCloser(dataId, control, () => {
    clearTimeout(timer);
    listener.close();
    for (const socket of checking) socket.destroy();
    socketOpen?.destroy();
  });
  data = forward.addDataChannel(dataId, control, close);
  forward.opened(dataId, 'passive', local, remote);
  return {host: address.address, port: address.port};
}

/**
 * Why a data connection is not the FTP client's, by the user that owns its far end; undefined when it
 * is, or when that cannot be known (a client on another machine, a system without /proc/net/tcp): the
 * address check is then all there is. Every local user connects from 127.0.0.1: only the owner tells
 * the client from another user's process watching for new listeners.
 */
async function ownerRefusal(control: Control, socket: net.Socket): Promise<string | undefined> {
  const expected = await control.owner;
  if (expected === undefined) return undefined;
  const owner = await peerOwner(socket);
  if (owner === expected) return undefined;
  return owner === undefined
    ? `its owner cannot be found (it may have closed at once), so it may not be the FTP client (uid ${expected})`
    : `it belongs to another local user (uid ${owner}), not the FTP client's (uid ${expected})`;
}
