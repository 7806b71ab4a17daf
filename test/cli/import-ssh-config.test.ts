import {execFile} from 'node:child_process';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {TUNNELS_BIN} from '../helpers/tunnels-process.js';

const run = promisify(execFile);

describe('tunnels favorites import-ssh-config resolves each alias as ssh does (Match, Include)', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  const tunnels = (args: string[]) =>
    run(process.execPath, [TUNNELS_BIN, ...args], {env}).then(
      ({stdout, stderr}) => ({code: 0, stdout, stderr}),
      (error: {code: number; stdout: string; stderr: string}) => ({
        code: error.code,
        stdout: error.stdout,
        stderr: error.stderr,
      }),
    );

  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'tunnels-import-home-'));
    await mkdir(path.join(home, '.ssh', 'conf.d'), {recursive: true, mode: 0o700});
    env = {...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), SSH_AUTH_SOCK: ''};
    await writeFile(
      path.join(home, '.ssh', 'conf.d', 'db.conf'),
      'Host db\n  LocalForward 5432 db.internal:5432\n',
    );
    await writeFile(
      path.join(home, 'ssh_config'),
      [
        'Include conf.d/*.conf',
        'Host web "two words" wild* !neg',
        '  LocalForward 127.0.0.1:8080 localhost:80',
        '  DynamicForward 1080',
        '  RemoteForward 9000 localhost:3000',
        'Host quiet',
        '  HostName 127.0.0.1',
        'Host cleared',
        '  ClearAllForwardings yes',
        '  LocalForward 1111 a:1',
        'Host db',
        '  User dbuser',
        'Match originalhost web,db exec "exit 0"',
        '  LocalForward 7000 matched:7',
        'Match originalhost quiet exec "exit 1"',
        '  LocalForward 7001 never:7',
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    if (home) await rm(home, {recursive: true, force: true});
  });

  it('imports the aliases with forwards, in file order, with the forwards ssh would set up', async () => {
    const imported = await tunnels(['favorites', 'import-ssh-config', '-F', path.join(home, 'ssh_config')]);
    // "two words" cannot name a host (ssh refuses it too): it is left out, with the reason, and the status says so.
    expect(imported.code, imported.stderr).toBe(1);
    expect(imported.stderr).toContain('not imported: "two words": the host name contains characters');
    const lines = imported.stdout.trim().split('\n');
    expect(lines).toEqual([
      'imported web: -L 127.0.0.1:8080:localhost:80  -D 1080  -L 7000:matched:7  -R 9000:localhost:3000',
      // Its forward is in an included file (the aliases are the file's own: Include is not followed for them).
      'imported db: -L 5432:db.internal:5432  -L 7000:matched:7',
      `imported 2 favorites from ${path.join(home, 'ssh_config')}`,
    ]);
    const listed = JSON.parse((await tunnels(['favorites', '--json'])).stdout) as Array<{
      name: string;
      host: string;
      forwards: string[];
    }>;
    // Listed by name.
    expect(listed).toEqual([
      expect.objectContaining({
        name: 'db',
        host: 'db',
        forwards: ['-L 5432:db.internal:5432', '-L 7000:matched:7'],
      }),
      expect.objectContaining({
        name: 'web',
        host: 'web',
        forwards: [
          '-L 127.0.0.1:8080:localhost:80',
          '-D 1080',
          '-L 7000:matched:7',
          '-R 9000:localhost:3000',
        ],
      }),
    ]);
  });

  it('says why when the file cannot be read', async () => {
    const missing = await tunnels(['favorites', 'import-ssh-config', '-F', path.join(home, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/ENOENT|no such file/i);
  });

  it('refuses a config ssh would refuse, naming the line', async () => {
    const file = path.join(home, 'bad_config');
    await writeFile(file, 'Host web\n  LocalForward 8080 localhost:80\n  NoSuchKeyword x\n');
    const bad = await tunnels(['favorites', 'import-ssh-config', '-F', file]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${file} line 3`);
    expect(bad.stderr).toMatch(/nosuchkeyword/i);
  });
});
