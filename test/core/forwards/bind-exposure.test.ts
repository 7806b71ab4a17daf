// Issue #17, item 8: a forward bound beyond loopback says so (once); a remote forward never claims an
// address the server's reply did not give; an FTP forward bound beyond loopback serves passive mode to
// the remote clients it invites.
import {execFile} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {writeFile} from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import {promisify} from 'node:util';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import type {EventOf, TunnelEvent} from '../../../source/core/events.js';
import type {Forward} from '../../../source/core/forwards/forward.js';
import type {ForwardSpec} from '../../../source/core/protocols/forward-spec.js';
import type {Session} from '../../../source/core/session/session.js';
import {startVsftpd, type TestFtpServer} from '../../helpers/ftp-servers.js';
import {createTestHost, type TestHost} from '../../helpers/netns.js';
import {connectedSession, nextEvent} from '../../helpers/session.js';
import {startSshd, type TestSshd} from '../../helpers/sshd.js';
import {exchange, sha256, startEchoServer, type TestServer} from '../../helpers/targets.js';

const run = promisify(execFile);

/** The address of this machine's end of the test host's veth pair (the host's own is .2 of the /30). */
const outsideAddress = (host: TestHost) => host.address.replace(/\.2$/, '.1');

const warningsOf = (events: TunnelEvent[], forwardId: string) =>
  events.filter(
    (event): event is EventOf<'warning'> => event.event === 'warning' && event.forwardId === forwardId,
  );

/** Whether a TCP connection to host:port is accepted (from this machine, this namespace). */
function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({host, port, timeout: 3000});
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Whether a TCP connection to 127.0.0.1:port is accepted from inside the test host. */
async function reachableInside(host: TestHost, port: number): Promise<boolean> {
  const [program, args] = host.command('/usr/bin/python3', [
    '-c',
    `import socket,sys\ntry:\n socket.create_connection(('127.0.0.1',${port}),3)\nexcept OSError:\n sys.exit(1)`,
  ]);
  return run(program, args).then(
    () => true,
    () => false,
  );
}

describe('a local forward bound beyond loopback warns once (real sshd, reconnected)', () => {
  let sshd: TestSshd;
  let host: TestHost;
  let echo: TestServer;
  let session: Session & {seen: TunnelEvent[]};

  beforeAll(async () => {
    sshd = await startSshd();
    // Only for an address of this machine that is not loopback: our end of its veth pair.
    host = await createTestHost();
    echo = await startEchoServer();
    session = await connectedSession(sshd, [], {
      reconnect: true,
      reconnectDelayMs: {initial: 200, max: 1000},
    });
  }, 60_000);
  afterAll(async () => {
    await session?.close();
    await echo?.close();
    await sshd?.stop();
    await host?.remove();
  });

  it('-L/-D/ftp on every interface or a reachable address warn; loopback binds do not; a reconnect adds none', async () => {
    const target = {host: '127.0.0.1', hostPort: echo.port};
    const exposed: Array<[ForwardSpec, RegExp]> = [
      [
        {kind: 'local', bindAddress: '', port: 0, ...target},
        /^-L \*:0:127\.0\.0\.1:\d+ listens on every interface, port (\d+): anyone who can reach this machine can use it to reach 127\.0\.0\.1:\d+ from the server$/,
      ],
      [
        {kind: 'local', bindAddress: '0.0.0.0', port: 0, ...target},
        /^-L 0\.0\.0\.0:0:127\.0\.0\.1:\d+ listens on every interface, port (\d+): anyone who can reach this machine/,
      ],
      [
        {kind: 'dynamic', bindAddress: '', port: 0},
        /^-D \*:0 listens on every interface, port (\d+): anyone who can reach this machine can use it as a SOCKS proxy to whatever the server can reach$/,
      ],
      [
        {kind: 'ftp', bindAddress: '0.0.0.0', port: 0, host: '127.0.0.1', hostPort: 21},
        /^-L ftp\/0\.0\.0\.0:0:127\.0\.0\.1:21 listens on every interface, port (\d+): anyone who can reach this machine can use it to reach 127\.0\.0\.1:21 from the server$/,
      ],
      [
        {kind: 'local', bindAddress: outsideAddress(host), port: 0, ...target},
        new RegExp(
          `^-L ${outsideAddress(host).replaceAll('.', '\\.')}:0:127\\.0\\.0\\.1:\\d+ listens on ${outsideAddress(host).replaceAll('.', '\\.')}:(\\d+): anyone who can reach that address can use it`,
        ),
      ],
    ];
    const quiet: ForwardSpec[] = [
      {kind: 'local', bindAddress: undefined, port: 0, ...target},
      {kind: 'local', bindAddress: 'localhost', port: 0, ...target},
      {kind: 'local', bindAddress: '127.0.0.2', port: 0, ...target},
      {kind: 'dynamic', bindAddress: '::1', port: 0},
      {kind: 'ftp', bindAddress: undefined, port: 0, host: '127.0.0.1', hostPort: 21},
    ];
    const exposedForwards: Forward[] = [];
    for (const [spec, text] of exposed) {
      const forward = await session.addForward(spec);
      expect(forward.state, forward.failure).toBe('listening');
      exposedForwards.push(forward);
      const warnings = warningsOf(session.seen, forward.id);
      expect(warnings).toHaveLength(1);
      // The port in the warning is the one it listens on (the spec said 0).
      expect(Number(text.exec(warnings[0]!.message)?.[1])).toBe(forward.listeningOn!.port);
    }
    const quietIds: string[] = [];
    for (const spec of quiet) {
      const forward = await session.addForward(spec);
      expect(forward.state, forward.failure).toBe('listening');
      quietIds.push(forward.id);
    }

    // The SSH connection drops and comes back: the listeners stayed, and nothing is said again.
    await sshd.kill();
    await nextEvent(
      session,
      (event): event is EventOf<'session-reconnecting'> => event.event === 'session-reconnecting',
    );
    await sshd.restart();
    await nextEvent(
      session,
      (event): event is EventOf<'session-connected'> => event.event === 'session-connected',
      20_000,
    );
    const result = await exchange(exposedForwards[0]!.listeningOn!.port, 4096);
    expect(result.receivedHash).toBe(result.sentHash);
    for (const {id} of exposedForwards) expect(warningsOf(session.seen, id)).toHaveLength(1);
    for (const id of quietIds) expect(warningsOf(session.seen, id)).toHaveLength(0);
  }, 60_000);
});

describe("-R beyond loopback: the server's GatewayPorts decides, and tunnels does not claim what it did", () => {
  let echo: TestServer;
  const hosts: TestHost[] = [];
  const sshds: TestSshd[] = [];
  let session: (Session & {seen: TunnelEvent[]}) | undefined;

  beforeAll(async () => {
    echo = await startEchoServer();
  });
  afterEach(async () => {
    await session?.close();
    session = undefined;
  });
  afterAll(async () => {
    await echo?.close();
    for (const sshd of sshds) await sshd.stop();
    for (const host of hosts) await host.remove();
  });

  /** A test host with an sshd of this GatewayPorts, and a session to it. */
  async function serverWith(gatewayPorts: string): Promise<TestHost> {
    const host = await createTestHost();
    hosts.push(host);
    // The test's own lines come first, and sshd keeps the first value of a keyword.
    sshds.push(await startSshd({host, config: [`GatewayPorts ${gatewayPorts}`]}));
    session = await connectedSession(sshds.at(-1)!);
    return host;
  }

  it.each([
    // [GatewayPorts, reachable from another machine for -R *:..., and for a plain -R ...]
    ['no', false, false],
    ['yes', true, true],
    ['clientspecified', true, false],
  ] as const)(
    'GatewayPorts %s',
    async (gatewayPorts, everyInterface, plainEveryInterface) => {
      const host = await serverWith(gatewayPorts);
      const everywhere = await session!.addForward({
        kind: 'remote',
        bindAddress: '',
        port: 0,
        host: '127.0.0.1',
        hostPort: echo.port,
      });
      expect(everywhere.state, everywhere.failure).toBe('listening');
      const port = everywhere.listeningOn!.port;
      const listening = session!.seen.find(
        (event): event is EventOf<'forward-listening'> =>
          event.event === 'forward-listening' && event.forwardId === everywhere.id,
      )!;
      // The reply carried only the port: the address is not claimed, whatever the server did.
      expect(listening).toMatchObject({bindAddress: '?', port});
      const [warning] = warningsOf(session!.seen, everywhere.id);
      expect(warning?.message).toBe(
        `-R *:0:127.0.0.1:${echo.port}: the server was asked to listen on every interface, port ${port}; its reply does not say where it does, which its GatewayPorts decides: with yes or clientspecified, on every interface, and anyone who can reach it there can use it to reach 127.0.0.1:${echo.port} here; with no (OpenSSH's default), on its loopback only`,
      );
      // What the server did, seen from another machine (this one) and from the server itself.
      expect(await reachable(host.address, port)).toBe(everyInterface);
      expect(await reachableInside(host, port)).toBe(true);
      if (everyInterface) {
        const result = await exchange(port, 64 * 1024, host.address);
        expect(result.receivedHash).toBe(result.sentHash);
      }

      // A plain -R: reported as what was asked, and no warning; GatewayPorts yes opens it everywhere even so.
      const plain = await session!.addForward({
        kind: 'remote',
        bindAddress: undefined,
        port: 0,
        host: '127.0.0.1',
        hostPort: echo.port,
      });
      expect(plain.listeningOn).toEqual({address: 'localhost', port: plain.listeningOn!.port});
      expect(warningsOf(session!.seen, plain.id)).toHaveLength(0);
      expect(await reachable(host.address, plain.listeningOn!.port)).toBe(plainEveryInterface);
    },
    60_000,
  );
});

describe('ftp/ bound beyond loopback: passive mode for a client on another machine (a test host)', () => {
  let host: TestHost;
  let sshd: TestSshd;
  let ftp: TestFtpServer;
  let session: Session & {seen: TunnelEvent[]};
  const file = randomBytes(1024 * 1024);

  beforeAll(async () => {
    host = await createTestHost();
    sshd = await startSshd({host});
    ftp = await startVsftpd(host);
    await writeFile(path.join(ftp.root, 'data.bin'), file, {mode: 0o644});
    session = await connectedSession(sshd);
  }, 60_000);
  afterAll(async () => {
    await session?.close();
    await ftp?.stop();
    await sshd?.stop();
    await host?.remove();
  });

  it.each([
    ['our veth address', () => outsideAddress(host)],
    ['every interface', () => ''],
  ])(
    'bound on %s: PASV names the address the client came to, EPSV its port; both transfer',
    async (_, bind) => {
      const forward = await session.addForward({
        kind: 'ftp',
        bindAddress: bind(),
        port: 0,
        host: '127.0.0.1',
        hostPort: ftp.port,
      });
      expect(forward.state, forward.failure).toBe('listening');
      const url = `ftp://${outsideAddress(host)}:${forward.listeningOn!.port}/pub/data.bin`;
      for (const flags of [['--ftp-pasv', '--disable-epsv'], ['--ftp-pasv']]) {
        // curl runs on the test host: 127.0.0.1 there is not this machine, so only a listener on the
        // address it came to can take its data connection.
        const [program, args] = host.command('curl', ['-sS', '-v', '--max-time', '20', ...flags, url]);
        const {stdout, stderr} = await run(program, args, {encoding: 'buffer', maxBuffer: 4 * 1024 * 1024});
        expect(sha256(stdout)).toBe(sha256(file));
        if (flags.includes('--disable-epsv')) {
          const octets = outsideAddress(host).replaceAll('.', ',');
          expect(stderr.toString()).toMatch(
            new RegExp(`< 227 Entering Passive Mode \\(${octets},\\d+,\\d+\\)`),
          );
        } else expect(stderr.toString()).toMatch(/< 229 Entering Extended Passive Mode \(\|\|\|\d+\|\)/);
      }
      // curl connects to the control connection's address whatever a 227 says (its default since 7.74);
      // lftp goes where the 227 points.
      const [program, args] = host.command('lftp', [
        '-d',
        '-c',
        `set ftp:passive-mode on; set ftp:prefer-epsv no; set net:max-retries 1; set net:timeout 10; open -p ${forward.listeningOn!.port} ${outsideAddress(host)}; cat /pub/data.bin`,
      ]);
      const lftp = await run(program, args, {encoding: 'buffer', maxBuffer: 4 * 1024 * 1024});
      expect(sha256(lftp.stdout)).toBe(sha256(file));
      expect(lftp.stderr.toString()).toMatch(/<--- 227 /);
      const opened = session.seen.filter(
        (event): event is EventOf<'ftp-data-opened'> =>
          event.event === 'ftp-data-opened' && event.forwardId === forward.id,
      );
      expect(opened.map((event) => event.local.replace(/:\d+$/, ''))).toEqual(
        new Array(3).fill(outsideAddress(host)),
      );
      await session.removeForward(forward.id);
    },
  );
});
