import {writeFile} from 'node:fs/promises';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createPasswordUser} from '../helpers/password-user.js';
import {startSshd, type TestSshd} from '../helpers/sshd.js';
import {exchange, startEchoServer, type TestServer} from '../helpers/targets.js';
import {openTerminal} from '../helpers/tmux.js';
import {TUNNELS_BIN} from '../helpers/tunnels-process.js';

describe('prompts on a real terminal (tmux)', () => {
  let sshd: TestSshd;
  let echo: TestServer;
  let user: Awaited<ReturnType<typeof createPasswordUser>>;
  beforeAll(async () => {
    user = await createPasswordUser();
    sshd = await startSshd({
      config: ['UsePAM yes', 'PasswordAuthentication yes', 'KbdInteractiveAuthentication no'],
    });
    echo = await startEchoServer();
  });
  afterAll(async () => {
    await echo?.close();
    await sshd?.stop();
    await user?.remove();
  });

  it('asks about an unknown host key, then for the password with echo off, then forwards; Ctrl-C exits', async () => {
    const knownHosts = path.join(sshd.dir, 'terminal_known_hosts');
    await writeFile(knownHosts, '');
    const terminal = await openTerminal(
      [
        process.execPath,
        TUNNELS_BIN,
        '-N',
        '-p',
        String(sshd.port),
        '-o',
        `UserKnownHostsFile=${knownHosts}`,
        '-o',
        'GlobalKnownHostsFile=none',
        '-L',
        `0:127.0.0.1:${echo.port}`,
        `${user.name}@127.0.0.1`,
      ],
      {env: {HOME: sshd.dir, SSH_AUTH_SOCK: ''}},
    );
    try {
      await terminal.waitForScreen(
        /Are you sure you want to continue connecting \(yes\/no\/\[fingerprint\]\)\?/,
      );
      expect(await terminal.screen()).toMatch(/ED25519 key fingerprint is SHA256:/);
      await terminal.type('yes');
      await terminal.keys('Enter');
      await terminal.waitForScreen(new RegExp(`${user.name}@127\\.0\\.0\\.1's password:`));
      await terminal.type(user.password);
      await terminal.keys('Enter');
      const screen = await terminal.waitForScreen(/listening on 127\.0\.0\.1:(\d+)/);
      expect(screen).toContain(`connected to ${user.name}@127.0.0.1:${sshd.port} (password)`);
      expect(screen).toContain(`permanently added '[127.0.0.1]:${sshd.port}'`);
      expect(screen).not.toContain(user.password);
      const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(screen)![1]);
      expect((await exchange(port, 64 * 1024)).received).toBe(64 * 1024);
      await terminal.keys('C-c');
      const deadline = Date.now() + 5000;
      while (terminal.alive() && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(terminal.alive()).toBe(false);
      expect(await terminal.waitForScreen(/\[exit status \d+\]/)).toContain('[exit status 0]');
    } finally {
      await terminal.close();
    }
  });
});
