import {mkdtemp, rm} from 'node:fs/promises';
import net, {type AddressInfo} from 'node:net';
import os from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openTerminal, type Terminal} from '../helpers/tmux.js';
import {startTunnels, TUNNELS_BIN} from '../helpers/tunnels-process.js';

const ESC = '\u001b';
const BEL = '\u0007';

/** What a hostile server says: a window title, a clipboard write (OSC 52), screen clears, a C1 CSI, bidi. */
const NAME = `Login${ESC}]0;pwned${BEL}`;
const INSTRUCTIONS = `Read this${ESC}]52;c;cHduZWQ=${BEL}\u009b2J\u202e\nand this`;
const PROMPT = `Code${ESC}[2J: `;
const OPEN_FAILURE = `no way${ESC}]0;pwned${BEL}${ESC}[2J\u009b31m`;
/** A config value: the user name given with -l. */
const USER = `eve${ESC}]0;pwned${BEL}`;

/**
 * An SSH server of the test's own (ssh2) that says hostile things where a server may say anything:
 * keyboard-interactive's name, instructions and prompt, and the description of a channel-open failure.
 * It takes any answer, and refuses every -L connection.
 */
async function startHostileServer(): Promise<{port: number; close(): Promise<void>}> {
  const hostKey = ssh2.utils.generateKeyPairSync('ed25519').private;
  const connections = new Set<ssh2.Connection>();
  const server = new ssh2.Server({hostKeys: [hostKey]}, (client) => {
    connections.add(client);
    client.on('close', () => connections.delete(client));
    client.on('error', () => {});
    // ssh2's server refuses a channel with an empty description: this one is the server's words.
    const protocol = (client as unknown as {_protocol: {channelOpenFail(...args: unknown[]): void}})
      ._protocol;
    const channelOpenFail = protocol.channelOpenFail.bind(protocol);
    protocol.channelOpenFail = (remote, reason) => channelOpenFail(remote, reason, OPEN_FAILURE);
    client.on('authentication', (context) => {
      if (context.method !== 'keyboard-interactive') {
        context.reject(['keyboard-interactive']);
        return;
      }
      context.prompt([{prompt: PROMPT, echo: true}], NAME, INSTRUCTIONS, () => context.accept());
    });
    client.on('tcpip', (_accept, reject) => reject());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      for (const connection of connections) connection.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Connects to a forward and waits for it to be closed (the channel was refused). */
async function refusedThrough(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', reject);
    socket.on('close', () => resolve());
  });
}

describe('text from a hostile server or config reaches the terminal harmless (the built binary)', () => {
  let server: Awaited<ReturnType<typeof startHostileServer>>;
  let home: string;
  beforeAll(async () => {
    server = await startHostileServer();
    home = await mkdtemp(path.join(os.tmpdir(), 'tunnels-injection-'));
  });
  afterAll(async () => {
    await server?.close();
    if (home) await rm(home, {recursive: true, force: true});
  });

  const args = () => [
    '-p',
    String(server.port),
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'GlobalKnownHostsFile=none',
    '-l',
    USER,
    '-L',
    '0:127.0.0.1:9',
    '127.0.0.1',
  ];
  const env = () => ({HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), SSH_AUTH_SOCK: ''});

  /** No screen clear happened, no title was set: the first line is still there, the title is the shell's. */
  async function expectUntouched(terminal: Terminal, titleBefore: string): Promise<void> {
    expect(await terminal.title()).toBe(titleBefore);
    expect(await terminal.title()).not.toContain('pwned');
  }

  it('headless, on a terminal: the prompt, the instructions and a refused connection, escaped', async () => {
    const terminal = await openTerminal([process.execPath, TUNNELS_BIN, '-N', ...args()], {
      width: 200,
      env: env(),
    });
    try {
      const titleBefore = await terminal.title();
      await terminal.waitForScreen(/Code\\033\[2J:/);
      const prompt = await terminal.screen();
      expect(prompt).toContain(String.raw`Login\033]0;pwned\007`);
      // The instructions keep their line break; the rest is escaped.
      expect(prompt).toContain(String.raw`Read this\033]52;c;cHduZWQ=\007\u009b2J\u202e`);
      expect(prompt).toMatch(/\\u202e\nand this\n/);
      await terminal.type('42');
      await terminal.keys('Enter');
      const listening = await terminal.waitForScreen(/listening on 127\.0\.0\.1:(\d+)/);
      expect(listening).toContain(String.raw`connected to eve\033]0;pwned\007@127.0.0.1`);
      await refusedThrough(Number(/listening on 127\.0\.0\.1:(\d+)/.exec(listening)![1]));
      const screen = await terminal.waitForScreen(/failed: /);
      expect(screen).toContain(
        String.raw`failed: cannot reach 127.0.0.1:9 from the server: no way\033]0;pwned\007\033[2J\u009b31m`,
      );
      // Nothing cleared the screen: the prompt is still above.
      expect(screen).toContain(String.raw`Login\033]0;pwned\007`);
      await expectUntouched(terminal, titleBefore);
      await terminal.keys('C-c');
      expect(await terminal.waitForScreen(/\[exit status \d+\]/)).toContain('[exit status 0]');
    } finally {
      await terminal.close();
    }
  });

  it('headless with --json, to pipes: stderr escaped, stdout the true text JSON-escaped, no raw control byte', async () => {
    // No terminal to ask on, so the server's question cannot be answered: the name from -o HostName
    // fails instead, before any connection, and is printed.
    const hostName = `evil${ESC}]0;pwned${BEL}\u009b2J\u202e`;
    const tunnels = startTunnels(['-N', '--json', '-o', `HostName=${hostName}`, ...args()], {
      env: {...process.env, ...env()},
    });
    expect(await tunnels.exited).toBe(255);
    // Host names are lower-cased before use, as ssh does ("2J" becomes "2j").
    const shown = String.raw`evil\033]0;pwned\007\u009b2j\u202e`;
    expect(tunnels.stderr()).toContain(`tunnels: cannot connect to ${shown}:${server.port}`);
    expect(tunnels.stderr().replaceAll('\n', '')).not.toMatch(/[\p{Cc}\u202e]/u);
    expect(tunnels.events).toContainEqual(
      expect.objectContaining({
        event: 'session-failed',
        reason: expect.stringContaining(hostName.toLowerCase()),
      }),
    );
  });

  it('in the full-screen UI: the prompt dialog, the session row and the log, escaped', async () => {
    const terminal = await openTerminal([process.execPath, TUNNELS_BIN, ...args()], {
      // Wide enough for the whole refused connection's line in the log.
      width: 200,
      height: 30,
      env: env(),
    });
    try {
      const titleBefore = await terminal.title();
      const dialog = await terminal.waitForScreen(/Code\\033\[2J:/);
      // The address, in its column, whole at 200 columns, its escapes shown as text.
      expect(dialog).toMatch(/eve\\033\]0;pwned\\007@127\.0\.0\.1:\d+ /);
      await terminal.type('42');
      await terminal.keys('Enter');
      const listening = await terminal.waitForScreen(/L\s+(\d+):127\.0\.0\.1:9\s+listening/);
      // keyboard-interactive's name and instructions, told on the message line, on one line.
      expect(dialog).toContain(
        String.raw`Login\033]0;pwned\007\012Read this\033]52;c;cHduZWQ=\007\u009b2J\u202e\012and this`,
      );
      await refusedThrough(Number(/L\s+(\d+):127\.0\.0\.1:9\s+listening/.exec(listening)![1]));
      const screen = await terminal.waitForScreen(/failed: cannot reach/);
      expect(screen).toContain(String.raw`from the server: no way\033]0;pwned\007\033[2J\u009b31m`);
      await expectUntouched(terminal, titleBefore);
      // Every pane's row keeps its right border in the last column.
      for (const row of screen.split('\n').filter((line) => /^[│╭╰]/.test(line)))
        expect(row).toMatch(/[│╮╯]$/);
      await terminal.keys('C-c');
      expect(await terminal.waitForScreen(/\[exit status \d+\]/)).toContain('[exit status 0]');
    } finally {
      await terminal.close();
    }
  });
});
