import {execFile} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {TunnelEvent} from '../../source/core/events.js';
import type {Forward} from '../../source/core/forward.js';
import type {FtpForward} from '../../source/core/ftp-forward.js';
import type {Session} from '../../source/core/session.js';
import {startPyftpdlib, startVsftpd, type TestFtpServer} from '../helpers/ftp-servers.js';
import {createTestHost, type TestHost} from '../helpers/netns.js';
import {connectedSession, until} from '../helpers/session.js';
import {startSshd, type TestSshd} from '../helpers/sshd.js';
import {sha256} from '../helpers/targets.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;

const CURL_MODES = [
  ['PASV', ['--ftp-pasv', '--disable-epsv']],
  ['EPSV', ['--ftp-pasv']],
  ['PORT', ['--ftp-port', '-', '--disable-eprt']],
  ['EPRT', ['--ftp-port', '-']],
] as const;

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

    it('curl lists the directory', async () => {
      const {stdout} = await curl(['--ftp-pasv', url(server())]);
      expect(stdout.toString()).toContain('big.bin');
    });

    it('leaves no data channel behind', async () => {
      const forward = forwards.get(name)! as FtpForward;
      await until(() => forward.liveDataChannels() === 0, 5000, 'data channels to close');
      const opened = events.filter((e) => e.event === 'ftp-data-opened' && e.forwardId === forward.id).length;
      const closed = events.filter((e) => e.event === 'ftp-data-closed' && e.forwardId === forward.id).length;
      expect(opened).toBeGreaterThanOrEqual(9);
      expect(closed).toBe(opened);
    });
  });

  it('a plain -L to the same server fails in passive and active mode: the data must go through SSH', async () => {
    const server = servers[0]!;
    const plain = await session.addForward({
      kind: 'local',
      bindAddress: undefined,
      port: 0,
      host: '127.0.0.1',
      hostPort: server.port,
    });
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
