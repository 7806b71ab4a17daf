import {execFile} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {TunnelEvent} from '../../../source/core/events.js';
import type {Forward} from '../../../source/core/forwards/forward.js';
import type {FtpForward} from '../../../source/core/forwards/ftp-forward.js';
import type {Session} from '../../../source/core/session/session.js';
import {startPyftpdlib, startVsftpd, type TestFtpServer} from '../../helpers/ftp-servers.js';
import {createTestHost, type TestHost} from '../../helpers/netns.js';
import {connectedSession, forwardTo, until} from '../../helpers/session.js';
import {startSshd, type TestSshd} from '../../helpers/sshd.js';
import {sha256} from '../../helpers/targets.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;

const CURL_MODES = [
  ['PASV', ['--ftp-pasv', '--disable-epsv']],
  ['EPSV', ['--ftp-pasv']],
  ['PORT', ['--ftp-port', '-', '--disable-eprt']],
  ['EPRT', ['--ftp-port', '-']],
] as const;

const FTPLIB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../helpers/ftp-clients.py');

/** Debian's python3 (its ftplib), whatever python3 comes first on PATH. */
function ftplib(port: number, directory: string, actions: string[]) {
  return run('/usr/bin/python3', [FTPLIB, '127.0.0.1', String(port), directory, ...actions], {
    timeout: 60_000,
  });
}

function curl(args: string[]) {
  return run('curl', ['--silent', '--show-error', '--max-time', '30', ...args], {
    encoding: 'buffer',
    maxBuffer: 64 * MiB,
  });
}

// The FTP servers and the sshd run on a test host of their own whose FTP ports are on its loopback:
// from here they can be reached only through SSH, so a data channel that bypassed the tunnel would fail.
describe('FTP forwarding (-L ftp/...) through a real sshd to real FTP servers', () => {
  let host: TestHost;
  let sshd: TestSshd;
  let servers: TestFtpServer[] = [];
  let session: Session;
  const events: TunnelEvent[] = [];
  const big = randomBytes(16 * MiB);
  const forwards = new Map<string, Forward>();

  beforeAll(async () => {
    host = await createTestHost();
    sshd = await startSshd({host});
    servers = [await startVsftpd(host), await startPyftpdlib(host)];
    for (const server of servers) await writeFile(path.join(server.root, 'big.bin'), big, {mode: 0o644});
    session = await connectedSession(sshd);
    session.events.on((event) => events.push(event));
    for (const server of servers) {
      const forward = await session.addForward({
        kind: 'ftp',
        bindAddress: undefined,
        port: 0,
        host: '127.0.0.1',
        hostPort: server.port,
      });
      expect(forward.state, forward.failure).toBe('listening');
      forwards.set(server.name, forward);
    }
  }, 60_000);
  afterAll(async () => {
    await session?.close();
    for (const server of servers) await server.stop();
    await sshd?.stop();
    await host?.remove();
  });

  const url = (server: TestFtpServer, file = '') =>
    `ftp://127.0.0.1:${forwards.get(server.name)!.listeningOn!.port}${server.directory}/${file}`.replace(
      '//big',
      '/big',
    );

  describe.each(['vsftpd', 'pyftpdlib'])('%s', (name) => {
    const server = () => servers.find((s) => s.name === name)!;

    it.each(CURL_MODES)('curl downloads 16 MiB in %s mode, intact', async (_mode, flags) => {
      const {stdout} = await curl([...flags, url(server(), 'big.bin')]);
      expect(stdout.length).toBe(16 * MiB);
      expect(sha256(stdout)).toBe(sha256(big));
    });

    it.each(CURL_MODES)('curl uploads 16 MiB in %s mode, intact', async (mode, flags) => {
      const file = path.join(sshd.dir, `upload-${name}-${mode}.bin`);
      const data = randomBytes(16 * MiB);
      await writeFile(file, data);
      await curl([...flags, '-T', file, url(server(), `up-${mode}.bin`)]);
      expect(sha256(await readFile(path.join(server().root, `up-${mode}.bin`)))).toBe(sha256(data));
    });

    it.each(['pasv', 'port', 'eprt'])('Python ftplib downloads and uploads in %s mode', async (mode) => {
      const forward = forwards.get(name)!;
      const file = path.join(sshd.dir, `ftplib-${name}-${mode}.bin`);
      const data = randomBytes(4 * MiB);
      await writeFile(file, data);
      const {stdout} = await ftplib(forward.listeningOn!.port, server().directory, [
        `get:big.bin:${mode}`,
        `put:${file}:ftplib-${mode}.bin:${mode}`,
      ]);
      expect(stdout.trim().split('\n')).toEqual([sha256(big), 'stored']);
      expect(sha256(await readFile(path.join(server().root, `ftplib-${mode}.bin`)))).toBe(sha256(data));
    });

    it.each(['on', 'off'])('lftp downloads with passive mode %s', async (passive) => {
      const out = path.join(sshd.dir, `lftp-${name}-${passive}.bin`);
      const port = forwards.get(name)!.listeningOn!.port;
      await run(
        'lftp',
        [
          '-c',
          `set cmd:fail-exit yes; set net:max-retries 1; set net:timeout 10; set ftp:passive-mode ${passive}; set ftp:prefer-epsv no; open -u anonymous, ftp://127.0.0.1:${port}; get ${server().directory}/big.bin -o ${out}`,
        ],
        {timeout: 30_000},
      );
      expect(sha256(await readFile(out))).toBe(sha256(big));
    });

    it('curl lists the directory', async () => {
      const {stdout} = await curl(['--ftp-pasv', url(server())]);
      expect(stdout.toString()).toContain('big.bin');
    });

    it('leaves no data channel behind', async () => {
      const forward = forwards.get(name)! as FtpForward;
      await until(() => forward.liveDataChannels() === 0, 5000, 'data channels to close');
      const opened = events.filter((e) => e.event === 'ftp-data-opened' && e.forwardId === forward.id).length;
      const closed = events.filter((e) => e.event === 'ftp-data-closed' && e.forwardId === forward.id).length;
      expect(opened).toBeGreaterThanOrEqual(17);
      expect(closed).toBe(opened);
    });
  });

  it('200 transfers on one control connection: each data channel is gone before the next comes', async () => {
    const server = servers[1]!;
    await writeFile(path.join(server.root, 'small.bin'), big.subarray(0, 4096));
    const forward = forwards.get(server.name)! as FtpForward;
    const from = events.length;
    const {stdout} = await ftplib(forward.listeningOn!.port, server.directory, ['loop:small.bin:200']);
    expect(stdout.trim()).toBe(sha256(big.subarray(0, 4096)));
    await until(() => forward.liveDataChannels() === 0, 5000, 'the last data channel to close');
    let live = 0;
    let most = 0;
    let opened = 0;
    for (const event of events.slice(from)) {
      if (!('forwardId' in event) || event.forwardId !== forward.id) continue;
      if (event.event === 'ftp-data-opened') {
        opened++;
        live++;
      }
      if (event.event === 'ftp-data-closed') {
        expect(event.bytesOut).toBe(4096);
        live--;
      }
      most = Math.max(most, live);
    }
    expect(opened).toBe(200);
    expect(live).toBe(0);
    expect(most).toBe(1);
  });

  it('EPSV and EPRT over an IPv6 control connection', async () => {
    const server = servers[0]!;
    const forward = await session.addForward({
      kind: 'ftp',
      bindAddress: '::1',
      port: 0,
      host: '127.0.0.1',
      hostPort: server.port,
    });
    expect(forward.state, forward.failure).toBe('listening');
    const from = events.length;
    for (const flags of [['--ftp-pasv'], ['--ftp-port', '-']]) {
      const {stdout} = await curl(['-g', ...flags, `ftp://[::1]:${forward.listeningOn!.port}/pub/big.bin`]);
      expect(sha256(stdout)).toBe(sha256(big));
    }
    const opened = events.slice(from).filter((event) => event.event === 'ftp-data-opened');
    expect(
      opened.map(
        (event) => event.event === 'ftp-data-opened' && [event.mode, event.local.startsWith('[::1]:')],
      ),
    ).toEqual([
      ['passive', true],
      ['active', true],
    ]);
    await session.removeForward(forward.id);
  });

  it('with no bind address, on 127.0.0.1 and ::1 alike (one port): a client on either gets the file', async () => {
    const server = servers[0]!;
    const forward = await session.addForward({
      kind: 'ftp',
      bindAddress: undefined,
      port: 0,
      host: '127.0.0.1',
      hostPort: server.port,
    });
    const port = forward.listeningOn!.port;
    const from = events.length;
    for (const host of ['127.0.0.1', '[::1]'])
      for (const flags of [['--ftp-pasv'], ['--ftp-port', '-']]) {
        const {stdout} = await curl(['-g', ...flags, `ftp://${host}:${port}/pub/big.bin`]);
        expect(sha256(stdout)).toBe(sha256(big));
      }
    const opened = events.slice(from).filter((event) => event.event === 'ftp-data-opened');
    expect(
      opened.map((event) => event.event === 'ftp-data-opened' && event.local.startsWith('[::1]:')),
    ).toEqual([false, false, true, true]);
    await session.removeForward(forward.id);
  });

  it('closes its data channels with the forward', async () => {
    const server = servers[0]!;
    const forward = (await session.addForward({
      kind: 'ftp',
      bindAddress: undefined,
      port: 0,
      host: '127.0.0.1',
      hostPort: server.port,
    })) as FtpForward;
    // Ask for a passive data port by hand and never use it.
    const net = await import('node:net');
    const control = net.connect(forward.listeningOn!.port, '127.0.0.1');
    let text = '';
    control.on('data', (chunk) => {
      text += chunk.toString();
    });
    await until(() => text.includes('220'), 5000, 'the greeting');
    control.write('USER anonymous\r\nPASS x\r\nPASV\r\n');
    await until(() => /227 .*\(127,0,0,1,\d+,\d+\)/.test(text), 5000, 'the rewritten 227');
    expect(forward.liveDataChannels()).toBe(1);
    await session.removeForward(forward.id);
    expect(forward.liveDataChannels()).toBe(0);
    control.destroy();
  });

  it('a plain -L to the same server fails in passive and active mode: the data must go through SSH', async () => {
    const server = servers[0]!;
    const plain = await forwardTo(session, 'local', server.port);
    const plainUrl = `ftp://127.0.0.1:${plain.listeningOn!.port}/pub/big.bin`;
    for (const [, flags] of CURL_MODES) {
      const outcome = await curl(['--connect-timeout', '5', ...flags, plainUrl]).then(
        () => 'downloaded',
        (error: {code: number}) => `failed (${error.code})`,
      );
      expect(outcome).toMatch(/^failed/);
    }
    await session.removeForward(plain.id);
  });
});
