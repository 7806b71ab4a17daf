// OpenSSH's sshd ends the whole connection when a client holds more than 16,384 channels. 16,500 clients
// held on one -L: 16,000 are carried, the rest refused with a sentence, and the session stays up. All of
// it in a test host of its own (sshd and its target in a network namespace, the clients from 127.0.0.2),
// so its ~32,000 sockets take no port of this machine's 127.0.0.1 from the tests running beside it.
import {type ChildProcess, spawn} from 'node:child_process';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {CHANNEL_CAP} from '../../source/core/session/channels.js';
import {descriptors} from '../helpers/descriptors.js';
import {createTestHost, type TestHost} from '../helpers/netns.js';
import {startSshd, type TestSshd} from '../helpers/sshd.js';
import {exchange} from '../helpers/targets.js';
import {isEvent, startTunnels, type TunnelsProcess} from '../helpers/tunnels-process.js';

/** An echo server for any number of connections (one thread, selectors), on 127.0.0.1:7000. */
const ECHO = `
import selectors, socket, sys
selector = selectors.DefaultSelector()
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(('127.0.0.1', 7000))
server.listen(4096)
server.setblocking(False)
selector.register(server, selectors.EVENT_READ)
print('ready', flush=True)
while True:
    for key, _ in selector.select():
        if key.fileobj is server:
            client, _ = server.accept()
            client.setblocking(False)
            selector.register(client, selectors.EVENT_READ)
            continue
        try:
            data = key.fileobj.recv(65536)
        except OSError:
            data = b''
        if data:
            key.fileobj.sendall(data)
        else:
            selector.unregister(key.fileobj)
            key.fileobj.close()
`;

function started(child: ChildProcess, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`${what} exited (${code})`)));
  });
}

async function stopped(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(child.pid!, 'SIGKILL');
  await exited;
}

describe('the server channel limit', () => {
  let host: TestHost;
  let sshd: TestSshd;
  let echo: ChildProcess;
  let tunnels: TunnelsProcess;
  let port: number;

  beforeAll(async () => {
    host = await createTestHost();
    sshd = await startSshd({host});
    const [program, args] = host.command('/usr/bin/python3', ['-c', ECHO]);
    echo = spawn(program, args, {stdio: ['ignore', 'pipe', 'inherit']});
    await started(echo, 'the echo server');
    tunnels = startTunnels([
      '-N',
      '--json',
      ...sshd.sshArgs(),
      '-o',
      'BatchMode=yes',
      '-L',
      '0:127.0.0.1:7000',
      sshd.host,
    ]);
    port = (await tunnels.waitFor(isEvent('forward-listening'))).port;
  }, 60_000);

  afterAll(async () => {
    const status = await tunnels?.stop();
    await stopped(echo);
    await sshd?.stop();
    await host?.remove();
    if (tunnels) expect(status).toBe(0);
  });

  it(`past ${CHANNEL_CAP} channels new clients are refused with a sentence, and the server keeps the session`, async () => {
    const first = await exchange(port, 64 * 1024);
    expect(first.receivedHash).toBe(first.sentHash);
    const baseline = await descriptors(tunnels.pid);
    const clients = 16_500;
    const holder = spawn(
      '/usr/bin/python3',
      [
        '-c',
        [
          'import socket, sys',
          'def connect():',
          '    client = socket.socket()',
          "    client.bind(('127.0.0.2', 0))",
          `    client.connect(('127.0.0.1', ${port}))`,
          '    return client',
          `held = [connect() for _ in range(${clients})]`,
          'print(len(held), flush=True)',
          'sys.stdin.read()',
        ].join('\n'),
      ],
      {stdio: ['pipe', 'pipe', 'inherit']},
    );
    const failures = () => tunnels.events.filter((event) => event.event === 'connection-failed');
    try {
      expect(Number(await started(holder, 'the client holder'))).toBe(clients);
      const deadline = Date.now() + 60_000;
      while (
        failures().length < clients - CHANNEL_CAP &&
        Date.now() < deadline &&
        tunnels.child.exitCode === null
      )
        await new Promise((resolve) => setTimeout(resolve, 200));
      const refused = failures();
      expect(refused.length).toBeGreaterThanOrEqual(clients - CHANNEL_CAP);
      expect(refused.at(-1)).toMatchObject({
        reason: expect.stringMatching(/SSH channels are open on this connection, near the server's limit/),
      });
      // sshd did not drop the connection (it would have at 16,384): no reconnect, no end.
      expect(
        tunnels.events.filter(
          (event) => event.event === 'session-closed' || event.event === 'session-reconnecting',
        ),
      ).toEqual([]);
    } finally {
      holder.stdin!.end();
      await new Promise((resolve) =>
        holder.exitCode !== null ? resolve(null) : holder.once('exit', resolve),
      );
    }
    // Once they are gone, their channels are too, and a new client is carried again.
    const deadline = Date.now() + 30_000;
    while ((await descriptors(tunnels.pid)) > baseline && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await descriptors(tunnels.pid)).toBeLessThanOrEqual(baseline);
    const after = await exchange(port, 64 * 1024);
    expect(after.receivedHash).toBe(after.sentHash);
  }, 180_000);
});
