import net from 'node:net';
import {type HostPort, sameAddress} from '../protocols/ftp-lines.js';
import type {ChannelLink} from './channel-link.js';
import type {Control, DataChannel, DataChannelForward} from './ftp-data-channel.js';
import {formatAddress, holdDescriptor} from './listen.js';

/**
 * The addresses the FTP server's active data connections come from, as the SSH server sees them, or
 * undefined when they cannot be known here. FTP servers connect from the address their control connection
 * reached (vsftpd, ProFTPD and pyftpdlib bind their data socket there): the forward's host when it is an
 * address; the loopback addresses for `localhost`; loopback for the unspecified address, which the kernel
 * connects there. Any other name is resolved on the SSH server, and what it resolves to there is not known.
 */
export function ftpServerAddresses(host: string): string[] | undefined {
  if (host.toLowerCase() === 'localhost') return ['127.0.0.1', '::1'];
  if (host === '0.0.0.0') return ['127.0.0.1'];
  if (host === '::') return ['::1'];
  return net.isIP(host) ? [host] : undefined;
}

/**
 * A one-connection remote forward on the SSH server's loopback, routed to the FTP client's listener. It
 * takes the first connection from the FTP server's address (forward.serverAddresses, any when not known):
 * anything else on the SSH server that connects first is refused, and the listener keeps waiting.
 */
export async function openActive(
  forward: DataChannelForward,
  client: HostPort,
  control: Control,
): Promise<HostPort> {
  const dataId = forward.nextDataId();
  const local = formatAddress(client.host, client.port);
  let used = false;
  let closed = false;
  let socketOpen: net.Socket | undefined;
  let boundPort = 0;
  let data: DataChannel | undefined;
  const close = forward.dataChannelCloser(dataId, control, () => {
    closed = true;
    clearTimeout(timer);
    socketOpen?.destroy();
    if (!used) void forward.context.cancelRemoteForward('127.0.0.1', boundPort);
  });
  boundPort = await forward.context.requestRemoteForward('127.0.0.1', 0, (details, accept, reject) => {
    if (used || closed) {
      reject();
      return;
    }
    // The channel carries who connected on the SSH server (its originator): sshd reads it from the socket.
    const from = details.srcIP ? formatAddress(details.srcIP, details.srcPort) : 'an unknown address';
    const servers = forward.serverAddresses;
    if (servers && !servers.some((server) => details.srcIP && sameAddress(details.srcIP, server))) {
      reject();
      forward.warn(
        `refused a data connection to ${remote} from ${from}: not the FTP server's address (${servers.join(' or ')})`,
      );
      return;
    }
    used = true;
    if (data) {
      data.connected = true;
      data.from = `${from} on the SSH server`;
    }
    clearTimeout(timer);
    // One connection per data channel: stop listening on the server at once. (Its reply arrives as the
    // data starts; the session ACKs such small reads at once, or the data would wait 40 ms behind it.)
    void forward.context.cancelRemoteForward('127.0.0.1', boundPort);
    const socket = new net.Socket({allowHalfOpen: true});
    // Handled from the start: whatever the client's listener does ends this data channel only.
    socket.on('error', (error) => close(`the FTP client's data listener ${local}: ${error.message}`));
    const refusal = holdDescriptor(socket);
    if (refusal) {
      reject();
      close(refusal);
      return;
    }
    socketOpen = socket;
    let reached = false;
    socket.once('connect', () => {
      reached = true;
      let link: ChannelLink;
      try {
        link = forward.context.adoptChannel(accept());
      } catch (error) {
        close((error as Error).message);
        return;
      }
      forward.carryData(socket, link, local, remote, close);
    });
    // The FTP server's connection is answered only once the client's listener has been reached.
    socket.once('close', () => {
      if (!reached) reject();
    });
    socket.connect({host: client.host, port: client.port});
  });
  const remote = `127.0.0.1:${boundPort} on the SSH server`;
  const timer = setTimeout(() => close('the FTP server did not connect in time'), forward.dataIdleTimeoutMs);
  data = forward.addDataChannel(dataId, control, close);
  forward.opened(dataId, 'active', local, remote);
  return {host: '127.0.0.1', port: boundPort};
}
