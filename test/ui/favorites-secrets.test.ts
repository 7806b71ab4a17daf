import {mkdtemp, readdir, readFile, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createPasswordUser} from '../helpers/password-user.js';
import {startSshd, type TestSshd} from '../helpers/sshd.js';
import {openTerminal} from '../helpers/tmux.js';
import {TUNNELS_BIN} from '../helpers/tunnels-process.js';

describe('a password typed during a session never reaches the favorites file', () => {
  let sshd: TestSshd;
  let user: Awaited<ReturnType<typeof createPasswordUser>>;
  let home: string;
  beforeAll(async () => {
    user = await createPasswordUser();
    sshd = await startSshd({
      config: ['UsePAM yes', 'PasswordAuthentication yes', 'KbdInteractiveAuthentication no'],
    });
    home = await mkdtemp(path.join(os.tmpdir(), 'tunnels-canary-home-'));
  });
  afterAll(async () => {
    await sshd?.stop();
    await user?.remove();
    if (home) await rm(home, {recursive: true, force: true});
  });

  it('types the password in the UI, saves the session as a favorite, and the file holds no trace of it', async () => {
    const config = path.join(home, '.config');
    const terminal = await openTerminal(
      [
        process.execPath,
        TUNNELS_BIN,
        '--no-service',
        '-p',
        String(sshd.port),
        '-o',
        `UserKnownHostsFile=${sshd.knownHosts}`,
        '-L',
        '0:127.0.0.1:9',
        `${user.name}@127.0.0.1`,
      ],
      {width: 100, height: 30, env: {HOME: home, XDG_CONFIG_HOME: config, SSH_AUTH_SOCK: ''}},
    );
    try {
      // The session's row shows, connecting, while the password is asked for.
      expect(await terminal.waitForScreen(/password:/)).toMatch(/│› .*@127\.0\.0.*● connecting/);
      await terminal.type(user.password);
      await terminal.keys('Enter');
      await terminal.waitForScreen(/● connected/);
      await terminal.type('s');
      await terminal.waitForScreen(/Save this session as a favorite/);
      await terminal.keys('C-u');
      await terminal.type('canary');
      await terminal.keys('Enter');
      // What the favorite does not keep is said with it.
      await terminal.waitForScreen(
        /saved favorite canary \(1 forward; -o UserKnownHostsFile=\S+ is not\s+kept\s+in\s+favorites\)/,
      );
      await terminal.keys('C-c');
      await terminal.waitForScreen(/\[exit status \d+\]/);
    } finally {
      await terminal.close();
    }
    const dir = path.join(config, 'tunnels-nodejs');
    const names = await readdir(dir);
    expect(names).toContain('favorites.json');
    const text = await readFile(path.join(dir, 'favorites.json'), 'utf8');
    expect(JSON.parse(text).favorites).toEqual([
      expect.objectContaining({
        name: 'canary',
        host: '127.0.0.1',
        user: user.name,
        port: sshd.port,
        forwards: ['-L 0:127.0.0.1:9'],
      }),
    ]);
    for (const name of names)
      expect(await readFile(path.join(dir, name), 'utf8')).not.toContain(user.password);
  });
});
