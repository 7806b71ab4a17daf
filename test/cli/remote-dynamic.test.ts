import {execFile} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {socks5Connect} from '../helpers/socks-client.js';
import {startSshd, type TestSshd} from '../helpers/sshd.js';
import {sha256} from '../helpers/targets.js';
import {isEvent, startTunnels, type TunnelsProcess} from '../helpers/tunnels-process.js';
import {sendBytes, startWebServer, type WebServer} from '../helpers/web-server.js';

const run = promisify(execFile);

/**
 * curl on the server's side (the sshd is on this machine's loopback) through the SOCKS proxy the server
 * listens on; resolves with the body's sha256, or with curl's exit status when it fails.
 */
async function curlThrough(
  proxy: string,
  mode: '--socks5-hostname' | '--socks5' | '--socks4' | '--socks4a',
  url: string,
): Promise<{hash: string} | {status: number}> {
  try {
    const {stdout} = await run('curl', ['-sS', '--max-time', '20', mode, proxy, url], {
      encoding: 'buffer',
      maxBuffer: 64 * 1024 * 1024,
      timeout: 30_000,
    });
    return {hash: sha256(stdout)};
  } catch (error) {
    return {status: (error as {code?: number}).code ?? -1};
  }
}

describe('remote dynamic forwarding (-R [bind:]port): a SOCKS proxy on the server, out through this machine', () => {
  let sshd: TestSshd;
  let web: WebServer;
  const body = randomBytes(4 * 1024 * 1024 + 3);

  beforeAll(async () => {
    sshd = await startSshd();
    web = await startWebServer('127.0.0.1', (request, response) => sendBytes(request, response, body));
  });
  afterAll(async () => {
    await web?.close();
    await sshd?.stop();
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

  async function withTunnels(
    args: string[],
    test: (tunnels: TunnelsProcess, proxy: string) => Promise<void>,
  ) {
    const tunnels = startTunnels(args);
    try {
      const listening = await tunnels.waitFor(isEvent('forward-listening'));
      expect(listening).toMatchObject({kind: 'remote-dynamic', bindAddress: 'localhost'});
      await test(tunnels, `127.0.0.1:${listening.port}`);
    } finally {
      expect(await tunnels.stop()).toBe(0);
    }
  }

  it('SOCKS5 (names resolved here), SOCKS5 with an address, SOCKS4 and 4a reach a web server here, sha256-checked', async () => {
    await withTunnels([...base(), '-R', '0'], async (tunnels, proxy) => {
      const expected = {hash: sha256(body)};
      expect(await curlThrough(proxy, '--socks5-hostname', `http://localhost:${web.port}/a`)).toEqual(
        expected,
      );
      expect(await curlThrough(proxy, '--socks5', `http://127.0.0.1:${web.port}/b`)).toEqual(expected);
      expect(await curlThrough(proxy, '--socks4', `http://127.0.0.1:${web.port}/c`)).toEqual(expected);
      expect(await curlThrough(proxy, '--socks4a', `http://localhost:${web.port}/d`)).toEqual(expected);
      expect(web.requests.slice(-4)).toEqual(['/a', '/b', '/c', '/d']);
      const opened = await tunnels.waitFor(isEvent('connection-opened'));
      expect(opened.to).toBe(`localhost:${web.port}`);
      expect(opened.from).toMatch(/^127\.0\.0\.1:\d+ \(on the server\)$/);
      const closed = await tunnels.waitFor(isEvent('connection-closed'));
      // Counted at the target: the request out, the whole response back; the SOCKS handshake is not traffic.
      expect(closed.bytesOut).toBeGreaterThan(body.length);
      expect(closed.bytesIn).toBeGreaterThan(0);
      expect(closed.bytesIn).toBeLessThan(1000);
      const stderr = await tunnels.waitForStderr(/connection #4 closed/);
      expect(stderr).toMatch(/-R 0: listening on the server at localhost:\d+ \(SOCKS\)/);
    });
  });

  it('a target that refuses: the SOCKS client is told (connection refused), and the log says why', async () => {
    await withTunnels([...base(), '-R', '0'], async (tunnels, proxy) => {
      const result = await curlThrough(proxy, '--socks5-hostname', 'http://127.0.0.1:1/');
      expect(result).toHaveProperty('status');
      expect((result as {status: number}).status).not.toBe(0);
      const failed = await tunnels.waitFor(isEvent('connection-failed'));
      expect(failed).toMatchObject({to: '127.0.0.1:1'});
      expect(failed.reason).toBe('127.0.0.1:1 refused the connection (nothing listening there?)');
      // The reply says so (ssh would have said "succeeded", then closed).
      const port = Number(proxy.split(':')[1]);
      await expect(socks5Connect(port, '127.0.0.1', 1)).rejects.toThrow('CONNECT failed with reply 5');
    });
  });

  it('PermitRemoteOpen: only what it lists is opened; the rest is refused (not allowed) before any connection here', async () => {
    const before = web.requests.length;
    await withTunnels(
      [...base('-o', `PermitRemoteOpen=127.0.0.1:${web.port} other:1`), '-R', '0'],
      async (tunnels, proxy) => {
        expect(await curlThrough(proxy, '--socks5-hostname', `http://127.0.0.1:${web.port}/allowed`)).toEqual(
          {
            hash: sha256(body),
          },
        );
        // The same server by another name is another destination: ssh matches names as given, no lookups.
        const byName = await curlThrough(proxy, '--socks5-hostname', `http://localhost:${web.port}/by-name`);
        expect(byName).toHaveProperty('status');
        const failed = await tunnels.waitFor(isEvent('connection-failed'));
        expect(failed).toMatchObject({to: `localhost:${web.port}`});
        expect(failed.reason).toBe(
          `PermitRemoteOpen does not allow localhost:${web.port} (it allows 127.0.0.1:${web.port} other:1)`,
        );
        const socks4 = await curlThrough(proxy, '--socks4', `http://127.0.0.1:${web.port + 1}/other-port`);
        expect(socks4).toHaveProperty('status');
        // SOCKS5's "connection not allowed by ruleset".
        const port = Number(proxy.split(':')[1]);
        await expect(socks5Connect(port, '127.0.0.2', web.port)).rejects.toThrow(
          'CONNECT failed with reply 2',
        );
      },
    );
    expect(web.requests.slice(before)).toEqual(['/allowed']);
  });

  it('PermitRemoteOpen none refuses everything; a bad value is refused before connecting', async () => {
    await withTunnels([...base('-o', 'PermitRemoteOpen=none'), '-R', '0'], async (tunnels, proxy) => {
      const result = await curlThrough(proxy, '--socks5', `http://127.0.0.1:${web.port}/`);
      expect(result).toHaveProperty('status');
      const failed = await tunnels.waitFor(isEvent('connection-failed'));
      expect(failed.reason).toContain('PermitRemoteOpen does not allow');
    });
    const bad = startTunnels([...base('-o', 'PermitRemoteOpen=web'), '-R', '0']);
    expect(await bad.exited).toBe(255);
    expect(bad.stderr()).toContain('bad PermitRemoteOpen "web"');
  });

  it('a client that is not SOCKS is refused and counted', async () => {
    await withTunnels([...base(), '-R', '0'], async (tunnels, proxy) => {
      const {stdout} = await run('curl', ['-s', '--max-time', '10', `http://${proxy}/`], {
        timeout: 20_000,
      }).catch((error: {stdout?: string}) => ({stdout: error.stdout ?? ''}));
      expect(stdout).not.toContain('HTTP/1.1 200');
      const failed = await tunnels.waitFor(isEvent('connection-failed'));
      expect(failed.to).toBe('?');
    });
  });
});
