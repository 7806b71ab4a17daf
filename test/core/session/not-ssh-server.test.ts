import {spawn} from 'node:child_process';
import net from 'node:net';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {Session, type SessionConfig, SessionError} from '../../../source/core/session/session.js';
import {testSessionConfig} from '../../helpers/session.js';
import {freePort, startSshd, type TestSshd} from '../../helpers/sshd.js';
import {serve, type TestServer} from '../../helpers/targets.js';
import {startWebServer, type WebServer} from '../../helpers/web-server.js';

/** Connects with this config; resolves with the SessionError it fails with. */
async function failure(config: SessionConfig): Promise<SessionError> {
  const session = new Session(config, undefined);
  try {
    await session.connect();
  } catch (error) {
    expect(error).toBeInstanceOf(SessionError);
    return error as SessionError;
  } finally {
    await session.close();
  }
  throw new Error('connected, but a failure was expected');
}

/** Python's own web server (HTTP/0.9 replies to a request line without a version: a body alone). */
async function startPythonHttp(): Promise<{port: number; stop(): Promise<void>}> {
  const port = await freePort();
  const child = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1'], {
    stdio: 'ignore',
  });
  for (let tries = 0; ; tries++) {
    const up = await new Promise<boolean>((resolve) => {
      const probe = net.connect(port, '127.0.0.1');
      probe.on('connect', () => {
        probe.destroy();
        resolve(true);
      });
      probe.on('error', () => resolve(false));
    });
    if (up) break;
    if (tries > 500 || child.exitCode !== null) throw new Error('python3 -m http.server did not start');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    port,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

describe('a port that answers but is not SSH is named as such, not in the library words', () => {
  let sshd: TestSshd;
  let web: WebServer;
  let python: {port: number; stop(): Promise<void>};
  let closer: TestServer;
  let tls: TestServer;
  let smtp: TestServer;
  beforeAll(async () => {
    sshd = await startSshd();
    web = await startWebServer('127.0.0.1', (_request, response) => response.end('hello'));
    python = await startPythonHttp();
    closer = await serve((socket) => socket.destroy());
    // The first bytes of a TLS alert record, then it hangs up, as a TLS server does when spoken to in clear.
    tls = await serve((socket) => socket.end(Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46])));
    // A mail server's banner, and then nothing: it waits for a command that will not come.
    smtp = await serve((socket) => socket.write('220 mail.example ESMTP\r\n'));
  });
  afterAll(async () => {
    await Promise.all([web?.close(), python?.stop(), closer?.close(), tls?.close(), smtp?.close()]);
    await sshd?.stop();
  });

  const at = async (port: number, overrides: Partial<SessionConfig> = {}) =>
    testSessionConfig(sshd, [], {host: '127.0.0.1', port, ...overrides});

  it('a web server: quotes its answer', async () => {
    const error = await failure(await at(web.port));
    expect(error.level).toBe('protocol');
    expect(error.message).toBe(
      `127.0.0.1:${web.port} is not an SSH server (it answered "HTTP/1.1 400 Bad Request", as a web server does); check the host and port`,
    );
    const fromPython = await failure(await at(python.port));
    expect(fromPython.message).toBe(
      `127.0.0.1:${python.port} is not an SSH server (it answered "<!DOCTYPE HTML>", as a web server does); check the host and port`,
    );
  });

  it('a server that closes at once: says it never said it was SSH', async () => {
    const error = await failure(await at(closer.port));
    expect(error.message).toMatch(
      new RegExp(
        `^127\\.0\\.0\\.1:${closer.port} closed the connection before saying it was an SSH server \\(is the port right\\?`,
      ),
    );
  });

  it('bytes that are not text: how many, and the first in hex', async () => {
    const error = await failure(await at(tls.port));
    expect(error.message).toBe(
      `127.0.0.1:${tls.port} is not an SSH server (it answered 7 bytes that are not text, starting 15 03 01 00 02 02 46, as a TLS server does); check the host and port`,
    );
  });

  it('a banner and then silence: named at ConnectTimeout, with what it said', async () => {
    const error = await failure(await at(smtp.port, {connectTimeoutMs: 1000}));
    expect(error.message).toBe(
      `127.0.0.1:${smtp.port} is not an SSH server (it answered "220 mail.example ESMTP", as an FTP or mail server does, and no SSH greeting followed); check the host and port`,
    );
  });

  it('a jump host that is not SSH is named as the hop', async () => {
    const hop = await at(web.port, {name: 'bastion'});
    const error = await failure(await testSessionConfig(sshd, [], {jumpHost: hop}));
    expect(error.message).toBe(
      `the jump host bastion (127.0.0.1:${web.port}): 127.0.0.1:${web.port} is not an SSH server (it answered "HTTP/1.1 400 Bad Request", as a web server does); check the host and port`,
    );
  });

  it('through a jump host, a target that is not SSH is named', async () => {
    const error = await failure(await at(web.port, {jumpHost: await testSessionConfig(sshd)}));
    expect(error.message).toBe(
      `127.0.0.1:${web.port} is not an SSH server (it answered "HTTP/1.1 400 Bad Request", as a web server does); check the host and port`,
    );
  });

  it('through a ProxyCommand, a target that is not SSH is named, not the ProxyCommand exit', async () => {
    // nc stays open after the web server has answered and closed, as with ssh, until ConnectTimeout.
    const error = await failure(
      await at(web.port, {proxyCommand: `nc 127.0.0.1 ${web.port}`, connectTimeoutMs: 1000}),
    );
    expect(error.message).toBe(
      `127.0.0.1:${web.port} is not an SSH server (it answered "HTTP/1.1 400 Bad Request", as a web server does, and no SSH greeting followed); check the host and port`,
    );
    // One that answers and exits at once (before ssh2 has written to it, or right after): what it
    // answered is the cause, not its exit. Several times: the order of its exit, its EOF and our first
    // write differs from run to run.
    for (let round = 0; round < 5; round++) {
      const answered = await failure(
        await at(web.port, {proxyCommand: `printf 'HTTP/1.1 400 Bad Request\\r\\n\\r\\n'`}),
      );
      expect(answered.message).toBe(
        `127.0.0.1:${web.port} is not an SSH server (it answered "HTTP/1.1 400 Bad Request", as a web server does); check the host and port`,
      );
    }
    // One that exits without a word is reported by its exit, as before.
    const exited = await failure(await at(web.port, {proxyCommand: 'sh -c "exit 3"'}));
    expect(exited.message).toBe(
      `the ProxyCommand (sh -c "exit 3") exited with status 3, before the SSH handshake with 127.0.0.1:${web.port}`,
    );
  });

  it('a real sshd still connects', async () => {
    const session = new Session(await testSessionConfig(sshd), undefined);
    await session.connect();
    expect(session.state).toBe('connected');
    await session.close();
  });
});
