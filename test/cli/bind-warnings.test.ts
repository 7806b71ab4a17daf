// Issue #17, item 8, as a user of the built binary sees it: one warning line per forward bound beyond
// loopback, and a remote forward's address not claimed (the test sshd has GatewayPorts no, and binds
// loopback whatever is asked).
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startSshd, type TestSshd} from '../helpers/sshd.js';
import {startEchoServer, type TestServer} from '../helpers/targets.js';
import {isEvent, startTunnels} from '../helpers/tunnels-process.js';

describe('the built binary warns of forwards other machines can use', () => {
  let sshd: TestSshd;
  let echo: TestServer;

  beforeAll(async () => {
    sshd = await startSshd();
    echo = await startEchoServer();
  });
  afterAll(async () => {
    await echo?.close();
    await sshd?.stop();
  });

  it('-L 0.0.0.0, -D *, -L ftp/: and -R * warn once each on stderr; -L and -R on loopback do not', async () => {
    const tunnels = startTunnels([
      '-N',
      '--json',
      ...sshd.sshArgs(),
      '-o',
      'BatchMode=yes',
      '-L',
      `0.0.0.0:0:127.0.0.1:${echo.port}`,
      '-D',
      '*:0',
      '-L',
      'ftp/:0:127.0.0.1:21',
      '-R',
      `*:0:127.0.0.1:${echo.port}`,
      '-L',
      `0:127.0.0.1:${echo.port}`,
      '-R',
      `0:127.0.0.1:${echo.port}`,
      '127.0.0.1',
    ]);
    try {
      const remote = await tunnels.waitFor(
        isEvent('forward-listening', (event) => event.spec === `-R *:0:127.0.0.1:${echo.port}`),
      );
      expect(remote.bindAddress).toBe('?');
      // stderr is a pipe of its own: wait for the last lines there, not just the events.
      const stderr = await tunnels.waitForStderr(
        new RegExp(
          `(?=[\\s\\S]*-D \\*:0 listens)(?=[\\s\\S]*-R 0:127\\.0\\.0\\.1:${echo.port}: listening on the server at localhost:\\d+)(?=[\\s\\S]*-R \\*:0:127\\.0\\.0\\.1:\\d+: the server was asked)`,
        ),
      );
      const lines = stderr.split('\n');
      const warnings = lines.filter((line) => line.startsWith('tunnels: warning: '));
      expect(warnings).toHaveLength(4);
      expect(warnings).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            /^tunnels: warning: -L 0\.0\.0\.0:0:127\.0\.0\.1:\d+ listens on every interface, port \d+: anyone who can reach this machine can use it to reach 127\.0\.0\.1:\d+ from the server$/,
          ),
          expect.stringMatching(
            /^tunnels: warning: -D \*:0 listens on every interface, port \d+: .* SOCKS proxy/,
          ),
          expect.stringMatching(
            /^tunnels: warning: -L ftp\/\*:0:127\.0\.0\.1:21 listens on every interface, port \d+/,
          ),
          expect.stringMatching(
            /^tunnels: warning: -R \*:0:127\.0\.0\.1:\d+: the server was asked to listen on every interface, port \d+; .* with no \(OpenSSH's default\), on its loopback only$/,
          ),
        ]),
      );
      // Where the server listens is not claimed: it bound loopback here, though '*' was asked.
      expect(stderr).toMatch(
        new RegExp(`-R \\*:0:127\\.0\\.0\\.1:${echo.port}: listening on the server at \\?:${remote.port}`),
      );
      expect(stderr).not.toMatch(/listening on the server at \*:/);
      expect(stderr).toMatch(
        new RegExp(`-R 0:127\\.0\\.0\\.1:${echo.port}: listening on the server at localhost:\\d+`),
      );
    } finally {
      expect(await tunnels.stop()).toBe(0);
    }
  });
});
