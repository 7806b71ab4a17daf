import {randomBytes} from 'node:crypto';
import {existsSync} from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import type {Forward} from '../../../source/core/forwards/forward.js';
import type {Session} from '../../../source/core/session/session.js';
import {connectedSession, until} from '../../helpers/session.js';
import {readExactly, socks5Connect} from '../../helpers/socks-client.js';
import {startSshd, type TestSshd} from '../../helpers/sshd.js';
import {sha256, startEchoServer, type TestServer} from '../../helpers/targets.js';

const FAST = {reconnect: true, reconnectDelayMs: {initial: 200, max: 1000}};

/** Writes `size` bytes to the socket and reads them back from the echo behind it; returns both hashes. */
async function echoThrough(socket: net.Socket, size: number): Promise<[string, string]> {
  const payload = randomBytes(size);
  socket.write(payload);
  const echoed = await readExactly(socket, size);
  socket.destroy();
  return [sha256(payload), sha256(echoed)];
}

function connectToPath(file: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({path: file});
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

describe('unix-socket and remote dynamic forwards across a reconnect (sshd killed and restarted)', () => {
  let sshd: TestSshd | undefined;
  let echo: TestServer | undefined;
  let session: Session | undefined;
  let dir: string | undefined;

  afterEach(async () => {
    await session?.close();
    await echo?.close();
    await sshd?.stop();
    if (dir) await rm(dir, {recursive: true, force: true});
    session = echo = sshd = dir = undefined;
  });

  it('the local socket stays bound, the remote listeners come back (same port; the same path, with sshd StreamLocalBindUnlink yes)', async () => {
    // sshd leaves a -R socket behind when its connection dies: without this, the path stays refused.
    sshd = await startSshd({config: ['StreamLocalBindUnlink yes']});
    echo = await startEchoServer();
    dir = await mkdtemp(path.join(os.tmpdir(), 'tunnels-unix-reconnect-'));
    session = await connectedSession(sshd, ['ServerAliveInterval=1'], FAST);
    const localPath = path.join(dir, 'local.sock');
    const remotePath = path.join(dir, 'remote.sock');
    const target = {host: '127.0.0.1', port: echo.port};
    const local = await session.addForward({kind: 'local-unix', listen: {path: localPath}, target});
    const remote = await session.addForward({kind: 'remote-unix', listen: {path: remotePath}, target});
    const socks = await session.addForward({kind: 'remote-dynamic', bindAddress: undefined, port: 0});
    const forwards: Forward[] = [local, remote, socks];
    expect(forwards.map((forward) => forward.state)).toEqual(['listening', 'listening', 'listening']);
    const socksPort = socks.listeningOn!.port;

    await sshd.kill();
    await until(() => session!.state === 'reconnecting', 10_000, 'the session to notice the drop');
    expect(local.state).toBe('listening');
    expect(existsSync(localPath)).toBe(true);
    expect(remote.state).toBe('waiting');
    expect(socks.state).toBe('waiting');

    await sshd.restart();
    await until(
      () => forwards.every((forward) => forward.state === 'listening'),
      15_000,
      'every forward back',
    );
    expect(socks.listeningOn!.port).toBe(socksPort);
    for (const socket of [
      await connectToPath(localPath),
      await connectToPath(remotePath),
      await socks5Connect(socksPort, '127.0.0.1', echo.port),
    ]) {
      const [sent, echoed] = await echoThrough(socket, 128 * 1024);
      expect(echoed).toBe(sent);
    }
    await session.close();
    expect(existsSync(localPath)).toBe(false);
  });
});
