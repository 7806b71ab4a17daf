import {mkdir, readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {useSshdAndEcho} from '../helpers/fixtures.js';
import {exchange, serve} from '../helpers/targets.js';
import {openTerminal, type Terminal} from '../helpers/tmux.js';
import {TUNNELS_BIN} from '../helpers/tunnels-process.js';
import {alive, quitAttached, upArgs, useServiceHome, waitUntil} from '../service/service-home.js';

const listeningPort = (text: string) => Number(/listening on 127\.0\.0\.1:(\d+)/.exec(text)?.[1]);

/** tunnels attach: the full-screen UI on the background service's sessions, in a real terminal (tmux). */
describe('tunnels attach in a real terminal (tmux)', () => {
  const fixture = useSshdAndEcho();
  const home = useServiceHome();

  const terminalEnv = home.terminalEnv;
  const attach = (size = {width: 100, height: 30}) =>
    openTerminal([process.execPath, TUNNELS_BIN, 'attach'], {...size, env: terminalEnv()});

  /** `tunnels up` of a session named web with one -L to the echo server; the port it listens on. */
  async function upWeb(): Promise<number> {
    const up = await home.run(upArgs(fixture.sshd, `0:127.0.0.1:${fixture.echo.port}`, 'web'));
    expect(up.status, up.stderr).toBe(0);
    return listeningPort(up.stderr);
  }

  const forwardCount = async () => (await home.sessions())[0]?.forwards.length ?? 0;

  it('shows a session started by tunnels up with its counters and log; a and d reach the service; q detaches and the counters stay', async () => {
    const port = await upWeb();
    const transfer = await exchange(port, 300 * 1024);
    expect(transfer.receivedHash).toBe(transfer.sentHash);
    let terminal: Terminal | undefined = await attach();
    try {
      const shown = await terminal.waitForScreen(/300 KiB/);
      expect(shown).toContain('tunnels · service');
      expect(shown).toMatch(/web\s+\S+@127\.0\.0\.1:\d+\s+● connected/);
      expect(shown).toMatch(new RegExp(`listening on 127\\.0\\.0\\.1:${port}`));
      // a: a forward added here is the service's.
      await terminal.type('a');
      await terminal.waitForScreen(/Add a forward/i);
      await terminal.type(`-D 127.0.0.1:0\r`);
      // The status line's "D 127.0.0.1:PORT: listening" (the log's line goes on, in its border): the add
      // is done, and its forward selected.
      await terminal.waitForScreen(/^D \S+: listening\s*$/m);
      expect(await forwardCount()).toBe(2);
      // d: removed from the service (the added one is selected, in the forwards pane).
      await terminal.type('d');
      await terminal.waitForScreen(/removed/);
      expect(await forwardCount()).toBe(1);
      // q asks; Enter leaves the tunnels up.
      await quitAttached(terminal, 'detach');
      await terminal.close();
      terminal = undefined;
      const after = await home.sessions();
      expect(after.map((session) => session.name)).toEqual(['web']);
      expect(after[0]!.forwards[0]).toMatchObject({totalConnections: 1, bytesIn: 300 * 1024});
      // Attached again: the same counters.
      terminal = await attach({width: 80, height: 24});
      const again = await terminal.waitForScreen(/300 KiB/);
      expect(again).toContain('tunnels · service');
      // Ctrl-C leaves too, and leaves the tunnels up.
      await terminal.keys('C-c');
      expect(await terminal.waitForScreen(/\[exit status \d+\]/)).toContain('[exit status 0]');
      expect((await home.sessions()).map((session) => session.name)).toEqual(['web']);
    } finally {
      await terminal?.close();
    }
  });

  it('a UI killed with SIGKILL during a transfer leaves the tunnel up: the bytes arrive whole', async () => {
    const port = await upWeb();
    const terminal = await attach();
    try {
      await terminal.waitForScreen(/web\s+\S+\s+● connected/);
      const size = 128 * 1024 * 1024;
      let finished = false;
      const transfer = exchange(port, size).finally(() => {
        finished = true;
      });
      // The connection open on screen (CONNS 1/1): the UI goes while the bytes flow.
      await terminal.waitForScreen(/listening 1\/1/, 15_000);
      expect(finished).toBe(false);
      process.kill(terminal.pid, 'SIGKILL');
      await waitUntil(() => !terminal.alive(), 'the UI is gone');
      const done = await transfer;
      expect(done.received).toBe(size);
      expect(done.receivedHash).toBe(done.sentHash);
      expect((await home.sessions())[0]).toMatchObject({name: 'web', state: 'connected'});
    } finally {
      await terminal.close();
    }
  });

  it('two UIs attached at once: a forward added in one shows in the other', async () => {
    await upWeb();
    const first = await attach();
    const second = await attach({width: 80, height: 24});
    try {
      await first.waitForScreen(/web\s+\S+\s+● connected/);
      await second.waitForScreen(/web\s+\S+\s+● connected/);
      await first.type('a');
      await first.waitForScreen(/Add a forward/i);
      await first.type(`-D 127.0.0.1:0\r`);
      const added = /D\s+(127\.0\.0\.1:\d+)\s+listening/.exec(
        await first.waitForScreen(/D\s+\S+\s+listening/),
      );
      const seen = await second.waitForScreen(/D\s+\S+\s+listening/);
      expect(seen).toContain(added![1]);
      expect(await forwardCount()).toBe(2);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('a session connected from the attached UI goes to the service; its host key question comes to this UI, not the log', async () => {
    const sshDirectory = path.join(home.env.HOME!, '.ssh');
    const knownHosts = path.join(sshDirectory, 'known_hosts');
    await mkdir(sshDirectory, {mode: 0o700});
    const {sshd} = fixture;
    await writeFile(
      path.join(sshDirectory, 'config'),
      `Host box\n  HostName ${sshd.host}\n  Port ${sshd.port}\n  User ${sshd.user}\n  IdentityFile ${sshd.clientKey}\n  UserKnownHostsFile ${knownHosts}\n`,
    );
    const terminal = await attach();
    try {
      await terminal.waitForScreen(/tunnels · service/);
      await terminal.type('c');
      await terminal.waitForScreen(/Connect/);
      await terminal.type('box\r');
      await terminal.waitForScreen(/Are you sure you want to continue connecting/);
      await terminal.type('yes\r');
      await terminal.waitForScreen(/box\s+\S+@127\.0\.0\.1:\d+\s+● connected/);
      expect((await home.sessions()).map((session) => session.name)).toEqual(['box']);
      expect(await readFile(knownHosts, 'utf8')).toContain('ssh-ed25519');
      // The question went over the socket only.
      expect(await readFile(home.logFile(), 'utf8')).not.toContain('authenticity');
    } finally {
      await terminal.close();
    }
  });

  it('R on a failed forward of the service retries it there, once its port is free', async () => {
    const squatter = await serve((socket) => socket.destroy());
    let freed = false;
    const terminal = await attach();
    try {
      const up = await home.run(
        upArgs(fixture.sshd, `127.0.0.1:${squatter.port}:127.0.0.1:${fixture.echo.port}`, 'taken'),
      );
      expect(up.stderr).toContain('failed');
      // A session brought up by another command while this UI is attached becomes a row of it.
      await terminal.waitForScreen(/L\s+\S+\s+failed/);
      await squatter.close();
      freed = true;
      await terminal.keys('Tab');
      await terminal.type('R');
      await terminal.waitForScreen(/L\s+\S+\s+listening/);
      expect((await home.sessions())[0]!.forwards[0]).toMatchObject({state: 'listening'});
    } finally {
      if (!freed) await squatter.close();
      await terminal.close();
    }
  });

  it('a service that dies under an attached UI: its rows say their tunnels are gone, and q just quits', async () => {
    await upWeb();
    const terminal = await attach();
    try {
      await terminal.waitForScreen(/web\s+\S+@127\.0\.0\.1:\d+\s+● connected/);
      const [service] = home.servicePids();
      process.kill(service!, 'SIGKILL');
      await waitUntil(() => !alive(service!), 'the service is gone');
      const shown = await terminal.waitForScreen(/and its tunnels with it/);
      expect(shown).not.toMatch(/● connected/);
      expect(shown).not.toContain('tunnels · service');
      // Nothing is left to stay up: q quits without offering to.
      await terminal.type('q');
      await terminal.waitForScreen(/\[exit status 0\]/);
    } finally {
      await terminal.close();
    }
  });

  it('after a service killed with SIGKILL, attach starts a new one and says which sessions were lost', async () => {
    await upWeb();
    const [killed] = home.servicePids();
    process.kill(killed!, 'SIGKILL');
    await waitUntil(() => !alive(killed!), 'the service is gone');
    const terminal = await attach();
    try {
      const shown = await terminal.waitForScreen(/its sessions were lost/);
      expect(shown).toContain('web (');
      expect(shown).toContain('0 sessions');
      const now = home.servicePids().filter(alive);
      expect(now).toHaveLength(1);
      expect(now[0]).not.toBe(killed);
    } finally {
      await terminal.close();
    }
  });
});
