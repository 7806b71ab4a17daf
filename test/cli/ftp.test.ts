import {execFile, spawn} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {chmod, readFile, rm, stat, truncate, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startVsftpd, type TestFtpServer} from '../helpers/ftp-servers.js';
import {createTestHost, type TestHost} from '../helpers/netns.js';
import {processTree, startSshd, type TestSshd} from '../helpers/sshd.js';
import {sha256} from '../helpers/targets.js';
import {isEvent, startTunnels} from '../helpers/tunnels-process.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

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

  it('a slow reader on a 1 GiB data channel each way keeps the forwarder near its baseline', async () => {
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
    const peaks: number[] = [];
    try {
      const {port} = await tunnels.waitFor(isEvent('forward-listening'));
      // Sparse: a 1 GiB download that takes no disk.
      await writeFile(path.join(ftp.root, 'big.bin'), '');
      await truncate(path.join(ftp.root, 'big.bin'), GiB);
      await chmod(path.join(ftp.root, 'big.bin'), 0o644);
      const url = `ftp://127.0.0.1:${port}/pub/`;
      const warm = await run('curl', ['-s', '--max-time', '30', `${url}data.bin`], {
        encoding: 'buffer',
        maxBuffer: 8 * MiB,
      });
      expect(warm.stdout.length).toBe(data.length);
      const baseline = (await memory(tunnels.pid)).rss;

      // Download: curl writes into a pipe nobody reads for a while.
      await writeFile(`/proc/${tunnels.pid}/clear_refs`, '5');
      const curl = spawn('curl', ['-s', '--max-time', '120', `${url}big.bin`], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      curl.stdout.pause();
      await new Promise((resolve) => setTimeout(resolve, 2000));
      let downloaded = 0;
      curl.stdout.on('data', (chunk: Buffer) => {
        downloaded += chunk.length;
      });
      curl.stdout.resume();
      expect(await new Promise((resolve) => curl.on('exit', resolve))).toBe(0);
      expect(downloaded).toBe(GiB);
      peaks.push((await memory(tunnels.pid)).peak - baseline);

      // Upload: the FTP server is the slow reader (stopped for a while, then writing to disk).
      await writeFile(`/proc/${tunnels.pid}/clear_refs`, '5');
      // What the download left resident (freed memory the allocator keeps) is part of the upload's peak.
      const residentAtUpload = (await memory(tunnels.pid)).rss - baseline;
      const upload = spawn('curl', ['-s', '--max-time', '120', '-T', '-', `${url}up.bin`], {
        stdio: ['pipe', 'ignore', 'ignore'],
      });
      const uploaded = new Promise((resolve) => upload.on('exit', resolve));
      const servers = await processTree(ftp.pid);
      for (const pid of servers) process.kill(pid, 'SIGSTOP');
      const block = Buffer.alloc(MiB, 0x5a);
      let left = GiB;
      const feed = () => {
        while (left > 0) {
          left -= block.length;
          if (!upload.stdin.write(block)) {
            upload.stdin.once('drain', feed);
            return;
          }
        }
        upload.stdin.end();
      };
      feed();
      await new Promise((resolve) => setTimeout(resolve, 2000));
      for (const pid of await processTree(ftp.pid)) process.kill(pid, 'SIGCONT');
      expect(await uploaded).toBe(0);
      expect((await stat(path.join(ftp.root, 'up.bin'))).size).toBe(GiB);
      peaks.push((await memory(tunnels.pid)).peak - baseline);
      console.log(
        `FTP slow reader, 1 GiB: download peak +${(peaks[0]! / MiB).toFixed(1)} MiB, upload peak +${(peaks[1]! / MiB).toFixed(1)} MiB (${(residentAtUpload / MiB).toFixed(1)} of it resident at its start) over ${(baseline / MiB).toFixed(1)} MiB`,
      );
      // As for -L: the ssh window, buffers and decryption garbage, never the file.
      for (const peak of peaks) expect(peak).toBeLessThan(64 * MiB);
    } finally {
      for (const pid of await processTree(ftp.pid)) process.kill(pid, 'SIGCONT');
      await rm(path.join(ftp.root, 'up.bin'), {force: true});
      await rm(path.join(ftp.root, 'big.bin'), {force: true});
      expect(await tunnels.stop()).toBe(0);
    }
  }, 120_000);
});

async function memory(pid: number): Promise<{rss: number; peak: number}> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024;
  return {rss: kib('VmRSS'), peak: kib('VmHWM')};
}
