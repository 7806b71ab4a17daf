import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {fingerprintSha256} from '../../source/core/session/known-hosts.js';
import {useSshdAndEcho} from '../helpers/fixtures.js';
import {bordersIntact} from '../helpers/ink-frames.js';
import {homeWithHost} from '../helpers/sshd.js';
import {serve, type TestServer} from '../helpers/targets.js';
import {openTerminal, settledScreen} from '../helpers/tmux.js';
import {TUNNELS_BIN} from '../helpers/tunnels-process.js';

/** The lines inside a dialog's double border, without it and the padding. */
const dialogLines = (screen: string) =>
  screen
    .split('\n')
    .filter((line) => /^║.*║$/.test(line))
    .map((line) => line.slice(2, -2).trimEnd())
    .filter((line) => line !== '');

describe('dialogs and the forwards pane on the smallest terminals (tmux)', () => {
  const fixture = useSshdAndEcho();
  /** A HOME whose Host box has an empty known_hosts: tunnels asks about the host key. */
  let unknownHome: string;
  let home: string;
  let taken: TestServer;
  beforeAll(async () => {
    unknownHome = await mkdtemp(path.join(os.tmpdir(), 'tunnels-short-'));
    await mkdir(path.join(unknownHome, '.ssh'), {mode: 0o700});
    const {sshd} = fixture;
    await writeFile(
      path.join(unknownHome, '.ssh', 'config'),
      `Host box\n  HostName ${sshd.host}\n  Port ${sshd.port}\n  User ${sshd.user}\n  IdentityFile ${sshd.clientKey}\n  UserKnownHostsFile ${path.join(unknownHome, '.ssh', 'known_hosts')}\n`,
    );
    home = await homeWithHost(fixture.sshd);
    // A port taken on the server's side (the same machine): an -R on it is refused.
    taken = await serve((socket) => socket.destroy());
  });
  afterAll(async () => {
    await taken?.close();
    for (const directory of [unknownHome, home])
      if (directory) await rm(directory, {recursive: true, force: true});
  });

  for (const [width, height] of [
    [60, 18],
    [80, 18],
  ] as const) {
    it(`at ${width}x${height}: the host-key question shows the host, the whole fingerprint and the > line`, async () => {
      // Answered yes at the size before: known no more.
      await writeFile(path.join(unknownHome, '.ssh', 'known_hosts'), '');
      const fingerprint = fingerprintSha256(Buffer.from(fixture.sshd.hostKeys[0]!.split(' ')[1]!, 'base64'));
      const terminal = await openTerminal([process.execPath, TUNNELS_BIN, '--no-service', 'box'], {
        width,
        height,
        env: {HOME: unknownHome, SSH_AUTH_SOCK: ''},
      });
      try {
        const screen = await settledScreen(terminal, /^║ > /m);
        const lines = dialogLines(screen);
        expect(
          lines.some((line) => line.includes(`host '[${fixture.sshd.host}]:${fixture.sshd.port}'`)),
        ).toBe(true);
        // The fingerprint on one line, whole; no line of the question drawn over another.
        expect(lines.some((line) => line.includes(fingerprint))).toBe(true);
        expect(lines.at(-1)).toBe('>');
        expect(bordersIntact(screen, width)).toBe(true);
        expect(screen).toMatch(/╚═+╝\n.*\nEnter answer · Esc cancel/);
        await terminal.type('yes\r');
        await terminal.waitForScreen(/● connected/);
        await terminal.type('q');
        expect(await terminal.waitForScreen(/\[exit status \d+\]/)).toContain('[exit status 0]');
      } finally {
        await terminal.close();
      }
    });

    it(`at ${width}x${height}: the add dialog shows its > line, "D needs a port" and an error wrapped whole`, async () => {
      const terminal = await openTerminal(
        [
          process.execPath,
          TUNNELS_BIN,
          '--no-service',
          '-L',
          `127.0.0.1:0:127.0.0.1:${fixture.echo.port}`,
          'box',
        ],
        {width, height, env: {HOME: home, SSH_AUTH_SOCK: ''}},
      );
      try {
        await terminal.waitForScreen(/listening/);
        await terminal.type('a');
        await terminal.waitForScreen(/Add a forward/);
        await terminal.type('D');
        const alone = await settledScreen(terminal, /D needs a port/);
        expect(dialogLines(alone)).toContain('> D');
        expect(bordersIntact(alone, width)).toBe(true);
        await terminal.type(' 99999');
        const screen = await settledScreen(terminal, /^║ > D 99999 *║\n[\s\S]*free port\)/m);
        const lines = dialogLines(screen);
        const field = lines.indexOf('> D 99999');
        expect(field).toBeGreaterThanOrEqual(0);
        // The error's lines follow the field, whole, each inside the border, none drawn over another.
        expect(lines.slice(field + 1).join(' ')).toBe(
          '-D 99999: listening port "99999" is out of range (expected 0-65535; 0 picks a free port)',
        );
        expect(bordersIntact(screen, width)).toBe(true);
        expect(screen).toMatch(/╚═+╝\n.*\nEnter add · Esc cancel/);
      } finally {
        await terminal.close();
      }
    });
  }

  it('at 60x20: a failed forward selected last shows its whole reason and "↑ 6 more"', async () => {
    const forwards = Array.from({length: 6}, (_, index) => [
      '-L',
      `127.0.0.${index + 1}:0:127.0.0.1:${fixture.echo.port}`,
    ]).flat();
    const terminal = await openTerminal(
      [
        process.execPath,
        TUNNELS_BIN,
        '--no-service',
        ...forwards,
        '-R',
        `127.0.0.1:${taken.port}:127.0.0.1:${fixture.echo.port}`,
        'box',
      ],
      {width: 60, height: 20, env: {HOME: home, SSH_AUTH_SOCK: ''}},
    );
    try {
      await terminal.waitForScreen(/↓ \d+ more/);
      await terminal.keys('Tab');
      for (let index = 0; index < 6; index++) await terminal.type('j');
      const screen = await settledScreen(terminal, /↳ the server refused[\s\S]*forbids it\)/);
      expect(screen).toMatch(/↑ 6 more/);
      const reason = screen
        .split('\n')
        .filter((line) => /^│ {5}[↳ ] \S/.test(line))
        .map((line) => line.slice(8, -1).trim())
        .join(' ');
      expect(reason).toMatch(/^the server refused to listen on 127\.0\.0\.1:\d+ \(.*forbids it\)$/);
      expect(bordersIntact(screen, 60)).toBe(true);
    } finally {
      await terminal.close();
    }
  });
});
