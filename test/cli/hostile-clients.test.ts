// No client can take tunnels down: thousands of clients that stop at a random point of each listener's
// exchange and then reset, half-close, stall, vanish or send garbage. After each round the process is
// alive, a well-behaved client still gets its data through every forward, and the descriptors of tunnels
// and of sshd (whose sockets are the SSH channels' far ends) are back to their baseline.
import {execFile} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {descriptors, treeDescriptors} from '../helpers/descriptors.js';
import {startVsftpd, type TestFtpServer} from '../helpers/ftp-servers.js';
import {
  type HostileRun,
  hostileClient,
  type Random,
  runClients,
  type Step,
  seededRandom,
} from '../helpers/hostile-client.js';
import {thisMachine} from '../helpers/netns.js';
import {connectTo, socks5Connect} from '../helpers/socks-client.js';
import {freePort, startSshd, type TestSshd} from '../helpers/sshd.js';
import {exchange, sha256, startEchoServer, type TestServer} from '../helpers/targets.js';
import {isEvent, startTunnels, type TunnelsProcess} from '../helpers/tunnels-process.js';

const run = promisify(execFile);

/** The round's seed: printed with every failure, and taken from HOSTILE_SEED to replay one. */
/** Where the SOCKS scripts connect: the only destinations the server and tunnels open (see beforeAll). */
const SOCKS_TARGETS = '127.0.0.1:* localhost:* nonexistent.invalid:80';

const SEED = Number(process.env.HOSTILE_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** Clients per listener kind and round. */
const CLIENTS = Number(process.env.HOSTILE_CLIENTS ?? 600);
const PARALLEL = 40;

const u16 = (value: number) => [value >> 8, value & 0xff];

/** A connected unix-socket client. */
function connectToPath(socketPath: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({path: socketPath});
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Waits until `read` gives `baseline` again (connections close a little after their clients go). */
async function backTo(
  read: () => Promise<number>,
  baseline: number,
  what: string,
  pid: number,
  explain?: (left: string) => string,
): Promise<void> {
  const deadline = Date.now() + 20_000;
  let now = await read();
  while (now > baseline) {
    if (Date.now() > deadline) {
      // Say what is left: each socket with its ends and state.
      const {stdout} = await run('ss', ['-tanpH']).catch(() => ({stdout: ''}));
      const left = stdout
        .split('\n')
        .filter((line) => line.includes(`pid=${pid},`))
        .join('\n');
      throw new Error(
        `${what}: ${now} descriptors open, baseline ${baseline}\n${left}${explain?.(left) ?? ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    now = await read();
  }
}

describe(`hostile clients on every listener (seed ${SEED}; replay with HOSTILE_SEED=${SEED})`, () => {
  let sshd: TestSshd;
  let echo: TestServer;
  let ftp: TestFtpServer;
  let patientFtp: TestFtpServer;
  let refusedPort: number;
  let tunnels: TunnelsProcess;
  /** Each forward's port and tunnels' id for it, by the names used here (L1, D3, F6, ...). */
  const ports: Record<string, number> = {};
  /** The unix-socket listeners: -L here (U9), -R on the server (U10). */
  let socketDir: string;
  let localSocket: string;
  let remoteSocket: string;
  const forwardIds: Record<string, string> = {};
  const file = randomBytes(256 * 1024);

  beforeAll(async () => {
    // Garbage that lands in a SOCKS request's address makes a connect to a random public address, which
    // would leave this machine (and wait in SYN-SENT for minutes where nothing answers): the server (-D)
    // and tunnels (-R port) open connections only to the targets the scripts name, and refuse the rest.
    sshd = await startSshd({config: [`PermitOpen ${SOCKS_TARGETS}`]});
    echo = await startEchoServer();
    refusedPort = await freePort();
    // A client that asks for a data channel and never comes holds vsftpd's session until it gives up
    // (60 s by default); sooner here, so a round's end is reached within the test.
    ftp = await startVsftpd(thisMachine, {
      port: await freePort(),
      config: [
        'accept_timeout=3',
        'connect_timeout=3',
        'data_connection_timeout=5',
        'idle_session_timeout=10',
        'max_per_ip=0',
        'max_clients=0',
      ],
    });
    await writeFile(path.join(ftp.root, 'data.bin'), file, {mode: 0o644});
    // vsftpd with its own timeouts, for clients that hold their sessions open longer than the one above
    // allows, and more of them than Debian's 50 per address.
    patientFtp = await startVsftpd(thisMachine, {
      port: await freePort(),
      config: ['max_per_ip=0', 'max_clients=0'],
    });
    socketDir = await mkdtemp(path.join(os.tmpdir(), 'tunnels-hostile-'));
    localSocket = path.join(socketDir, 'local.sock');
    remoteSocket = path.join(socketDir, 'remote.sock');
    tunnels = startTunnels([
      '-N',
      '--json',
      ...sshd.sshArgs(),
      '-o',
      'BatchMode=yes',
      '-o',
      `PermitRemoteOpen=${SOCKS_TARGETS}`,
      '-L',
      `0:127.0.0.1:${echo.port}`,
      '-L',
      `0:127.0.0.1:${refusedPort}`,
      '-D',
      '0',
      '-R',
      `0:127.0.0.1:${echo.port}`,
      '-R',
      `0:127.0.0.1:${refusedPort}`,
      '-L',
      `ftp/0:127.0.0.1:${ftp.port}`,
      '-L',
      `ftp/0:127.0.0.1:${patientFtp.port}`,
      '-R',
      '0',
      '-L',
      `${localSocket}:127.0.0.1:${echo.port}`,
      '-R',
      `${remoteSocket}:127.0.0.1:${echo.port}`,
      '127.0.0.1',
    ]);
    const names: Record<string, string> = {
      [`-L 0:127.0.0.1:${echo.port}`]: 'L1',
      [`-L 0:127.0.0.1:${refusedPort}`]: 'L2',
      '-D 0': 'D3',
      [`-R 0:127.0.0.1:${echo.port}`]: 'R4',
      [`-R 0:127.0.0.1:${refusedPort}`]: 'R5',
      [`-L ftp/0:127.0.0.1:${ftp.port}`]: 'F6',
      [`-L ftp/0:127.0.0.1:${patientFtp.port}`]: 'F7',
      '-R 0': 'RD8',
      [`-L ${localSocket}:127.0.0.1:${echo.port}`]: 'U9',
      [`-R ${remoteSocket}:127.0.0.1:${echo.port}`]: 'U10',
    };
    const deadline = Date.now() + 15_000;
    while (Object.keys(ports).length < 10) {
      await tunnels.waitFor(isEvent('forward-listening', (event) => ports[names[event.spec]!] === undefined));
      for (const event of tunnels.events) {
        if (event.event !== 'forward-listening') continue;
        ports[names[event.spec]!] = event.port;
        forwardIds[names[event.spec]!] = event.forwardId;
      }
      if (Date.now() > deadline) throw new Error(`not every forward listens: ${JSON.stringify(ports)}`);
    }
  }, 60_000);

  afterAll(async () => {
    const status = await tunnels?.stop();
    await ftp?.stop();
    await patientFtp?.stop();
    await echo?.close();
    await sshd?.stop();
    if (socketDir) await rm(socketDir, {recursive: true, force: true});
    if (tunnels) expect(status).toBe(0);
  });

  /** Every forward still carries a well-behaved client's data, intact. */
  async function everyForwardWorks(): Promise<void> {
    const size = 256 * 1024;
    for (const port of [ports.L1!, ports.R4!]) {
      const result = await exchange(port, size);
      expect(result.received).toBe(size);
      expect(result.receivedHash).toBe(result.sentHash);
    }
    // -D here and the remote dynamic forward's SOCKS proxy on the server; the unix sockets, both ways.
    for (const through of [
      await socks5Connect(ports.D3!, '127.0.0.1', echo.port),
      await socks5Connect(ports.RD8!, '127.0.0.1', echo.port),
      await connectToPath(localSocket),
      await connectToPath(remoteSocket),
    ]) {
      const payload = randomBytes(size);
      const back = await new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        let length = 0;
        through.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          length += chunk.length;
          if (length >= size) resolve(Buffer.concat(chunks));
        });
        through.on('error', reject);
        through.resume();
        through.write(payload);
      });
      through.destroy();
      expect(sha256(back)).toBe(sha256(payload));
    }
    const mark = tunnels.events.length;
    const {stdout} = await run(
      'curl',
      ['-sS', '--max-time', '20', '--ftp-pasv', `ftp://127.0.0.1:${ports.F6}/pub/data.bin`],
      {encoding: 'buffer', maxBuffer: 4 * 1024 * 1024},
    ).catch((error: Error & {stderr?: Buffer}) => {
      // What tunnels said while curl ran.
      const said = tunnels.events.slice(mark).map((event) => JSON.stringify(event));
      throw new Error(`${error.message}: ${error.stderr?.toString()}\n${said.join('\n')}`);
    });
    expect(sha256(stdout)).toBe(sha256(file));
  }

  /** The process is alive and serving, and nothing of the round is left open here or on the server. */
  async function afterRound(baseline: {tunnels: number; sshd: number}, runs: HostileRun[]): Promise<void> {
    expect(tunnels.child.exitCode, tunnels.stderr()).toBeNull();
    await everyForwardWorks();
    await backTo(
      () => descriptors(tunnels.pid),
      baseline.tunnels,
      'tunnels',
      tunnels.pid,
      (left) => {
        // What tunnels said of the clients whose sockets are left.
        const peers = [...left.matchAll(/127\.0\.0\.1:\d+\s+(127\.0\.0\.1:\d+)/g)].map((match) => match[1]!);
        const said = tunnels.events.filter((event) =>
          peers.some((peer) => JSON.stringify(event).includes(peer)),
        );
        const clients = runs.filter((run) => run && peers.some((peer) => peer.endsWith(`:${run.port}`)));
        return `\n${[...said, ...clients].map((item) => JSON.stringify(item)).join('\n')}`;
      },
    );
    await backTo(() => treeDescriptors(sshd.pid), baseline.sshd, 'sshd', sshd.pid);
  }

  async function baseline(): Promise<{tunnels: number; sshd: number}> {
    await everyForwardWorks();
    // Let the well-behaved clients' connections close on both sides before counting.
    await new Promise((resolve) => setTimeout(resolve, 300));
    return {tunnels: await descriptors(tunnels.pid), sshd: await treeDescriptors(sshd.pid)};
  }

  it('the field reproduction: SOCKS5 CONNECT to a name the server cannot resolve, reset before the reply, 20 times', async () => {
    const name = Buffer.from('nonexistent.invalid');
    for (let round = 0; round < 20; round++) {
      const socket = await connectTo(ports.D3!);
      socket.on('error', () => {});
      socket.write(Buffer.from([5, 1, 0]));
      await new Promise((resolve) => socket.once('data', resolve));
      socket.write(Buffer.from([5, 1, 0, 3, name.length, ...name, 0, 80]));
      socket.resetAndDestroy();
    }
    const failed = await tunnels.waitFor(
      isEvent('connection-failed', (event) => event.to === 'nonexistent.invalid:80'),
    );
    expect(failed.from).toMatch(/^127\.0\.0\.1:\d+$/);
    // The failures come in after the resets; wait for all twenty, then check the process is still here.
    const deadline = Date.now() + 15_000;
    while (
      tunnels.events.filter(
        (event) => event.event === 'connection-failed' && event.to === 'nonexistent.invalid:80',
      ).length < 20 &&
      Date.now() < deadline
    )
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(tunnels.child.exitCode, tunnels.stderr()).toBeNull();
    await everyForwardWorks();
  }, 60_000);

  /** SOCKS exchanges: every version, command and address type, to live, refused and unresolvable targets. */
  function socksScript(random: Random): [string, Step[]] {
    const data: Step = {send: randomBytes(1 + random.below(2000)), reply: 1};
    const target = random.pick([
      ['live', echo.port, '127.0.0.1'],
      ['refused', refusedPort, '127.0.0.1'],
      ['unresolvable', 80, 'nonexistent.invalid'],
      ['name', echo.port, 'localhost'],
    ] as const);
    const [, port, host] = target;
    const name = Buffer.from(host);
    const ip = host === '127.0.0.1' ? [127, 0, 0, 1] : [0, 0, 0, 1];
    const kinds: Array<[string, Step[]]> = [
      [
        `socks5 connect ${target[0]}`,
        [
          {send: Buffer.from([5, 1, 0]), reply: 2},
          {send: Buffer.from([5, 1, 0, 3, name.length, ...name, ...u16(port)]), reply: 10},
          data,
        ],
      ],
      [
        `socks5 connect ipv4 ${target[0]}`,
        [
          {send: Buffer.from([5, 2, 2, 0]), reply: 2},
          {send: Buffer.from([5, 1, 0, 1, 127, 0, 0, 1, ...u16(port)]), reply: 10},
          data,
        ],
      ],
      ['socks5 user/password only', [{send: Buffer.from([5, 1, 2]), reply: 2}, data]],
      [
        'socks5 udp associate',
        [
          {send: Buffer.from([5, 1, 0]), reply: 2},
          {send: Buffer.from([5, 3, 0, 1, 0, 0, 0, 0, 0, 0]), reply: 10},
        ],
      ],
      [
        'socks5 bind',
        [
          {send: Buffer.from([5, 1, 0]), reply: 2},
          {send: Buffer.from([5, 2, 0, 1, 127, 0, 0, 1, ...u16(port)]), reply: 10},
        ],
      ],
      [
        'socks5 zero-length name',
        [
          {send: Buffer.from([5, 1, 0]), reply: 2},
          {send: Buffer.from([5, 1, 0, 3, 0, ...u16(port)]), reply: 10},
        ],
      ],
      [
        `socks4 connect ${target[0]}`,
        [{send: Buffer.from([4, 1, ...u16(port), 127, 0, 0, 1, 0x75, 0]), reply: 8}, data],
      ],
      [
        `socks4a connect ${target[0]}`,
        [{send: Buffer.from([4, 1, ...u16(port), ...ip, 0x75, 0, ...name, 0]), reply: 8}, data],
      ],
      ['socks4 bind', [{send: Buffer.from([4, 2, ...u16(port), 127, 0, 0, 1, 0]), reply: 8}]],
      ['garbage', [{send: random.bytes(1 + random.below(300)), reply: 1}]],
    ];
    return random.pick(kinds);
  }

  /** An FTP control exchange up to a data channel; the data channel's own client is hostile too. */
  function ftpScript(random: Random): [string, Step[]] {
    const line = (text: string): Step => ({send: Buffer.from(`${text}\r\n`), reply: 4});
    const login = [{send: Buffer.alloc(0), reply: 4}, line('USER anonymous'), line('PASS x'), line('TYPE I')];
    return random.pick([
      ['ftp pasv', [...login, line('PASV'), line('RETR pub/data.bin')]],
      ['ftp epsv', [...login, line('EPSV'), line('RETR pub/data.bin')]],
      ['ftp port to nowhere', [...login, line(`PORT 127,0,0,1,${u16(refusedPort).join(',')}`), line('LIST')]],
      ['ftp eprt to nowhere', [...login, line(`EPRT |1|127.0.0.1|${refusedPort}|`), line('LIST')]],
      ['ftp pasv many', [...login, ...Array.from({length: 20}, () => line('PASV'))]],
      ['ftp garbage', [{send: Buffer.alloc(0), reply: 4}, {send: random.bytes(1 + random.below(500))}]],
    ] as Array<[string, Step[]]>);
  }

  /** Clients of a passive data listener: connect to what the last 227/229 named, then misbehave. */
  async function passiveDataClient(random: Random): Promise<void> {
    const control = net.connect(ports.F6!, '127.0.0.1');
    control.on('error', () => {});
    let text = '';
    const replies = new Promise<string>((resolve) => {
      control.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1');
        if (/^22[79] /m.test(text)) resolve(text);
      });
      control.on('close', () => resolve(text));
      setTimeout(() => resolve(text), 3000);
    });
    control.write('USER anonymous\r\nPASS x\r\nTYPE I\r\n');
    control.write(random.chance(0.5) ? 'PASV\r\n' : 'EPSV\r\n');
    const reply = await replies;
    const passive = /\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/.exec(reply);
    const extended = /\(\|\|\|(\d+)\|\)/.exec(reply);
    const port = passive ? Number(passive[5]) * 256 + Number(passive[6]) : extended ? Number(extended[1]) : 0;
    if (port > 0) {
      if (random.chance(0.5)) control.write('RETR pub/data.bin\r\n');
      await hostileClient(port, [{send: random.bytes(random.below(100))}], random, 'ftp data', 1500);
    }
    if (random.chance(0.5)) control.resetAndDestroy();
    else control.destroy();
  }

  const kinds: Array<[string, (random: Random) => Promise<unknown>]> = [
    [
      '-L to a live target',
      (random) =>
        hostileClient(ports.L1!, [{send: random.bytes(random.below(4000)), reply: 1}], random, '-L live'),
    ],
    [
      '-L to a refusing target',
      (random) =>
        hostileClient(ports.L2!, [{send: random.bytes(random.below(400)), reply: 1}], random, '-L refused'),
    ],
    [
      '-D (SOCKS 4, 4a and 5)',
      (random) => {
        const [name, steps] = socksScript(random);
        return hostileClient(ports.D3!, steps, random, name);
      },
    ],
    [
      '-R to a live target (clients on the server)',
      (random) =>
        hostileClient(ports.R4!, [{send: random.bytes(random.below(4000)), reply: 1}], random, '-R live'),
    ],
    [
      '-R to a refusing target',
      (random) =>
        hostileClient(ports.R5!, [{send: random.bytes(random.below(400)), reply: 1}], random, '-R refused'),
    ],
    [
      'ftp/ control connections',
      (random) => {
        const [name, steps] = ftpScript(random);
        return hostileClient(ports.F6!, steps, random, name, 4000);
      },
    ],
    ['ftp/ passive data listeners', (random) => passiveDataClient(random)],
    [
      '-R port alone (remote dynamic: SOCKS 4, 4a and 5 on the server, out from here)',
      (random) => {
        const [name, steps] = socksScript(random);
        return hostileClient(ports.RD8!, steps, random, `-R ${name}`);
      },
    ],
    [
      '-L on a unix socket',
      (random) =>
        hostileClient(localSocket, [{send: random.bytes(random.below(4000)), reply: 1}], random, '-L socket'),
    ],
    [
      '-R on a unix socket (clients on the server)',
      (random) =>
        hostileClient(
          remoteSocket,
          [{send: random.bytes(random.below(4000)), reply: 1}],
          random,
          '-R socket',
        ),
    ],
  ];

  it.each(kinds.map(([name, make], index) => ({name, make, index})))(
    '$name: a round of hostile clients leaves the process serving and nothing open',
    async ({make, index}) => {
      const before = await baseline();
      const runs: unknown[] = [];
      await runClients(CLIENTS, PARALLEL, async (client) =>
        runs.push(await make(seededRandom(SEED * 31 + index * 1_000_003 + client))),
      );
      await afterRound(before, runs as HostileRun[]);
    },
    180_000,
  );

  it('one FTP client may hold 8 data channels, a forward 512: the rest are refused with a sentence and counted', async () => {
    const before = await baseline();
    const failedBefore = failures('F7').length;
    const controls: net.Socket[] = [];
    const replies: string[] = [];
    const session = async (pasvCount: number) => {
      const control = await connectTo(ports.F7!);
      control.on('error', () => {});
      controls.push(control);
      let text = '';
      control.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1');
      });
      control.write(`USER anonymous\r\nPASS x\r\n${'PASV\r\n'.repeat(pasvCount)}`);
      const deadline = Date.now() + 10_000;
      while ((text.match(/^(227|425) /gm) ?? []).length < pasvCount && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      replies.push(text);
      return text;
    };
    try {
      const greedy = await session(20);
      expect(greedy.match(/^227 /gm)).toHaveLength(8);
      expect(greedy.match(/^425 /gm)).toHaveLength(12);
      expect(greedy).toContain('this FTP client already holds 8');
      // 63 more clients with 8 each: 512 in all on this forward; the next one is refused.
      for (let index = 0; index < 63; index++) await session(8);
      const late = await session(1);
      expect(late).toMatch(/^425 .*512 are open on this forward/m);
      expect(replies.join('').match(/^227 /gm)).toHaveLength(512);
      expect(failures('F7').length - failedBefore).toBe(13);
    } finally {
      for (const control of controls) control.destroy();
    }
    // Their control connections gone, the data listeners go with them.
    await afterRound(before, []);
  }, 60_000);

  function failures(name: string) {
    return tunnels.events.filter(
      (event) => event.event === 'connection-failed' && event.forwardId === forwardIds[name],
    );
  }
});
