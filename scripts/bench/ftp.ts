// Section 4: FTP forwarding. Downloads and uploads through `-L ftp/...` in passive and active mode
// (curl against vsftpd), against the same bytes as a raw TCP stream through a plain -L (tunnels and ssh)
// and against curl straight to vsftpd; and the latency of PASV and PORT from a small raw FTP client.
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
  isListening,
  KiB,
  MiB,
  mbps,
  onCleanup,
  ratio,
  runTracked,
  type SectionContext,
  type SectionResult,
  type Stat,
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
 * vsftpd listens on 127.0.0.1:21 of the loopback the sshd and the bench use (loopback only).
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

/** curl's own account of a transfer: bytes and total time (login, data connection and all). */
async function curl(args: string[]): Promise<{bytes: number; seconds: number}> {
  const {stdout} = await runTracked(
    'curl',
    [
      '--silent',
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
  return {bytes: Math.max(down!, up!), seconds: total!};
}

// ---------------------------------------------------------------------------------------------------
// A small raw FTP client for the latency of PASV and PORT.

class Control {
  private buffer = '';
  private waiting: Array<() => void> = [];
  private closed = false;
  constructor(private readonly socket: net.Socket) {
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

  static async open(port: number): Promise<Control> {
    const control = new Control(await connectTo(port));
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
  const data = await connectTo(Number(numbers[5]) * 256 + Number(numbers[6]));
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

async function latencies(port: number, mode: Mode, samples: number): Promise<Latency[]> {
  const control = await Control.open(port);
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

type Path = 'direct' | 'tunnels-ftp' | 'tunnels-raw' | 'ssh-raw';

export async function ftp(context: SectionContext): Promise<SectionResult> {
  const {options, sshd, log} = context;
  const bytes = options.ftpBytes;
  if (await isListening(21))
    throw new Error('port 21 of this machine is taken: the FTP section needs it for vsftpd');
  const vsftpd = await startVsftpd(THIS_MACHINE);
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
  const latency: Record<'direct' | 'tunnels', Record<Mode, Latency[]>> = {
    direct: {passive: [], active: []},
    tunnels: {passive: [], active: []},
  };
  let uploads = 0;
  try {
    for (const tool of TOOLS) {
      ports.up.set(tool, await freePort());
      ports.down.set(tool, await freePort());
      forwarders.set(
        tool,
        await startForwarder(tool, options, sshd, options.ciphers[0]!, {
          local: [
            `127.0.0.1:${ports.up.get(tool)}:127.0.0.1:${sink.port}`,
            `127.0.0.1:${ports.down.get(tool)}:127.0.0.1:${source.port}`,
          ],
          ...(tool === 'tunnels' ? {ftp: [`127.0.0.1:${ports.ftp}:127.0.0.1:${vsftpd.port}`]} : {}),
        }),
      );
    }
    const ftpTransfer = async (port: number, mode: Mode, direction: Direction) => {
      const base = `ftp://127.0.0.1:${port}${vsftpd.directory}`;
      if (direction === 'download') return curl([...MODES[mode], `${base}/big.bin`]);
      const name = `up-${++uploads}.bin`;
      try {
        return await curl([...MODES[mode], '-T', uploadFile, `${base}/${name}`]);
      } finally {
        await rm(path.join(vsftpd.root, name), {force: true});
      }
    };
    const paths: Path[] = ['direct', 'tunnels-ftp', 'tunnels-raw', 'ssh-raw'];
    await interleaved(options.runs, paths, async (which) => {
      for (const direction of ['download', 'upload'] as Direction[]) {
        if (which === 'direct' || which === 'tunnels-ftp') {
          const port = which === 'direct' ? vsftpd.port : ports.ftp;
          for (const mode of ['passive', 'active'] as Mode[]) {
            const result = await ftpTransfer(port, mode, direction);
            if (result.bytes !== bytes)
              throw new Error(`FTP ${which} ${mode} ${direction}: ${result.bytes} bytes`);
            add(`${which} ${mode} ${direction}`, mbps(bytes, result.seconds * 1000));
          }
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
    }
  } finally {
    for (const forwarder of forwarders.values()) await forwarder.stop();
    await source.close();
    await sink.close();
    await stopFtp();
    await removeWork();
  }

  const s = (key: string): Stat => stat(speeds.get(key) ?? []);
  const sshRaw = {download: s('ssh-raw download'), upload: s('ssh-raw upload')};
  const tunnelsRaw = {download: s('tunnels-raw download'), upload: s('tunnels-raw upload')};
  const ftpRow = (label: string, key: string) => {
    const down = s(`${key} download`);
    const up = s(`${key} upload`);
    return [
      label,
      fmtStat(down, 0),
      fmtStat(up, 0),
      ratio(down, sshRaw.download),
      ratio(up, sshRaw.upload),
      ratio(down, tunnelsRaw.download),
      ratio(up, tunnelsRaw.upload),
    ];
  };
  const sizeText = `${bytes / MiB} MiB`;
  for (const key of speeds.keys()) log(`FTP ${key}: ${fmtStat(s(key), 0)} MB/s`);

  const latencyRows: string[][] = [];
  const latencyData: Record<string, Record<string, {direct: Stat; tunnels: Stat}>> = {};
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
      const direct = stat(latency.direct[mode].map((sample) => sample[field]));
      const tunnels = stat(latency.tunnels[mode].map((sample) => sample[field]));
      latencyData[mode][field] = {direct, tunnels};
      latencyRows.push([label, fmtStat(direct, 2), fmtStat(tunnels, 2), ratio(tunnels, direct)]);
    }
  }

  return {
    name: 'ftp',
    title: `FTP (${sizeText} per transfer, vsftpd on 127.0.0.1:21, ${options.runs} run${options.runs > 1 ? 's' : ''})`,
    tables: [
      {
        title: `FTP transfers of ${sizeText}, MB/s: median (min–max)`,
        columns: [
          'path',
          'download',
          'upload',
          'download vs ssh -L raw',
          'upload vs ssh -L raw',
          'download vs tunnels -L raw',
          'upload vs tunnels -L raw',
        ],
        rows: [
          ftpRow('tunnels -L ftp/, passive (PASV)', 'tunnels-ftp passive'),
          ftpRow('tunnels -L ftp/, active (PORT)', 'tunnels-ftp active'),
          ftpRow('tunnels plain -L, raw TCP stream', 'tunnels-raw'),
          ftpRow('ssh plain -L, raw TCP stream', 'ssh-raw'),
          ftpRow('direct: curl to vsftpd, passive (PASV)', 'direct passive'),
          ftpRow('direct: curl to vsftpd, active (PORT)', 'direct active'),
        ],
      },
      {
        title: `FTP data-channel set-up, ms: median (min–max) over ${options.runs * options.ftpLatencySamples} samples`,
        columns: ['step', 'direct to vsftpd', 'through tunnels -L ftp/', 'tunnels/direct'],
        rows: latencyRows,
      },
    ],
    notes: [
      "FTP transfers: curl (PASV with --disable-epsv; PORT with -P - --disable-eprt) downloading a sparse file from vsftpd, or uploading one; MB/s from curl's size and time_total (login and data connection set-up included). vsftpd runs on this machine's 127.0.0.1:21, the same loopback as sshd.",
      'Baseline ("raw"): ssh has no FTP forwarding, so the comparison is the same number of bytes as one raw TCP stream through a plain -L of each tool (to the bench\'s counting sink / reused-buffer source, as in the throughput section), same cipher (aes128-gcm). With ftp/, the data connection is its own SSH channel (passive: a one-shot local listener; active: a remote forward on the SSH server), so the two carry the same kind of stream.',
      'Latency: a raw FTP client logged in once per run sends PASV (or PORT for its own listener) and then RETR of a 1 KiB file; times are from sending PASV/PORT.',
    ],
    data: {
      bytes,
      speeds: Object.fromEntries([...speeds.keys()].map((key) => [key, s(key)])),
      latency: latencyData,
    },
  };
}
