import {execFile} from 'node:child_process';
import fs from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createPasswordUser} from '../helpers/password-user.js';
import {TUNNELS_BIN} from '../helpers/tunnels-process.js';

const run = promisify(execFile);

// The favorites file through the built binary, as a user meets it: a link at its path, a file or
// directory others can write to, or one of another user, is refused with ssh's sentence, and listing or
// adding never touches what the link leads to. Each case has a HOME of its own under a temporary directory.

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

let root: string;
let counter = 0;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'tunnels-favorites-file-'));
});

afterAll(async () => {
  await rm(root, {recursive: true, force: true});
});

const plantedText = `${JSON.stringify(
  {
    version: 1,
    favorites: [
      {
        name: 'planted',
        host: 'evil.example',
        identityFiles: [],
        options: {forwardAgent: true},
        forwards: ['-R *:2222:localhost:22'],
      },
    ],
  },
  null,
  2,
)}\n`;

/** A HOME with its favorites directory (made, 0700) and where the file goes. */
function freshHome(): {home: string; directory: string; file: string; env: NodeJS.ProcessEnv} {
  const home = path.join(root, `home-${++counter}`);
  const directory = path.join(home, '.config', 'tunnels-nodejs');
  fs.mkdirSync(directory, {recursive: true, mode: 0o700});
  return {
    home,
    directory,
    file: path.join(directory, 'favorites.json'),
    env: {...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), SSH_AUTH_SOCK: ''},
  };
}

function tunnels(
  args: string[],
  env: NodeJS.ProcessEnv,
  user: {uid: number; gid: number} | undefined = undefined,
): Promise<Result> {
  return run(process.execPath, [TUNNELS_BIN, ...args], {env, timeout: 30_000, ...user}).then(
    ({stdout, stderr}) => ({code: 0, stdout, stderr}),
    (error: {code: number; stdout: string; stderr: string}) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
}

/** What must not change about a file: its contents, mode, owner, inode and time. */
function fingerprint(file: string) {
  const stats = fs.lstatSync(file);
  return {
    text: fs.readFileSync(file, 'utf8'),
    mode: stats.mode,
    uid: stats.uid,
    ino: stats.ino,
    mtimeMs: stats.mtimeMs,
  };
}

const addPlanted = ['favorites', 'add', 'db', '-A', '-R', '*:2222:localhost:22', 'deploy@db.example'];

/** Every verb fails with exit 1 and `sentence` on stderr, and prints no favorite. */
async function expectRefused(env: NodeJS.ProcessEnv, sentence: string, user?: {uid: number; gid: number}) {
  for (const args of [['favorites'], ['favorites', '--json'], ['favorites', 'ssh', 'planted'], addPlanted]) {
    const result = await tunnels(args, env, user);
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(1);
    expect(result.stderr).toBe(`tunnels: ${sentence}\n`);
    expect(result.stdout).toBe('');
  }
  // @NAME neither: nothing is connected to a host a refused file names.
  const connect = await tunnels(['-N', '@planted'], env, user);
  expect(connect.code).not.toBe(0);
  expect(connect.stderr).toContain(sentence);
  expect(connect.stderr).not.toContain('evil.example');
}

/** What a refusal adds: the file it is about, when the problem is a directory's. */
const until = (file: string, directory = false) =>
  `. Until then tunnels neither reads nor saves favorites${directory ? ` (${file})` : ''}`;

describe('the favorites file through the built binary: refused when someone else could have written it', () => {
  it('a link at its path: listing and adding refuse, and the file it leads to is untouched (contents and mode)', async () => {
    const {file, env, home} = freshHome();
    const target = path.join(home, 'precious');
    fs.writeFileSync(target, plantedText, {mode: 0o644});
    fs.chmodSync(target, 0o644);
    fs.symlinkSync(target, file);
    const before = fingerprint(target);
    await expectRefused(
      env,
      `favorites file ${file} is a symbolic link (to ${target}), which tunnels does not follow; put the file itself there if it is yours (mv ${target} ${file}), or remove the link (rm ${file})${until(file)}`,
    );
    expect(fingerprint(target)).toEqual(before);
    expect(fs.lstatSync(file).isSymbolicLink()).toBe(true);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['favorites.json']);
  });

  it('a link to a file that is not a favorites file is not backed up or replaced by listing or adding', async () => {
    const {file, env, home} = freshHome();
    const target = path.join(home, '.bashrc');
    fs.writeFileSync(target, 'alias ll="ls -l"\n', {mode: 0o600});
    fs.symlinkSync(target, file);
    const before = fingerprint(target);
    for (const args of [['favorites'], addPlanted]) {
      const result = await tunnels(args, env);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/is a symbolic link/);
    }
    expect(fingerprint(target)).toEqual(before);
    expect(fs.readdirSync(home).sort()).toEqual(['.bashrc', '.config']);
  });

  it('a file writable by its group: ssh’s sentence with the chmod that fixes it, which then works', async () => {
    const {file, env} = freshHome();
    fs.writeFileSync(file, plantedText);
    fs.chmodSync(file, 0o664);
    const before = fingerprint(file);
    await expectRefused(
      env,
      `Bad owner or permissions on ${file}: writable by its group (mode 0664); fix it with chmod go-w ${file}${until(file)}`,
    );
    expect(fingerprint(file)).toEqual(before);
    fs.chmodSync(file, 0o644);
    const listed = await tunnels(['favorites'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^planted\s+evil\.example\s+-A {2}-R \*:2222:localhost:22\n$/);
    expect(fingerprint(file)).toEqual({...before, mode: (before.mode & ~0o777) | 0o644});
  });

  it('a favorites directory writable by others, and one above it (not sticky), are refused', async () => {
    const {file, env, directory, home} = freshHome();
    fs.writeFileSync(file, plantedText, {mode: 0o600});
    fs.chmodSync(directory, 0o757);
    await expectRefused(
      env,
      `Bad owner or permissions on ${directory}: writable by others (mode 0757); fix it with chmod go-w ${directory}${until(file, true)}`,
    );
    fs.chmodSync(directory, 0o700);
    const config = path.join(home, '.config');
    fs.chmodSync(config, 0o777);
    await expectRefused(
      env,
      `Bad owner or permissions on ${config}: writable by its group and others (mode 0777); fix it with chmod go-w ${config}${until(file, true)}`,
    );
    // HOME itself is checked (as sshd checks it for authorized_keys); what is above it is not.
    fs.chmodSync(config, 0o755);
    fs.chmodSync(home, 0o775);
    await expectRefused(
      env,
      `Bad owner or permissions on ${home}: writable by its group (mode 0775); fix it with chmod go-w ${home}${until(file, true)}`,
    );
  });

  it('a normal file works as before: add, list, ssh; the file stays 0600 in a 0700 directory', async () => {
    const {file, env, directory} = freshHome();
    const added = await tunnels(
      ['favorites', 'add', 'db', '-L', '5432:db.internal:5432', 'deploy@bastion'],
      env,
    );
    expect(added.code, added.stderr).toBe(0);
    expect(added.stderr).toBe('');
    const listed = await tunnels(['favorites'], env);
    expect(listed.stdout).toMatch(/^db\s+deploy@bastion\s+-L 5432:db\.internal:5432\n$/);
    expect((await tunnels(['favorites', 'ssh', 'db'], env)).stdout).toBe(
      'ssh -l deploy -N -L 5432:db.internal:5432 bastion\n',
    );
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(directory).mode & 0o777).toBe(0o700);
    expect(fs.readdirSync(directory)).toEqual(['favorites.json']);
  });

  it('listing a corrupt file tells what is wrong and changes nothing; adding keeps it as a backup and says where', async () => {
    const {file, env, directory} = freshHome();
    fs.writeFileSync(file, '{"version": 1, "favorites": [', {mode: 0o600});
    const before = fingerprint(file);
    const listed = await tunnels(['favorites'], env);
    expect(listed.code).toBe(0);
    expect(listed.stderr).toMatch(/was corrupt .*left as it is until favorites are saved/);
    expect(fingerprint(file)).toEqual(before);
    expect(fs.readdirSync(directory)).toEqual(['favorites.json']);
    const added = await tunnels(['favorites', 'add', 'db', 'bastion'], env);
    expect(added.code, added.stderr).toBe(0);
    const backup = fs.readdirSync(directory).find((name) => name.includes('.corrupt-'));
    expect(backup).toBeDefined();
    expect(added.stderr).toContain(`kept it as ${path.join(directory, backup!)}`);
  });
});

describe('the favorites file through the built binary: owners', () => {
  let other: Awaited<ReturnType<typeof createPasswordUser>>;
  let ids: {uid: number; gid: number};

  beforeAll(async () => {
    other = await createPasswordUser();
    // That user must reach the homes made under it (mkdtemp makes it 0700).
    fs.chmodSync(root, 0o711);
    const [uid, gid] = await Promise.all(
      ['-u', '-g'].map(async (flag) => Number((await run('id', [flag, other.name])).stdout.trim())),
    );
    ids = {uid: uid!, gid: gid!};
  });

  afterAll(async () => {
    await other?.remove();
  });

  it('a file owned by another user is refused, naming the owner (the suite runs as root)', async () => {
    const {file, env} = freshHome();
    fs.writeFileSync(file, plantedText, {mode: 0o600});
    fs.chownSync(file, ids.uid, ids.gid);
    const before = fingerprint(file);
    await expectRefused(
      env,
      `Bad owner or permissions on ${file}: owned by ${other.name} (uid ${ids.uid}), not by you (root); check what it holds, then remove it or make it yours (chown root ${file}, as root)${until(file)}`,
    );
    expect(fingerprint(file)).toEqual(before);
  });

  it('a favorites directory owned by another user is refused', async () => {
    const {file, env, directory} = freshHome();
    fs.chownSync(directory, ids.uid, ids.gid);
    await expectRefused(
      env,
      `Bad owner or permissions on ${directory}: owned by ${other.name} (uid ${ids.uid}), not by you (root); check what it holds, then remove it or make it yours (chown root ${directory}, as root)${until(file, true)}`,
    );
    expect(fs.readdirSync(directory)).toEqual([]);
  });

  it('run as that user: a root-owned 0644 file is used (as ssh uses a root-owned config), and a save makes it theirs', async () => {
    const {file, env, home, directory} = freshHome();
    for (const owned of [home, path.join(home, '.config'), directory]) fs.chownSync(owned, ids.uid, ids.gid);
    fs.writeFileSync(file, plantedText, {mode: 0o644});
    fs.chmodSync(file, 0o644);
    const listed = await tunnels(['favorites'], env, ids);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^planted\s+evil\.example/);
    const added = await tunnels(['favorites', 'add', 'db', 'bastion'], env, ids);
    expect(added.code, added.stderr).toBe(0);
    const stats = fs.statSync(file);
    expect(stats.uid).toBe(ids.uid);
    expect(stats.mode & 0o777).toBe(0o600);

    // A root-owned file root's group can write to is refused as ssh refuses it.
    fs.chownSync(file, 0, 0);
    fs.chmodSync(file, 0o664);
    await expectRefused(
      env,
      `Bad owner or permissions on ${file}: writable by its group (mode 0664); fix it with chmod go-w ${file}${until(file)}`,
      ids,
    );
    // Directories of root's on the way are trusted too (as /root or /etc are).
    fs.chmodSync(file, 0o644);
    fs.chownSync(home, 0, 0);
    expect((await tunnels(['favorites'], env, ids)).code).toBe(0);
  });
});
