import {execFile} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {writeFile} from 'node:fs/promises';
import path from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startVsftpd, type TestFtpServer} from '../helpers/ftp-servers.js';
import {createTestHost, type TestHost} from '../helpers/netns.js';
import {startSshd, type TestSshd} from '../helpers/sshd.js';
import {sha256} from '../helpers/targets.js';
import {isEvent, startTunnels} from '../helpers/tunnels-process.js';

const run = promisify(execFile);

describe('the built tunnels binary forwards FTP (-L ftp/...)', () => {
  let host: TestHost;
  let sshd: TestSshd;
  let ftp: TestFtpServer;
  const data = randomBytes(4 * 1024 * 1024);
  beforeAll(async () => {
    host = await createTestHost();
    sshd = await startSshd({host});
    ftp = await startVsftpd(host);
    await writeFile(path.join(ftp.root, 'data.bin'), data, {mode: 0o644});
  }, 60_000);
  afterAll(async () => {
    await ftp?.stop();
    await sshd?.stop();
    await host?.remove();
  });

  it('in passive, extended passive, active and extended active mode, logging each data channel', async () => {
    const tunnels = startTunnels([
      '-N',
      '--json',
      ...sshd.sshArgs(),
      '-o',
      'BatchMode=yes',
      '-L',
      'ftp/0:127.0.0.1:21',
      sshd.host,
    ]);
    try {
      const listening = await tunnels.waitFor(isEvent('forward-listening'));
      expect(listening).toMatchObject({kind: 'ftp', spec: '-L ftp/0:127.0.0.1:21', bindAddress: '127.0.0.1'});
      const modes = [
        ['--ftp-pasv', '--disable-epsv'],
        ['--ftp-pasv'],
        ['--ftp-port', '-', '--disable-eprt'],
        ['--ftp-port', '-'],
      ];
      for (const flags of modes) {
        const {stdout} = await run(
          'curl',
          ['-s', '--max-time', '30', ...flags, `ftp://127.0.0.1:${listening.port}/pub/data.bin`],
          {
            encoding: 'buffer',
            maxBuffer: 8 * 1024 * 1024,
          },
        );
        expect(sha256(stdout)).toBe(sha256(data));
      }
      const closed = await tunnels.waitFor(isEvent('ftp-data-closed', (event) => event.dataId === 4));
      expect(closed.bytesOut).toBe(data.length);
      expect(
        tunnels.events
          .filter((event) => event.event === 'ftp-data-opened')
          .map((event) => event.event === 'ftp-data-opened' && event.mode),
      ).toEqual(['passive', 'passive', 'active', 'active']);
      const stderr = await tunnels.waitForStderr(/data channel #4 closed/);
      expect(stderr).toMatch(
        /-L ftp\/0:127\.0\.0\.1:21: data channel #1 \(passive\) 127\.0\.0\.1:\d+ <-> 127\.0\.0\.1:\d+/,
      );
      expect(stderr).toMatch(
        /data channel #3 \(active\) 127\.0\.0\.1:\d+ <-> 127\.0\.0\.1:\d+ on the SSH server/,
      );
      expect(stderr).toContain('data channel #1 closed (0 B in, 4.0 MiB out)');
    } finally {
      expect(await tunnels.stop()).toBe(0);
    }
  });
});
