import {readFile} from 'node:fs/promises';
import net from 'node:net';
import {describe, expect, it} from 'vitest';
import {peerOwner} from '../../../source/core/forwards/peer-owner.js';

describe('peerOwner: the uid behind an accepted connection, from the real /proc/net/tcp', () => {
  const uid = process.getuid!();

  /** Listens on `host`, connects from `connectTo`, and returns what peerOwner says of the accepted socket. */
  async function ownerSeen(host: string, connectTo: string, ipv6Only = false): Promise<number | undefined> {
    const server = net.createServer();
    const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
    await new Promise<void>((resolve) => server.listen({host, port: 0, ipv6Only}, resolve));
    const client = net.connect({host: connectTo, port: (server.address() as net.AddressInfo).port});
    try {
      const socket = await accepted;
      const owner = await peerOwner(socket);
      socket.destroy();
      return owner;
    } finally {
      client.destroy();
      server.close();
    }
  }

  it.runIf(process.platform === 'linux')('IPv4 client to an IPv4 listener', async () => {
    expect(await readFile('/proc/net/tcp', 'latin1')).toMatch(/local_address/);
    expect(await ownerSeen('127.0.0.1', '127.0.0.1')).toBe(uid);
  });

  it.runIf(process.platform === 'linux')('IPv6 client to an IPv6 listener', async () => {
    expect(await ownerSeen('::1', '::1')).toBe(uid);
  });

  it.runIf(process.platform === 'linux')(
    'a dual-stack (IPv6) client socket to an IPv4 listener, and an IPv4 client to a dual-stack listener',
    async () => {
      expect(await ownerSeen('127.0.0.1', '::ffff:127.0.0.1')).toBe(uid);
      expect(await ownerSeen('::', '127.0.0.1')).toBe(uid);
    },
  );

  it('gives undefined for a socket with no far end', async () => {
    expect(await peerOwner(new net.Socket())).toBeUndefined();
  });

  it('many lookups at once against the real table: each gets its own answer', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const accepted: net.Socket[] = [];
    server.on('connection', (socket) => accepted.push(socket));
    const clients = Array.from({length: 50}, () =>
      net.connect((server.address() as net.AddressInfo).port, '127.0.0.1'),
    );
    await Promise.all(clients.map((client) => new Promise((resolve) => client.once('connect', resolve))));
    while (accepted.length < clients.length) await new Promise((resolve) => setTimeout(resolve, 10));
    try {
      const owners = await Promise.all(accepted.map((socket) => peerOwner(socket)));
      expect(owners).toEqual(accepted.map(() => process.getuid!()));
    } finally {
      for (const socket of [...clients, ...accepted]) socket.destroy();
      server.close();
    }
  });
});
