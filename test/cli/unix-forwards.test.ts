import {type ChildProcess, execFile, spawn} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {existsSync, lstatSync} from 'node:fs';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startSshd, type TestSshd} from '../helpers/sshd.js';
import {sha256} from '../helpers/targets.js';
import {isEvent, startTunnels, type TunnelsProcess} from '../helpers/tunnels-process.js';
import {sendBytes, startWebServer, type WebServer} from '../helpers/web-server.js';

const run = promisify(execFile);

/** A real Redis on a unix socket (no TCP port, nothing saved), stopped by PID. */
async function startRedis(socket: string): Promise<{child: ChildProcess; stop(): Promise<void>}> {
  const child = spawn(
    'redis-server',
    ['--port', '0', '--unixsocket', socket, '--unixsocketperm', '700', '--save', '', '--appendonly', 'no'],
    {stdio: 'ignore'},
  );
  const deadline = Date.now() + 10_000;
  while (!existsSync(socket)) {
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`redis-server did not make ${socket}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(child.pid!, 'SIGTERM');
      await exited;
    },
  };
}

/** redis-cli's answer, through a socket path or a TCP port. */
async function redis(where: {socket: string} | {port: number}, ...command: string[]): Promise<string> {
  const at = 'socket' in where ? ['-s', where.socket] : ['-h', '127.0.0.1', '-p', String(where.port)];
  const {stdout} = await run('redis-cli', [...at, ...command], {timeout: 10_000});
  return stdout.trim();
}

/** The permission bits of a socket file, and that it is one. */
function socketMode(file: string): number {
  const stat = lstatSync(file);
  expect(stat.isSocket()).toBe(true);
  return stat.mode & 0o777;
}

/** A socket file nothing listens on, as a crash leaves one (bound, never closed by its owner). */
async function staleSocket(file: string): Promise<void> {
  await run('python3', ['-c', `import socket; socket.socket(socket.AF_UNIX).bind(${JSON.stringify(file)})`], {
    timeout: 10_000,
  });
}

describe('unix-socket forwards (-L/-R with a socket path), against a real sshd', () => {
  let sshd: TestSshd;
  let dir: string;
  let redisSocket: string;
  let redisServer: Awaited<ReturnType<typeof startRedis>>;
  let web: WebServer;
  const body = randomBytes(3 * 1024 * 1024 + 17);

  beforeAll(async () => {
    sshd = await startSshd();
    dir = await mkdtemp(path.join(os.tmpdir(), 'tunnels-unix-'));
    redisSocket = path.join(dir, 'redis.sock');
    redisServer = await startRedis(redisSocket);
    web = await startWebServer('127.0.0.1', (request, response) => sendBytes(request, response, body));
  });
  afterAll(async () => {
    await web?.close();
    await redisServer?.stop();
    await sshd?.stop();
    if (dir) await rm(dir, {recursive: true, force: true});
  });

  const base = (...options: string[]) => [
    '-N',
    '--json',
    ...sshd.sshArgs(),
    '-o',
    'BatchMode=yes',
    ...options,
    '127.0.0.1',
  ];

  /** Runs `body` with tunnels started on `args`, and stops it (exit status 0) whatever happens. */
  async function withTunnels(
    args: string[],
    body: (tunnels: TunnelsProcess) => Promise<void>,
  ): Promise<void> {
    const tunnels = startTunnels(args);
    try {
      await body(tunnels);
    } finally {
      expect(await tunnels.stop()).toBe(0);
    }
  }

  it('-L socket:socket: redis-cli through a local socket reaches Redis on the server; mode 0600; removed at exit', async () => {
    const local = path.join(dir, 'local.sock');
    await withTunnels([...base(), '-L', `${local}:${redisSocket}`], async (tunnels) => {
      const listening = await tunnels.waitFor(isEvent('forward-listening'));
      expect(listening).toMatchObject({kind: 'local-unix', path: local, bindAddress: local, port: 0});
      expect(socketMode(local)).toBe(0o600);
      expect(await redis({socket: local}, 'SET', 'greeting', 'hello over a socket')).toBe('OK');
      expect(await redis({socket: local}, 'GET', 'greeting')).toBe('hello over a socket');
      const closed = await tunnels.waitFor(isEvent('connection-closed'));
      expect(closed.bytesIn).toBeGreaterThan(0);
      const stderr = await tunnels.waitForStderr(/connection #2 closed/);
      expect(stderr).toContain(`-L ${local}:${redisSocket}: listening on ${local}`);
      expect(stderr).toContain(`connection #1 from a client of ${local} to ${redisSocket}`);
    });
    expect(existsSync(local)).toBe(false);
  });

  it('-L port:socket: a TCP port here to Redis on the server (the Postgres/Docker form)', async () => {
    await withTunnels([...base(), '-L', `0:${redisSocket}`], async (tunnels) => {
      const listening = await tunnels.waitFor(isEvent('forward-listening'));
      expect(listening).toMatchObject({kind: 'local-unix', bindAddress: '127.0.0.1'});
      expect(await redis({port: listening.port}, 'PING')).toBe('PONG');
    });
  });

  it('-L socket:host:port: curl --unix-socket reaches a web server from the server, sha256-checked', async () => {
    const local = path.join(dir, 'web.sock');
    await withTunnels([...base(), '-L', `${local}:127.0.0.1:${web.port}`], async (tunnels) => {
      await tunnels.waitFor(isEvent('forward-listening'));
      const {stdout} = await run(
        'curl',
        ['-sS', '--max-time', '20', '--unix-socket', local, `http://x/blob`, '-o', path.join(dir, 'got-l')],
        {timeout: 30_000},
      );
      expect(stdout).toBe('');
      expect(sha256(await readFile(path.join(dir, 'got-l')))).toBe(sha256(body));
    });
    expect(existsSync(local)).toBe(false);
  });

  it('-R socket:socket and -R port:socket: Redis here, reached from the server side', async () => {
    const remote = path.join(dir, 'remote.sock');
    await withTunnels(
      [...base(), '-R', `${remote}:${redisSocket}`, '-R', `0:${redisSocket}`],
      async (tunnels) => {
        const onPath = await tunnels.waitFor(isEvent('forward-listening', (event) => event.path === remote));
        expect(onPath.kind).toBe('remote-unix');
        const onPort = await tunnels.waitFor(
          isEvent('forward-listening', (event) => event.path === undefined),
        );
        // sshd makes it with its own StreamLocalBindMask (0177 by default).
        expect(socketMode(remote)).toBe(0o600);
        expect(await redis({socket: remote}, 'SET', 'from-the-server', 'yes')).toBe('OK');
        expect(await redis({port: onPort.port}, 'GET', 'from-the-server')).toBe('yes');
        const stderr = await tunnels.waitForStderr(/connection #1 closed[\s\S]*connection #1 closed/);
        expect(stderr).toContain(`listening on the server at ${remote}`);
        expect(stderr).toContain(`from a client of ${remote} (on the server) to ${redisSocket}`);
      },
    );
    // sshd leaves the file (as with ssh): the next -R on that path needs it removed, or its StreamLocalBindUnlink.
    await rm(remote, {force: true});
  });

  it('-R socket:host:port: curl --unix-socket on the server side reaches a web server here, sha256-checked', async () => {
    const remote = path.join(dir, 'remote-web.sock');
    await withTunnels([...base(), '-R', `${remote}:127.0.0.1:${web.port}`], async (tunnels) => {
      await tunnels.waitFor(isEvent('forward-listening'));
      await run(
        'curl',
        ['-sS', '--max-time', '20', '--unix-socket', remote, 'http://x/', '-o', path.join(dir, 'got-r')],
        {
          timeout: 30_000,
        },
      );
      expect(sha256(await readFile(path.join(dir, 'got-r')))).toBe(sha256(body));
    });
    await rm(remote, {force: true});
  });

  it('-R on a path that is still there: a sentence that names the cause and the fix', async () => {
    const remote = path.join(dir, 'left-behind.sock');
    await staleSocket(remote);
    await withTunnels([...base(), '-R', `${remote}:${redisSocket}`], async (tunnels) => {
      const failed = await tunnels.waitFor(isEvent('forward-failed'));
      expect(failed.reason).toContain(`the server refused to listen on ${remote}`);
      expect(failed.reason).toContain('StreamLocalBindUnlink');
    });
    await rm(remote, {force: true});
  });

  it('StreamLocalBindMask sets the mode of the socket made here', async () => {
    const local = path.join(dir, 'group.sock');
    await withTunnels(
      [...base('-o', 'StreamLocalBindMask=0117'), '-L', `${local}:${redisSocket}`],
      async (tunnels) => {
        await tunnels.waitFor(isEvent('forward-listening'));
        expect(socketMode(local)).toBe(0o660);
      },
    );
  });

  it('a stale socket (nothing listens on it) is replaced, and removed at exit', async () => {
    const local = path.join(dir, 'stale.sock');
    await staleSocket(local);
    expect(lstatSync(local).isSocket()).toBe(true);
    await withTunnels([...base(), '-L', `${local}:${redisSocket}`], async (tunnels) => {
      await tunnels.waitFor(isEvent('forward-listening'));
      expect(socketMode(local)).toBe(0o600);
      expect(await redis({socket: local}, 'PING')).toBe('PONG');
    });
    expect(existsSync(local)).toBe(false);
  });

  it('a socket left by a killed tunnels is taken over by the next one', async () => {
    const local = path.join(dir, 'crash.sock');
    const first = startTunnels([...base(), '-L', `${local}:${redisSocket}`]);
    await first.waitFor(isEvent('forward-listening'));
    process.kill(first.pid, 'SIGKILL');
    await first.exited;
    expect(lstatSync(local).isSocket()).toBe(true);
    await withTunnels([...base(), '-L', `${local}:${redisSocket}`], async (tunnels) => {
      await tunnels.waitFor(isEvent('forward-listening'));
      expect(await redis({socket: local}, 'PING')).toBe('PONG');
    });
    expect(existsSync(local)).toBe(false);
  });

  it('a socket something listens on is left alone (a clear sentence), unless StreamLocalBindUnlink yes', async () => {
    const local = path.join(dir, 'live.sock');
    const owner = net.createServer((socket) => {
      // tunnels' probe connects and leaves at once.
      socket.on('error', () => {});
      socket.end('owner\n');
    });
    await new Promise<void>((resolve) => owner.listen(local, resolve));
    try {
      await withTunnels([...base(), '-L', `${local}:${redisSocket}`], async (tunnels) => {
        const failed = await tunnels.waitFor(isEvent('forward-failed'));
        expect(failed.reason).toBe(
          `${local} is in use: something listens on it; stop it or pick another path (StreamLocalBindUnlink yes replaces it anyway, as ssh does)`,
        );
      });
      const answer = await new Promise<string>((resolve, reject) => {
        const client = net.connect(local);
        let text = '';
        client.on('data', (chunk) => {
          text += chunk;
        });
        client.on('end', () => resolve(text));
        client.on('error', reject);
      });
      expect(answer).toBe('owner\n');
      await withTunnels(
        [...base('-o', 'StreamLocalBindUnlink=yes'), '-L', `${local}:${redisSocket}`],
        async (tunnels) => {
          await tunnels.waitFor(isEvent('forward-listening'));
          expect(await redis({socket: local}, 'PING')).toBe('PONG');
        },
      );
    } finally {
      await new Promise<void>((resolve) => owner.close(() => resolve()));
    }
  });

  it('a file that is not a socket is never removed', async () => {
    const local = path.join(dir, 'notes.txt');
    await writeFile(local, 'keep me\n');
    await withTunnels(
      [...base('-o', 'StreamLocalBindUnlink=yes'), '-L', `${local}:${redisSocket}`],
      async (tunnels) => {
        const failed = await tunnels.waitFor(isEvent('forward-failed'));
        expect(failed.reason).toContain(`${local} exists and is not a socket`);
      },
    );
    expect(await readFile(local, 'utf8')).toBe('keep me\n');
  });
});

describe('unix-socket forwards against an sshd with AllowStreamLocalForwarding no', () => {
  let sshd: TestSshd;
  let dir: string;

  beforeAll(async () => {
    sshd = await startSshd({config: ['AllowStreamLocalForwarding no']});
    dir = await mkdtemp(path.join(os.tmpdir(), 'tunnels-unix-off-'));
  });
  afterAll(async () => {
    await sshd?.stop();
    if (dir) await rm(dir, {recursive: true, force: true});
  });

  it('-L to a socket on the server: the connection fails with a sentence naming the setting', async () => {
    const tunnels = startTunnels([
      '-N',
      '--json',
      ...sshd.sshArgs(),
      '-o',
      'BatchMode=yes',
      '-L',
      '0:/run/x.sock',
      '127.0.0.1',
    ]);
    try {
      const listening = await tunnels.waitFor(isEvent('forward-listening'));
      const client = net.connect(listening.port, '127.0.0.1');
      client.on('error', () => {});
      const failed = await tunnels.waitFor(isEvent('connection-failed'));
      client.destroy();
      expect(failed.reason).toBe(
        'cannot reach /run/x.sock from the server: the socket may not be there or nothing listens on it, or the server does not allow unix-socket forwarding (AllowStreamLocalForwarding in its sshd_config)',
      );
    } finally {
      expect(await tunnels.stop()).toBe(0);
    }
  });

  it('-R on a socket path: the forward fails with a sentence naming the setting', async () => {
    const remote = path.join(dir, 'r.sock');
    const tunnels = startTunnels([
      '-N',
      '--json',
      ...sshd.sshArgs(),
      '-o',
      'BatchMode=yes',
      '-R',
      `${remote}:127.0.0.1:9`,
      '127.0.0.1',
    ]);
    try {
      const failed = await tunnels.waitFor(isEvent('forward-failed'));
      expect(failed.reason).toContain(`the server refused to listen on ${remote}`);
      expect(failed.reason).toContain("the server's AllowStreamLocalForwarding forbids it");
      expect(existsSync(remote)).toBe(false);
    } finally {
      expect(await tunnels.stop()).toBe(0);
    }
  });
});
