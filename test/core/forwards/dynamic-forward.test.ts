import {execFile} from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {DynamicForward} from '../../../source/core/forwards/dynamic-forward.js';
import type {Session} from '../../../source/core/session/session.js';
import {connectedSession, until} from '../../helpers/session.js';
import {freePort, startSshd, type TestSshd} from '../../helpers/sshd.js';
import {sha256, startEchoServer} from '../../helpers/targets.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;

/** An HTTP server whose /big answers 64 MiB and whose POST answers the sha256 of the body. */
async function startHttpServer(
  host: string,
): Promise<{port: number; close: () => Promise<void>; big: Buffer}> {
  const big = Buffer.alloc(64 * MiB);
  for (let i = 0; i < big.length; i += 4096) big.writeUInt32BE(i, i);
  const server = http.createServer((request, response) => {
    if (request.method === 'POST') {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => response.end(sha256(Buffer.concat(chunks))));
      return;
    }
    if (request.url === '/big') response.end(big);
    else response.end(`hello from ${host}`);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    big,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function ipv6Loopback(): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(0, '::1', () => probe.close(() => resolve(true)));
  });
}

describe('dynamic forward (-D, SOCKS) through a real sshd', () => {
  let sshd: TestSshd;
  let web: Awaited<ReturnType<typeof startHttpServer>>;
  let session: Session;
  let socksPort: number;

  beforeAll(async () => {
    sshd = await startSshd();
    web = await startHttpServer('127.0.0.1');
    session = await connectedSession(sshd);
    const forward = await session.addForward({kind: 'dynamic', bindAddress: undefined, port: 0});
    expect(forward.state).toBe('listening');
    socksPort = forward.listeningOn!.port;
  });
  afterAll(async () => {
    await session?.close();
    await web?.close();
    await sshd?.stop();
  });

  const curl = (mode: string, url: string, extra: string[] = []) =>
    run(
      'curl',
      ['--silent', '--show-error', '--max-time', '30', mode, `127.0.0.1:${socksPort}`, ...extra, url],
      {
        maxBuffer: 128 * MiB,
        encoding: 'buffer',
      },
    );

  it.each([
    ['--socks4', '127.0.0.1'],
    ['--socks4a', 'localhost'],
    ['--socks5', '127.0.0.1'],
    ['--socks5-hostname', 'localhost'],
  ])('serves curl %s to %s', async (mode, host) => {
    const {stdout} = await curl(mode, `http://${host}:${web.port}/`);
    expect(stdout.toString()).toBe('hello from 127.0.0.1');
  });

  it('carries 64 MiB down and 64 MiB up intact (curl --socks5-hostname)', async () => {
    const down = await curl('--socks5-hostname', `http://localhost:${web.port}/big`);
    expect(down.stdout.length).toBe(64 * MiB);
    expect(sha256(down.stdout)).toBe(sha256(web.big));
    const file = `${sshd.dir}/upload.bin`;
    await import('node:fs/promises').then((fs) => fs.writeFile(file, web.big));
    const up = await curl('--socks5-hostname', `http://localhost:${web.port}/`, [
      '--data-binary',
      `@${file}`,
      '-H',
      'Expect:',
    ]);
    expect(up.stdout.toString()).toBe(sha256(web.big));
  });

  it('counts each SOCKS connection', async () => {
    const before = session.forwards()[0]!.counters().totalConnections;
    const {stdout} = await curl('--socks5-hostname', `http://localhost:${web.port}/`);
    expect(stdout.toString()).toBe('hello from 127.0.0.1');
    expect(session.forwards()[0]!.counters().totalConnections).toBe(before + 1);
  });

  it('reaches an IPv6 target', async () => {
    if (!(await ipv6Loopback()))
      throw new Error('this machine has no IPv6 loopback (::1); the IPv6 SOCKS test needs it');
    const web6 = await startHttpServer('::1');
    try {
      const {stdout} = await curl('--socks5', `http://[::1]:${web6.port}/`);
      expect(stdout.toString()).toBe('hello from ::1');
    } finally {
      await web6.close();
    }
  });

  it('answers a refused target with the SOCKS error and keeps serving', async () => {
    const closedPort = await freePort();
    const failure = await curl('--socks5', `http://127.0.0.1:${closedPort}/`).then(
      () => 'succeeded',
      (error: {stderr: Buffer}) => error.stderr.toString(),
    );
    // curl prints the SOCKS5 reply code: 5 is "connection refused".
    expect(failure).toMatch(/SOCKS5 connection to 127\.0\.0\.1\. \(5\)/);
    const {stdout} = await curl('--socks5', `http://127.0.0.1:${web.port}/`);
    expect(stdout.toString()).toBe('hello from 127.0.0.1');
  });

  it('closes garbage and an HTTP request without crashing', async () => {
    for (const garbage of [
      Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
      Buffer.from([0x07, 0x01, 0x02]),
    ]) {
      const closed = await new Promise<boolean>((resolve) => {
        const socket = net.connect(socksPort, '127.0.0.1');
        socket.on('error', () => {});
        socket.on('close', () => resolve(true));
        socket.write(garbage);
      });
      expect(closed).toBe(true);
    }
    const {stdout} = await curl('--socks5', `http://127.0.0.1:${web.port}/`);
    expect(stdout.toString()).toBe('hello from 127.0.0.1');
  });

  it('a client that sends its request, its data and FIN at once gets it all echoed, and the end', async () => {
    // The EOF is read while the channel opens, before the link holds the socket ('end' already emitted);
    // the echo target ends only once that EOF has reached it.
    const echo = await startEchoServer();
    const data = Buffer.from('the whole request in one segment');
    const socket = net.connect({port: socksPort, host: '127.0.0.1', allowHalfOpen: true});
    try {
      const answer = new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        socket.on('end', () => resolve(Buffer.concat(chunks)));
        socket.on('error', reject);
      });
      socket.on('connect', () => {
        socket.end(
          Buffer.concat([Buffer.from([4, 1, echo.port >> 8, echo.port & 0xff, 127, 0, 0, 1, 0]), data]),
        );
      });
      const reply = await answer;
      expect(reply.subarray(0, 2)).toEqual(Buffer.from([0, 0x5a]));
      expect(reply.subarray(8)).toEqual(data);
    } finally {
      socket.destroy();
      await echo.close();
    }
  }, 10_000);

  it('closes a stalled handshake after its timeout', async () => {
    const forward = new DynamicForward(
      'D99',
      {kind: 'dynamic', bindAddress: undefined, port: 0},
      session,
      200,
    );
    await forward.start();
    const started = Date.now();
    await new Promise<void>((resolve) => {
      const socket = net.connect(forward.listeningOn!.port, '127.0.0.1');
      socket.on('error', () => {});
      socket.on('connect', () => socket.write(Buffer.from([0x05, 0x01])));
      socket.on('close', () => resolve());
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(forward.counters().failedConnections).toBe(1);
    await until(() => forward.counters().openConnections === 0, 1000);
    await forward.close();
  });
});
