// Issue #17, item 2: a passive data listener is on 127.0.0.1, where every local user's connections come
// from. Another user's process that connects first must be refused by who owns it (its uid, from
// /proc/net/tcp), and the listener must keep waiting for the FTP client, who gets the file intact.
import {type ChildProcess, execFile, spawn} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {writeFile} from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startVsftpd, type TestFtpServer} from '../helpers/ftp-servers.js';
import {thisMachine} from '../helpers/netns.js';
import {createPasswordUser} from '../helpers/password-user.js';
import {freePort, startSshd, type TestSshd} from '../helpers/sshd.js';
import {sha256} from '../helpers/targets.js';
import {isEvent, startTunnels, type TunnelsProcess} from '../helpers/tunnels-process.js';

const run = promisify(execFile);

/**
 * The other user's process: for each port read on stdin it connects to 127.0.0.1:port at once, reads all
 * it is given, and prints {"port", "connected", "bytes", "error"} as one line when the connection ends.
 */
const ATTACKER = `
import json, socket, sys, threading
def take(port):
    result = {"port": port, "connected": False, "bytes": 0, "error": None}
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=20)
        result["connected"] = True
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            result["bytes"] += len(chunk)
    except Exception as error:
        result["error"] = type(error).__name__
    print(json.dumps(result), flush=True)
for line in sys.stdin:
    threading.Thread(target=take, args=(int(line),)).start()
`;

import {ftpControl, readAll} from '../helpers/ftp-control.js';

interface Attempt {
  port: number;
  connected: boolean;
  bytes: number;
  error: string | null;
}

/** The attacker, run as `uid`: `send(port)` has it connect; `results` fills as its connections end. */
function startAttacker(uid: number, gid: number) {
  const child: ChildProcess = spawn('/usr/bin/python3', ['-c', ATTACKER], {
    uid,
    gid,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const results: Attempt[] = [];
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    for (const line of lines) if (line) results.push(JSON.parse(line) as Attempt);
  });
  return {
    results,
    send: (port: number) => child.stdin!.write(`${port}\n`),
    async until(count: number): Promise<void> {
      const deadline = Date.now() + 20_000;
      while (results.length < count) {
        if (Date.now() > deadline) throw new Error(`the attacker reported ${results.length} of ${count}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop() {
      child.stdin!.end();
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        process.kill(child.pid!, 'SIGTERM');
        await exited;
      }
    },
  };
}

describe('a passive data connection from another local user is refused by its owner (uid)', () => {
  let sshd: TestSshd;
  let ftp: TestFtpServer;
  let tunnels: TunnelsProcess;
  let other: {name: string; remove(): Promise<void>};
  let otherUid: number;
  let otherGid: number;
  let forwardPort: number;
  const file = randomBytes(2 * 1024 * 1024);

  beforeAll(async () => {
    other = await createPasswordUser();
    otherUid = Number((await run('id', ['-u', other.name])).stdout);
    otherGid = Number((await run('id', ['-g', other.name])).stdout);
    sshd = await startSshd();
    ftp = await startVsftpd(thisMachine, {port: await freePort()});
    await writeFile(path.join(ftp.root, 'data.bin'), file, {mode: 0o644});
    tunnels = startTunnels([
      '-N',
      '--json',
      ...sshd.sshArgs(),
      '-o',
      'BatchMode=yes',
      '-L',
      `ftp/0:127.0.0.1:${ftp.port}`,
      '127.0.0.1',
    ]);
    forwardPort = (await tunnels.waitFor(isEvent('forward-listening'))).port;
  }, 60_000);
  afterAll(async () => {
    const status = await tunnels?.stop();
    await ftp?.stop();
    await sshd?.stop();
    await other?.remove();
    expect(status).toBe(0);
  });

  const refusals = () =>
    tunnels.events.filter(
      (event) => event.event === 'warning' && /refused a data connection/.test(event.message),
    );

  it.each([
    ['PASV', /^227 .*\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/],
    ['EPSV', /^229 .*\(\|\|\|(\d+)\|\)/],
  ] as const)(
    '%s: the other user connects first and is refused; the client then gets the file',
    async (verb, form) => {
      const attacker = startAttacker(otherUid, otherGid);
      const control = await ftpControl(forwardPort);
      try {
        const before = refusals().length;
        const match = form.exec(await control.command(verb));
        expect(match).not.toBeNull();
        const port = verb === 'PASV' ? Number(match![5]) * 256 + Number(match![6]) : Number(match![1]);
        if (verb === 'PASV') expect(match!.slice(1, 5).join('.')).toBe('127.0.0.1');

        // The other user's process takes the listener first, as a process watching for listeners would.
        attacker.send(port);
        await attacker.until(1);
        expect(attacker.results[0]).toMatchObject({port, connected: true, bytes: 0});
        await tunnels.waitFor(isEvent('warning', (event) => /refused a data connection/.test(event.message)));
        const [refusal] = refusals().slice(before);
        expect(refusal).toMatchObject({
          message: expect.stringMatching(
            new RegExp(
              `: refused a data connection to 127\\.0\\.0\\.1:${port} from 127\\.0\\.0\\.1:\\d+: it belongs to another local user \\(uid ${otherUid}\\), not the FTP client's \\(uid ${process.getuid!()}\\)$`,
            ),
          ),
        });

        // The listener is still there for the client, who gets the whole file.
        const data = net.connect({host: '127.0.0.1', port});
        const received = readAll(data);
        expect(await control.command('RETR /pub/data.bin')).toMatch(/^150/);
        expect(sha256(await received)).toBe(sha256(file));
        expect(await control.reply()).toMatch(/^226/);
        expect(refusals().length).toBe(before + 1);
      } finally {
        control.socket.destroy();
        await attacker.stop();
      }
    },
  );

  it('curl downloads 20 times while the other user connects to every new data listener as it opens', async () => {
    const attacker = startAttacker(otherUid, otherGid);
    const byUidBefore = refusals().filter(
      (event) => event.event === 'warning' && /another local user/.test(event.message),
    ).length;
    // The attacker is told of each listener as soon as tunnels makes it: before the client has its reply.
    let sent = 0;
    // Only this test's listeners: an earlier one's port may belong to another program by now.
    const seen = new Set(
      tunnels.events.flatMap((event) => (event.event === 'ftp-data-opened' ? [event.dataId] : [])),
    );
    const relay = setInterval(() => {
      for (const event of tunnels.events) {
        if (event.event !== 'ftp-data-opened' || seen.has(event.dataId)) continue;
        seen.add(event.dataId);
        attacker.send(Number(event.local.split(':').pop()));
        sent++;
      }
    }, 1);
    try {
      for (let round = 0; round < 20; round++) {
        const flags = round % 2 ? ['--ftp-pasv'] : ['--ftp-pasv', '--disable-epsv'];
        const {stdout} = await run(
          'curl',
          ['-s', '--max-time', '30', ...flags, `ftp://127.0.0.1:${forwardPort}/pub/data.bin`],
          {encoding: 'buffer', maxBuffer: 8 * 1024 * 1024},
        );
        expect(sha256(stdout)).toBe(sha256(file));
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
      clearInterval(relay);
      await attacker.until(sent);
      const connected = attacker.results.filter((attempt) => attempt.connected).length;
      const byUid = refusals().filter(
        (event) => event.event === 'warning' && /another local user/.test(event.message),
      ).length;
      console.log(
        `other user: ${sent} data listeners tried, ${connected} connected, ${byUid - byUidBefore} refused by uid (it came first), 0 bytes received`,
      );
      expect(attacker.results.reduce((total, attempt) => total + attempt.bytes, 0)).toBe(0);
    } finally {
      clearInterval(relay);
      await attacker.stop();
    }
  }, 120_000);
});
