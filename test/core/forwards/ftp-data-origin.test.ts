// Who may take an FTP data channel (field report of the hostile-client test): an active one only from the
// FTP server's address, whoever connects first to its port on the SSH server; a passive one from a client
// on ::1 that follows its PASV's 227 to 127.0.0.1; and a passive connection that resets at once is not
// said to come from the wrong address. Each one named in the log, and the transfer still goes through.
import {execFileSync} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {writeFile} from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {TunnelEvent} from '../../../source/core/events.js';
import {ftpServerAddresses} from '../../../source/core/forwards/ftp-active.js';
import type {Control, DataChannelForward} from '../../../source/core/forwards/ftp-data-channel.js';
import {openPassive} from '../../../source/core/forwards/ftp-passive.js';
import {useSshdAndEcho} from '../../helpers/fixtures.js';
import {ftpControl, readAll} from '../../helpers/ftp-control.js';
import {startVsftpd, type TestFtpServer} from '../../helpers/ftp-servers.js';
import {thisMachine} from '../../helpers/netns.js';
import {until} from '../../helpers/session.js';
import {freePort} from '../../helpers/sshd.js';
import {sha256} from '../../helpers/targets.js';

const passivePort = (reply: string) => {
  const numbers = /^227 .*\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/.exec(reply);
  expect(numbers, reply).not.toBeNull();
  return {host: numbers!.slice(1, 5).join('.'), port: Number(numbers![5]) * 256 + Number(numbers![6])};
};

describe('who may take an FTP data channel, through a real sshd to vsftpd on this machine', () => {
  const fixture = useSshdAndEcho({session: true});
  let ftp: TestFtpServer;
  const file = randomBytes(1024 * 1024);
  beforeAll(async () => {
    ftp = await startVsftpd(thisMachine, {port: await freePort()});
    await writeFile(path.join(ftp.root, 'data.bin'), file, {mode: 0o644});
  }, 30_000);
  afterAll(async () => {
    await ftp?.stop();
  });

  const ftpForward = (host: string) =>
    fixture.session.addForward({kind: 'ftp', bindAddress: undefined, port: 0, host, hostPort: ftp.port});
  const eventsSince = <Name extends TunnelEvent['event']>(from: number, name: Name, forwardId: string) =>
    fixture.session.seen
      .slice(from)
      .filter(
        (event): event is Extract<TunnelEvent, {event: Name}> =>
          event.event === name && 'forwardId' in event && event.forwardId === forwardId,
      );

  it.each(['127.0.0.1', 'localhost'])(
    'active (-L ftp/…:%s:…): another address on the SSH server that connects first is refused and named; the FTP server then delivers the file',
    async (host) => {
      const forward = await ftpForward(host);
      const from = fixture.session.seen.length;
      // The FTP client's own data listener: it must see only the FTP server's connection.
      const received: Array<Promise<Buffer>> = [];
      const listener = net.createServer((socket) => received.push(readAll(socket)));
      await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
      const clientPort = (listener.address() as net.AddressInfo).port;
      const control = await ftpControl(forward.listeningOn!.port);
      try {
        expect(await control.command(`PORT 127,0,0,1,${clientPort >> 8},${clientPort & 0xff}`)).toMatch(
          /^200/,
        );
        const [opened] = eventsSince(from, 'ftp-data-opened', forward.id);
        const serverSide = Number(/^127\.0\.0\.1:(\d+) on the SSH server$/.exec(opened!.remote)?.[1]);
        expect(serverSide).toBeGreaterThan(0);

        // Something on the SSH server, from 127.0.0.2, connects to the port the FTP server was given.
        const impostor = net.connect({host: '127.0.0.1', port: serverSide, localAddress: '127.0.0.2'});
        impostor.on('error', () => {});
        impostor.write('NOT FROM THE FTP SERVER\n');
        await new Promise((resolve) => impostor.once('close', resolve));
        const refused = eventsSince(from, 'warning', forward.id).map((event) => event.message);
        expect(refused).toEqual([
          expect.stringMatching(
            new RegExp(
              `: refused a data connection to 127\\.0\\.0\\.1:${serverSide} on the SSH server from 127\\.0\\.0\\.2:\\d+: not the FTP server's address \\(${host === 'localhost' ? '127\\.0\\.0\\.1 or ::1' : '127\\.0\\.0\\.1'}\\)$`,
            ),
          ),
        ]);
        expect(received).toHaveLength(0);

        // The listener on the SSH server is still there for the FTP server.
        expect(await control.command('RETR /pub/data.bin')).toMatch(/^150/);
        expect(await control.reply()).toMatch(/^226/);
        await until(() => received.length === 1, 5000, "the FTP server's data connection");
        expect(sha256(await received[0]!)).toBe(sha256(file));
        await until(() => eventsSince(from, 'ftp-data-closed', forward.id).length === 1, 5000, 'the close');
        expect(eventsSince(from, 'ftp-data-closed', forward.id)[0]).toMatchObject({
          bytesOut: file.length,
          from: expect.stringMatching(/^127\.0\.0\.1:\d+ on the SSH server$/),
        });
        expect(received).toHaveLength(1);
      } finally {
        control.socket.destroy();
        listener.close();
        await fixture.session.removeForward(forward.id);
      }
    },
  );

  it('PASV over ::1: the 227 names 127.0.0.1, and the client that follows it there gets the file', async () => {
    const forward = await ftpForward('127.0.0.1');
    const from = fixture.session.seen.length;
    const control = await ftpControl(forward.listeningOn!.port, '::1');
    try {
      const target = passivePort(await control.command('PASV'));
      expect(target.host).toBe('127.0.0.1');
      const data = net.connect(target);
      const received = readAll(data);
      await new Promise((resolve) => data.once('connect', resolve));
      const dataPort = data.localPort;
      expect(await control.command('RETR /pub/data.bin')).toMatch(/^150/);
      expect(sha256(await received)).toBe(sha256(file));
      expect(await control.reply()).toMatch(/^226/);
      expect(eventsSince(from, 'warning', forward.id)).toEqual([]);
      await until(() => eventsSince(from, 'ftp-data-closed', forward.id).length === 1, 5000, 'the close');
      expect(eventsSince(from, 'ftp-data-closed', forward.id)[0]).toMatchObject({
        bytesOut: file.length,
        from: `127.0.0.1:${dataPort}`,
      });
    } finally {
      control.socket.destroy();
      await fixture.session.removeForward(forward.id);
    }
  });

  it('a passive data connection that resets before its address is read is not said to be from the wrong address; the client then gets the file', async () => {
    const forward = await ftpForward('127.0.0.1');
    const from = fixture.session.seen.length;
    const control = await ftpControl(forward.listeningOn!.port);
    try {
      const target = passivePort(await control.command('PASV'));
      // Connects and resets while this process's event loop is held: by the time the listener accepts,
      // the kernel has no peer address left to give.
      execFileSync('/usr/bin/python3', [
        '-c',
        `import socket, struct
s = socket.create_connection(("127.0.0.1", ${target.port}))
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()`,
      ]);
      await until(() => eventsSince(from, 'warning', forward.id).length === 1, 5000, 'the refusal');
      expect(eventsSince(from, 'warning', forward.id)[0]!.message).toMatch(
        new RegExp(
          `: refused a data connection to 127\\.0\\.0\\.1:${target.port} from a client that reset at once: its address could not be read$`,
        ),
      );
      const data = net.connect(target);
      const received = readAll(data);
      expect(await control.command('RETR /pub/data.bin')).toMatch(/^150/);
      expect(sha256(await received)).toBe(sha256(file));
      expect(await control.reply()).toMatch(/^226/);
    } finally {
      control.socket.destroy();
      await fixture.session.removeForward(forward.id);
    }
  });
});

describe('PASV from a client on another IPv6 address', () => {
  it('is refused before any listener is made: a 227 cannot name where such a client could connect', async () => {
    const forward = {nextDataId: () => 1} as unknown as DataChannelForward;
    const control = {
      socket: {localAddress: '2001:db8::1'},
      peer: {address: '2001:db8::2', port: 40000, text: '[2001:db8::2]:40000'},
    } as unknown as Control;
    await expect(openPassive(forward, 50000, false, control)).rejects.toThrow(
      'PASV came over IPv6 (not loopback), and a 227 reply can only name an IPv4 address; use EPSV',
    );
  });
});

describe('ftpServerAddresses: where the FTP server connects from, for an active data channel', () => {
  it.each([
    ['127.0.0.1', ['127.0.0.1']],
    ['10.0.0.5', ['10.0.0.5']],
    ['::1', ['::1']],
    ['2001:db8::5', ['2001:db8::5']],
    ['localhost', ['127.0.0.1', '::1']],
    ['LocalHost', ['127.0.0.1', '::1']],
    // Connecting to the unspecified address reaches loopback.
    ['0.0.0.0', ['127.0.0.1']],
    ['::', ['::1']],
    // A name is resolved on the SSH server: its address is not known here.
    ['ftp.internal', undefined],
    ['vm', undefined],
  ])('%s: %j', (host, expected) => {
    expect(ftpServerAddresses(host)).toEqual(expected);
  });
});
