// Section 4: FTP forwarding. Downloads and uploads through `-L ftp/...` in passive and active mode
// (curl against vsftpd), against the same curl, file and vsftpd through plain -L forwards of tunnels and
// of ssh (vsftpd's passive data port is one fixed port, forwarded by a second plain -L), against curl
// straight to vsftpd and, for context, against the same bytes as a raw TCP stream through a plain -L;
// and the latency of PASV and PORT from a small raw FTP client.
import {chmod, mkdtemp, rm, truncate, writeFile} from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {startVsftpd} from '../../test/helpers/ftp-servers.js';
import type {TestHost} from '../../test/helpers/netns.js';
import {freePort} from '../../test/helpers/sshd.js';
import {
  connectTo,
  download,
  type Forwarder,
  fmtStat,
  interleaved,
  KiB,
  MiB,
  mbps,
  onCleanup,
  onJsonLines,
  ratio,
  runTracked,
  type SectionContext,
  type SectionResult,
  type Stat,
  sleep,
  startForwarder,
  startSink,
  startSource,
  stat,
  TOOLS,
  type Tool,
  upload,
} from './common.js';

/**
 * The FTP server helpers run their server on a "test host"; here that host is this machine itself, so
 * vsftpd listens on 127.0.0.1 of the loopback the sshd and the bench use (loopback only), on a free port
 * (not 21: another checkout's bench may be using that one).
 */
const THIS_MACHINE: TestHost = {
  name: 'loopback',
  address: '127.0.0.1',
  command: (program, args) => [program, args],
  remove: async () => {},
};

const MODES = {
  passive: ['--ftp-pasv', '--disable-epsv'],
  active: ['--ftp-port', '-', '--disable-eprt'],
} as const;
type Mode = keyof typeof MODES;
type Direction = 'download' | 'upload';

/**
 * The plain-forward baseline: where each tool's two plain -L listen. Not 127.0.0.1, where vsftpd's own
 * passive port is: curl connects to the PASV reply's port on the control connection's address
 * (--ftp-skip-pasv-ip), so its data connection reaches that port's plain -L on this address.
 */
const PLAIN_ADDRESS: Record<Tool, string> = {tunnels: '127.0.0.2', ssh: '127.0.0.3'};
const SKIP_PASV_IP = '--ftp-skip-pasv-ip';

/** A port free on every one of these addresses (so vsftpd and both tools' plain -L can all use it). */
async function portFreeOn(addresses: string[]): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort(addresses[0]);
    const free = await Promise.all(
      addresses.slice(1).map(
        (address) =>
          new Promise<boolean>((resolve) => {
            const server = net.createServer();
            server.once('error', () => resolve(false));
            server.listen(port, address, () => server.close(() => resolve(true)));
          }),
      ),
    );
    if (free.every(Boolean)) return port;
    if (attempt > 20) throw new Error(`no port free on all of ${addresses.join(', ')}`);
  }
}

/** curl's own account of a transfer: bytes and total time (login, data connection and all). */
async function curl(args: string[]): Promise<{bytes: number; seconds: number; log: string}> {
  const {stdout, stderr} = await runTracked(
    'curl',
    [
      // --verbose: its log (stderr) names the address the data connection went to. Only the FTP
      // commands and connection steps are logged, nothing per data block.
      '--silent',
      '--verbose',
      '--show-error',
      '--max-time',
      '600',
      '-o',
      '/dev/null',
      '-w',
      '%{size_download} %{size_upload} %{time_total}',
      ...args,
    ],
    {timeoutMs: 620_000},
  );
  const [down, up, total] = stdout.trim().split(' ').map(Number);
  return {bytes: Math.max(down!, up!), seconds: total!, log: stderr};
}

/** The addresses curl connected to ("127.0.0.2:2121"), in order, from its --verbose log. */
function curlConnections(log: string): string[] {
  return [...log.matchAll(/^\* +Trying (\S+?)\.\.\.$/gm)].map((match) => match[1]!);
}

/**
 * tunnels' --json connection events for one forward destination: the bytes of each connection closed,
 * so that a plain-forward transfer can be checked to have gone through the data port's forward.
 */
function watchConnections(forwarder: Forwarder, to: string): {closed: Array<[number, number]>} {
  const opened = new Set<string>();
  const closed: Array<[number, number]> = [];
  onJsonLines<{
    event: string;
    forwardId: string;
    connectionId: number;
    to?: string;
    bytesIn?: number;
    bytesOut?: number;
  }>(
    forwarder.child.stdout!,
    (line) => line.includes('"connection-'),
    (event) => {
      const key = `${event.forwardId}#${event.connectionId}`;
      if (event.event === 'connection-opened' && event.to === to) opened.add(key);
      else if (event.event === 'connection-closed' && opened.delete(key))
        closed.push([event.bytesIn ?? 0, event.bytesOut ?? 0]);
    },
  );
  return {closed};
}

// ---------------------------------------------------------------------------------------------------
// A small raw FTP client for the latency of PASV and PORT.

class Control {
  private buffer = '';
  private waiting: Array<() => void> = [];
  private closed = false;
  constructor(
    private readonly socket: net.Socket,
    /** Where the control connection goes; passive data connections go there too (as --ftp-skip-pasv-ip). */
    readonly host: string,
  ) {
    socket.setEncoding('latin1');
    socket.on('data', (text: string) => {
      this.buffer += text;
      for (const wake of this.waiting.splice(0)) wake();
    });
    socket.on('close', () => {
      this.closed = true;
      for (const wake of this.waiting.splice(0)) wake();
    });
  }

  static async open(port: number, host = '127.0.0.1'): Promise<Control> {
    const control = new Control(await connectTo(port, false, host), host);
    await control.expect('220');
    control.send('USER anonymous');
    // vsftpd with no_anon_password logs anonymous in at once (230); others ask for a password (331).
    const user = await control.reply();
    if (user.code === '331') await control.command('PASS bench@', '230');
    else if (user.code !== '230') throw new Error(`FTP: expected 230 or 331, got ${user.code} ${user.text}`);
    await control.command('TYPE I', '200');
    await control.command('CWD /pub', '250');
    return control;
  }

  /** The next complete reply (multi-line ones included). */
  async reply(): Promise<{code: string; text: string}> {
    for (;;) {
      const match = /^(\d{3}) [^\r\n]*\r?\n/m.exec(this.buffer);
      if (match) {
        const end = match.index + match[0].length;
        const text = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end);
        return {code: match[1]!, text};
      }
      if (this.closed) throw new Error('FTP: the control connection closed');
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  async expect(code: string): Promise<string> {
    const reply = await this.reply();
    if (reply.code !== code) throw new Error(`FTP: expected ${code}, got ${reply.text.trim()}`);
    return reply.text;
  }

  send(line: string): void {
    this.socket.write(`${line}\r\n`);
  }

  async command(line: string, code: string): Promise<string> {
    this.send(line);
    return this.expect(code);
  }

  close(): void {
    this.socket.destroy();
  }
}

interface Latency {
  /** From PASV/PORT sent to its reply. */
  reply: number;
  /** Passive: to our data connection connected; active: to the server's data connection accepted. */
  connected: number;
  /** To RETR's 150 reply on the control connection. */
  opening: number;
  /** To the first byte of a 1 KiB RETR (sent right after the data connection / the PORT reply). */
  firstByte: number;
}

async function readDataConnection(socket: net.Socket, started: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let first: number | undefined;
    socket.on('data', () => {
      first ??= performance.now() - started;
    });
    socket.on('error', reject);
    socket.on('end', () =>
      first === undefined ? reject(new Error('FTP: empty data connection')) : resolve(first),
    );
  });
}

async function passiveSample(control: Control): Promise<Latency> {
  const started = performance.now();
  const text = await control.command('PASV', '227');
  const reply = performance.now() - started;
  const numbers = /(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)/.exec(text);
  if (!numbers) throw new Error(`FTP: cannot read ${text.trim()}`);
  // To the reply's port on the control connection's address (the reply's own address is 127.0.0.1 for
  // vsftpd and for tunnels' ftp/ alike; through a plain -L it has to be the forward's address).
  const data = await connectTo(Number(numbers[5]) * 256 + Number(numbers[6]), false, control.host);
  const connected = performance.now() - started;
  const firstByte = readDataConnection(data, started);
  control.send('RETR small.bin');
  const opening = control.expect('150').then(() => performance.now() - started);
  const result = {reply, connected, opening: await opening, firstByte: await firstByte};
  await control.expect('226');
  return result;
}

async function activeSample(control: Control): Promise<Latency> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const started = performance.now();
    let connected = 0;
    const accepted = new Promise<net.Socket>((resolve) =>
      server.once('connection', (socket) => {
        connected = performance.now() - started;
        resolve(socket);
      }),
    );
    await control.command(`PORT 127,0,0,1,${port >> 8},${port & 255}`, '200');
    const reply = performance.now() - started;
    control.send('RETR small.bin');
    const opening = control.expect('150').then(() => performance.now() - started);
    const firstByte = accepted.then((socket) => readDataConnection(socket, started));
    const [openingMs, firstByteMs] = await Promise.all([opening, firstByte]);
    await control.expect('226');
    // `connected` was set when the server's data connection arrived, before its first byte.
    return {reply, connected, opening: openingMs, firstByte: firstByteMs};
  } finally {
    server.close();
  }
}

async function latencies(port: number, mode: Mode, samples: number, host?: string): Promise<Latency[]> {
  const control = await Control.open(port, host);
  try {
    const results: Latency[] = [];
    for (let index = 0; index < samples; index++)
      results.push(await (mode === 'passive' ? passiveSample(control) : activeSample(control)));
    return results;
  } finally {
    control.close();
  }
}

// ---------------------------------------------------------------------------------------------------

type LatencyPath = 'direct' | 'tunnels' | 'tunnels-plain' | 'ssh-plain';
type Path = 'direct' | 'tunnels-ftp' | 'tunnels-plain' | 'ssh-plain' | 'tunnels-raw' | 'ssh-raw';

export async function ftp(context: SectionContext): Promise<SectionResult> {
  const {options, sshd, log} = context;
  const bytes = options.ftpBytes;
  const plainAddresses = TOOLS.map((tool) => PLAIN_ADDRESS[tool]);
  // vsftpd's control port and its one passive port are free on the plain forwards' addresses too: each
  // tool's plain -L listens on the same two ports there.
  const vsftpdPort = await portFreeOn(['127.0.0.1', ...plainAddresses]);
  let pasvPort = await portFreeOn(['127.0.0.1', ...plainAddresses]);
  while (pasvPort === vsftpdPort) pasvPort = await portFreeOn(['127.0.0.1', ...plainAddresses]);
  const vsftpd = await startVsftpd(THIS_MACHINE, {port: vsftpdPort, pasvPort});
  const stopFtp = onCleanup('vsftpd', () => vsftpd.stop());
  const work = await mkdtemp(path.join(os.tmpdir(), 'tunnels-bench-ftp-'));
  const removeWork = onCleanup('FTP work directory', () => rm(work, {recursive: true, force: true}));
  // Sparse files: reading them costs no disk. Uploads land in vsftpd's pub/ and are removed each time.
  await writeFile(path.join(vsftpd.root, 'big.bin'), '');
  await truncate(path.join(vsftpd.root, 'big.bin'), bytes);
  await writeFile(path.join(vsftpd.root, 'small.bin'), Buffer.alloc(KiB, 0x63));
  for (const file of ['big.bin', 'small.bin']) await chmod(path.join(vsftpd.root, file), 0o644);
  const uploadFile = path.join(work, 'upload.bin');
  await writeFile(uploadFile, '');
  await truncate(uploadFile, bytes);

  let size = bytes;
  const source = await startSource(() => size);
  const sink = await startSink();
  const forwarders = new Map<Tool, Forwarder>();
  const ports = {
    ftp: await freePort(),
    up: new Map<Tool, number>(),
    down: new Map<Tool, number>(),
  };
  const speeds = new Map<string, number[]>();
  const add = (key: string, value: number) => speeds.set(key, [...(speeds.get(key) ?? []), value]);
  // The plain forwards have passive samples only (active mode cannot go through a plain -L).
  const latency: Record<LatencyPath, Record<Mode, Latency[]>> = {
    direct: {passive: [], active: []},
    tunnels: {passive: [], active: []},
    'tunnels-plain': {passive: [], active: []},
    'ssh-plain': {passive: [], active: []},
  };
  let uploads = 0;
  let dataChannels: {closed: Array<[number, number]>} | undefined;
  try {
    for (const tool of TOOLS) {
      ports.up.set(tool, await freePort());
      ports.down.set(tool, await freePort());
      const plain = PLAIN_ADDRESS[tool];
      forwarders.set(
        tool,
        await startForwarder(tool, options, sshd, options.ciphers[0]!, {
          local: [
            `127.0.0.1:${ports.up.get(tool)}:127.0.0.1:${sink.port}`,
            `127.0.0.1:${ports.down.get(tool)}:127.0.0.1:${source.port}`,
            // The baseline: FTP through two plain forwards, control and the one passive data port.
            `${plain}:${vsftpd.port}:127.0.0.1:${vsftpd.port}`,
            `${plain}:${pasvPort}:127.0.0.1:${pasvPort}`,
          ],
          ...(tool === 'tunnels' ? {ftp: [`127.0.0.1:${ports.ftp}:127.0.0.1:${vsftpd.port}`]} : {}),
        }),
      );
      if (tool === 'tunnels') dataChannels = watchConnections(forwarders.get(tool)!, `127.0.0.1:${pasvPort}`);
    }
    const ftpTransfer = async (host: string, port: number, args: string[], direction: Direction) => {
      const base = `ftp://${host}:${port}${vsftpd.directory}`;
      if (direction === 'download') return curl([...args, `${base}/big.bin`]);
      const name = `up-${++uploads}.bin`;
      try {
        return await curl([...args, '-T', uploadFile, `${base}/${name}`]);
      } finally {
        await rm(path.join(vsftpd.root, name), {force: true});
      }
    };
    /** Passive through a tool's two plain -L; checks that the data went through the data port's -L. */
    const plainTransfer = async (tool: Tool, direction: Direction) => {
      const plain = PLAIN_ADDRESS[tool];
      const closedBefore = dataChannels!.closed.length;
      const result = await ftpTransfer(plain, vsftpd.port, [...MODES.passive, SKIP_PASV_IP], direction);
      const connections = curlConnections(result.log);
      const expected = [`${plain}:${vsftpd.port}`, `${plain}:${pasvPort}`];
      if (connections.join(' ') !== expected.join(' '))
        throw new Error(
          `FTP ${tool} plain -L: curl connected to ${connections.join(', ')}, not ${expected.join(', ')}`,
        );
      if (tool === 'tunnels') {
        // tunnels' own count: the data port's forward carried the file (its close event may follow curl's exit).
        const deadline = performance.now() + 5000;
        while (dataChannels!.closed.length === closedBefore && performance.now() < deadline) await sleep(10);
        const carried = dataChannels!.closed
          .slice(closedBefore)
          .map(([bytesIn, bytesOut]) => Math.max(bytesIn, bytesOut));
        if (carried.length !== 1 || carried[0] !== bytes)
          throw new Error(
            `FTP tunnels plain -L: the data port's forward carried ${carried.join(', ') || 'nothing'}`,
          );
      }
      return result;
    };
    const paths: Path[] = ['direct', 'tunnels-ftp', 'tunnels-plain', 'ssh-plain', 'tunnels-raw', 'ssh-raw'];
    await interleaved(options.runs, paths, async (which) => {
      for (const direction of ['download', 'upload'] as Direction[]) {
        if (which === 'direct' || which === 'tunnels-ftp') {
          const port = which === 'direct' ? vsftpd.port : ports.ftp;
          for (const mode of ['passive', 'active'] as Mode[]) {
            const result = await ftpTransfer('127.0.0.1', port, [...MODES[mode]], direction);
            if (result.bytes !== bytes)
              throw new Error(`FTP ${which} ${mode} ${direction}: ${result.bytes} bytes`);
            add(`${which} ${mode} ${direction}`, mbps(bytes, result.seconds * 1000));
          }
        } else if (which === 'tunnels-plain' || which === 'ssh-plain') {
          const tool: Tool = which === 'ssh-plain' ? 'ssh' : 'tunnels';
          const result = await plainTransfer(tool, direction);
          if (result.bytes !== bytes) throw new Error(`FTP ${which} ${direction}: ${result.bytes} bytes`);
          add(`${which} passive ${direction}`, mbps(bytes, result.seconds * 1000));
        } else {
          const tool: Tool = which === 'ssh-raw' ? 'ssh' : 'tunnels';
          size = bytes;
          const ms =
            direction === 'download'
              ? await download(() => connectTo(ports.down.get(tool)!, true), bytes)
              : await upload(() => connectTo(ports.up.get(tool)!, true), bytes);
          add(`${which} ${direction}`, mbps(bytes, ms));
        }
      }
    });
    for (let run = 0; run < options.runs; run++) {
      for (const mode of ['passive', 'active'] as Mode[]) {
        latency.direct[mode].push(...(await latencies(vsftpd.port, mode, options.ftpLatencySamples)));
        latency.tunnels[mode].push(...(await latencies(ports.ftp, mode, options.ftpLatencySamples)));
      }
      for (const tool of TOOLS)
        latency[`${tool}-plain`].passive.push(
          ...(await latencies(vsftpd.port, 'passive', options.ftpLatencySamples, PLAIN_ADDRESS[tool])),
        );
    }
  } finally {
    for (const forwarder of forwarders.values()) await forwarder.stop();
    await source.close();
    await sink.close();
    await stopFtp();
    await removeWork();
  }

  const s = (key: string): Stat => stat(speeds.get(key) ?? []);
  const both = (key: string) => ({download: s(`${key} download`), upload: s(`${key} upload`)});
  const baselines = {
    tunnelsPlain: both('tunnels-plain passive'),
    sshPlain: both('ssh-plain passive'),
    tunnelsRaw: both('tunnels-raw'),
    sshRaw: both('ssh-raw'),
  };
  type Baseline = keyof typeof baselines;
  const row = (label: string, key: string, against: Baseline[]) => {
    const {download, upload} = both(key);
    return [
      label,
      fmtStat(download, 0),
      fmtStat(upload, 0),
      ...against.flatMap((base) => [
        ratio(download, baselines[base].download),
        ratio(upload, baselines[base].upload),
      ]),
    ];
  };
  const sizeText = `${bytes / MiB} MiB`;
  for (const key of speeds.keys()) log(`FTP ${key}: ${fmtStat(s(key), 0)} MB/s`);

  const latencyRows: string[][] = [];
  const latencyData: Record<string, Record<string, Record<LatencyPath, Stat>>> = {};
  for (const mode of ['passive', 'active'] as Mode[]) {
    const command = mode === 'passive' ? 'PASV' : 'PORT';
    const steps: Array<[keyof Latency, string]> = [
      ['reply', `${command} sent → ${mode === 'passive' ? '227' : '200'} reply`],
      [
        'connected',
        `${command} sent → data connection ${mode === 'passive' ? 'connected (ours)' : 'accepted (from the server)'}`,
      ],
      ['opening', `${command} sent → 150 reply to the RETR that follows`],
      ['firstByte', `${command} sent → first byte of that 1 KiB RETR`],
    ];
    latencyData[mode] = {};
    for (const [field, label] of steps) {
      const of = (which: LatencyPath) => stat(latency[which][mode].map((sample) => sample[field]));
      const stats = {
        direct: of('direct'),
        tunnels: of('tunnels'),
        'tunnels-plain': of('tunnels-plain'),
        'ssh-plain': of('ssh-plain'),
      };
      latencyData[mode][field] = stats;
      latencyRows.push([
        label,
        fmtStat(stats.direct, 2),
        fmtStat(stats.tunnels, 2),
        fmtStat(stats['tunnels-plain'], 2),
        fmtStat(stats['ssh-plain'], 2),
        ratio(stats.tunnels, stats.direct),
        ratio(stats.tunnels, stats['tunnels-plain']),
      ]);
    }
  }

  return {
    name: 'ftp',
    title: `FTP (${sizeText} per transfer, vsftpd on 127.0.0.1, ${options.runs} run${options.runs > 1 ? 's' : ''})`,
    tables: [
      {
        title: `FTP transfers of ${sizeText}, MB/s: median (min–max); baseline: the same curl, file and vsftpd through plain -L forwards (passive)`,
        columns: [
          'path',
          'download',
          'upload',
          'download vs tunnels plain -L',
          'upload vs tunnels plain -L',
          'download vs ssh plain -L',
          'upload vs ssh plain -L',
        ],
        rows: [
          ['tunnels -L ftp/, passive (PASV)', 'tunnels-ftp passive'],
          ['tunnels -L ftp/, active (PORT)', 'tunnels-ftp active'],
          ['tunnels plain -L ×2 (control + data port), passive', 'tunnels-plain passive'],
          ['ssh plain -L ×2 (control + data port), passive', 'ssh-plain passive'],
          ['direct: curl to vsftpd, passive (PASV)', 'direct passive'],
          ['direct: curl to vsftpd, active (PORT)', 'direct active'],
        ].map(([label, key]) => row(label!, key!, ['tunnelsPlain', 'sshPlain'])),
      },
      {
        title: `Context: the same ${sizeText} as one raw TCP stream (no FTP, curl or vsftpd), MB/s: median (min–max)`,
        columns: [
          'path',
          'download',
          'upload',
          'download vs tunnels -L raw',
          'upload vs tunnels -L raw',
          'download vs ssh -L raw',
          'upload vs ssh -L raw',
        ],
        rows: [
          ['tunnels plain -L, raw TCP stream', 'tunnels-raw'],
          ['ssh plain -L, raw TCP stream', 'ssh-raw'],
          ['tunnels -L ftp/, passive (PASV)', 'tunnels-ftp passive'],
          ['tunnels -L ftp/, active (PORT)', 'tunnels-ftp active'],
        ].map(([label, key]) => row(label!, key!, ['tunnelsRaw', 'sshRaw'])),
      },
      {
        title: `FTP data-channel set-up, ms: median (min–max) over ${options.runs * options.ftpLatencySamples} samples`,
        columns: [
          'step',
          'direct to vsftpd',
          'through tunnels -L ftp/',
          'tunnels plain -L',
          'ssh plain -L',
          'ftp/ ÷ direct',
          'ftp/ ÷ tunnels plain -L',
        ],
        rows: latencyRows,
      },
    ],
    notes: [
      `FTP transfers: curl (PASV with --disable-epsv; PORT with -P - --disable-eprt) downloading a sparse file from vsftpd, or uploading one; MB/s from curl's size and time_total (login and data connection set-up included). vsftpd runs on this machine's 127.0.0.1 (port ${vsftpd.port}), the same loopback as sshd, with one fixed passive data port (${pasvPort}). Same cipher (aes128-gcm) for every forward.`,
      `Baseline ("plain -L"): the same curl, file and vsftpd through two plain -L forwards of each tool, one for the control port and one for vsftpd's passive data port (tunnels on ${PLAIN_ADDRESS.tunnels}, ssh on ${PLAIN_ADDRESS.ssh}, so as not to collide with vsftpd's own 127.0.0.1 listener); curl is told --ftp-skip-pasv-ip, so it connects to the PASV reply's port on the control connection's address, i.e. the second forward. Each transfer is checked: curl's --verbose log must show both connections to that address, and for tunnels its --json connection-closed event for the data port's forward must count the file's bytes. Active mode cannot go through a plain -L (the server connects back to the client), so both ftp/ modes are compared with the plain-forward passive transfer.`,
      "With ftp/, the data connection is its own SSH channel (passive: a one-shot local listener; active: a remote forward on the SSH server), as is a plain -L's data connection: the two carry the same kind of stream; ftp/ adds the rewriting of the control channel and the per-transfer set-up (passive: a listener; active: a tcpip-forward round trip).",
      "Context table: the same number of bytes as one raw TCP stream through a plain -L of each tool (to the bench's counting sink / reused-buffer source, as in the throughput section), without curl or vsftpd.",
      "Latency: a raw FTP client logged in once per run sends PASV (or PORT for its own listener) and then RETR of a 1 KiB file; times are from sending PASV/PORT. Through the plain forwards (passive only) it connects to the PASV reply's port on the control connection's address, as curl does above.",
    ],
    data: {
      bytes,
      speeds: Object.fromEntries([...speeds.keys()].map((key) => [key, s(key)])),
      latency: latencyData,
    },
  };
}
