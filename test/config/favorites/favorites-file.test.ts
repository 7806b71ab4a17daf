import {type ChildProcess, execFileSync, fork} from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import {promisify} from 'node:util';
import {build} from 'esbuild';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {type Favorite, FavoritesError, validateFavorite} from '../../../source/config/favorites/favorite.js';
import {openFavorites} from '../../../source/config/favorites/favorites-file.js';
import {favorite, full, minimal} from './examples.js';

const projectRoot = path.resolve(import.meta.dirname, '../../..');
const isRoot = process.getuid?.() === 0;

let root: string;
let counter = 0;
const mounts: string[] = [];

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'tunnels-favorites-'));
});

afterAll(async () => {
  for (const mount of mounts.reverse()) {
    try {
      execFileSync('umount', [mount]);
    } catch {
      // Already gone.
    }
  }
  await rm(root, {recursive: true, force: true});
});

/** A directory for one store; it does not exist yet. */
function freshDirectory(): string {
  return path.join(root, `store-${++counter}`);
}

function modeOf(file: string): number {
  return fs.statSync(file).mode & 0o777;
}

function readJson(file: string): unknown {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
}

/** A tmpfs of its own (root only: chmod does not stop root). */
function mountTmpfs(options: string): string {
  if (!isRoot) throw new Error('this test mounts a tmpfs and must run as root (as the test suite does)');
  const directory = path.join(root, `mount-${++counter}`);
  fs.mkdirSync(directory);
  // A tmpfs is 1777 unless told: a favorites directory others can write to is refused.
  execFileSync('mount', ['-t', 'tmpfs', '-o', `mode=0700,${options}`, 'tmpfs', directory]);
  mounts.push(directory);
  return directory;
}

function remountReadOnly(directory: string): void {
  execFileSync('mount', ['-o', 'remount,ro', directory]);
}

/** A directory that cannot be written: a read-only tmpfs as root, mode 0500 otherwise. */
function readOnlyDirectory(): string {
  if (isRoot) return mountTmpfs('ro,size=1m');
  const directory = freshDirectory();
  fs.mkdirSync(directory, {mode: 0o500});
  return directory;
}

function backupsIn(directory: string): string[] {
  return fs
    .readdirSync(directory)
    .filter((name) => name.includes('.corrupt-'))
    .map((name) => path.join(directory, name));
}

describe('favorites store: round trips', () => {
  it('keeps every field exactly, across processes (a fresh open reads the file)', () => {
    const cwd = freshDirectory();
    const store = openFavorites({cwd});
    expect(store.notices).toEqual([]);
    expect(store.path).toBe(path.join(cwd, 'favorites.json'));
    expect(store.list()).toEqual([]);
    store.save(full);
    store.save(minimal);

    const again = openFavorites({cwd});
    expect(again.notices).toEqual([]);
    expect(again.get('prod-db')).toEqual(full);
    expect(again.get('a')).toEqual(minimal);
    expect(again.get('nope')).toBeUndefined();
    expect(readJson(store.path)).toEqual({version: 1, favorites: [minimal, full]});
  });

  it('keeps false options and leaves out absent ones', () => {
    const cwd = freshDirectory();
    const off = favorite('off', {
      options: {serverAliveInterval: 0, exitOnForwardFailure: false, forwardAgent: false, forwardX11: false},
    });
    openFavorites({cwd}).save(off);
    expect(openFavorites({cwd}).get('off')).toEqual(off);
    const stored = (readJson(path.join(cwd, 'favorites.json')) as {favorites: Favorite[]}).favorites[0]!;
    expect(Object.keys(stored)).toEqual(['name', 'host', 'identityFiles', 'options', 'forwards']);
  });

  it('lists by name (numbers in order), replaces by name and removes', () => {
    const cwd = freshDirectory();
    const store = openFavorites({cwd});
    for (const name of ['web', 'db10', 'db9', 'Admin']) store.save(favorite(name));
    expect(store.list().map((f) => f.name)).toEqual(['Admin', 'db9', 'db10', 'web']);

    store.save(favorite('db9', {host: 'other', port: 22}));
    expect(store.get('db9')).toEqual(favorite('db9', {host: 'other', port: 22}));
    expect(store.list()).toHaveLength(4);

    expect(store.remove('web')).toBe(true);
    expect(store.remove('web')).toBe(false);
    expect(
      openFavorites({cwd})
        .list()
        .map((f) => f.name),
    ).toEqual(['Admin', 'db9', 'db10']);
  });

  it('hands out copies: changing a returned or saved object changes nothing stored', () => {
    const cwd = freshDirectory();
    const store = openFavorites({cwd});
    const mine = structuredClone(full);
    store.save(mine);
    mine.forwards.push('-D 9999');
    mine.options.forwardAgent = false;
    const got = store.get('prod-db')!;
    got.identityFiles.length = 0;
    expect(store.get('prod-db')).toEqual(full);
    expect(store.list()[0]).toEqual(full);
  });
});

describe('validateFavorite: the first problem, naming the field', () => {
  it('save() refuses an invalid favorite with the same message and writes nothing', () => {
    const cwd = freshDirectory();
    const store = openFavorites({cwd});
    const bad = {...full, port: 70000};
    expect(() => store.save(bad)).toThrow(FavoritesError);
    expect(() => store.save(bad)).toThrow('favorite.port: 70000 is not a port (1-65535)');
    expect(store.list()).toEqual([]);
    expect(fs.existsSync(store.path)).toBe(false);
  });
});

describe('favorites store: file and directory modes', () => {
  it('creates the file 0600 in a 0700 directory, and keeps 0600 on rewrite', () => {
    const cwd = freshDirectory();
    const store = openFavorites({cwd});
    store.save(full);
    expect(modeOf(store.path)).toBe(0o600);
    expect(modeOf(cwd)).toBe(0o700);
    store.save(minimal);
    store.remove('a');
    expect(modeOf(store.path)).toBe(0o600);
    expect(modeOf(cwd)).toBe(0o700);
    expect(fs.readdirSync(cwd)).toEqual(['favorites.json']);
  });

  it('tightens a file and directory made with wider modes', () => {
    const cwd = freshDirectory();
    fs.mkdirSync(cwd, {mode: 0o755});
    fs.chmodSync(cwd, 0o755);
    const file = path.join(cwd, 'favorites.json');
    fs.writeFileSync(file, JSON.stringify({version: 1, favorites: [minimal]}), {mode: 0o644});
    fs.chmodSync(file, 0o644);
    const store = openFavorites({cwd});
    store.save(full);
    expect(modeOf(file)).toBe(0o600);
    expect(modeOf(cwd)).toBe(0o700);
    expect(store.list()).toEqual([minimal, full]);
  });

  it('lives where conf puts it for project tunnels, following XDG_CONFIG_HOME', () => {
    const saved = process.env.XDG_CONFIG_HOME;
    const xdg = path.join(root, `xdg-${++counter}`);
    process.env.XDG_CONFIG_HOME = xdg;
    try {
      const store = openFavorites();
      expect(store.path).toBe(path.join(xdg, 'tunnels-nodejs', 'favorites.json'));
      store.save(minimal);
      expect(modeOf(store.path)).toBe(0o600);
      expect(modeOf(path.dirname(store.path))).toBe(0o700);
      expect(openFavorites().get('a')).toEqual(minimal);
    } finally {
      if (saved === undefined) delete process.env.XDG_CONFIG_HOME;
      else process.env.XDG_CONFIG_HOME = saved;
    }
  });
});

describe('favorites store: a bad file is kept, never wiped', () => {
  const backupName = /^favorites\.json\.corrupt-\d{8}T\d{6}\.\d{3}Z$/;

  /** Everything about the directory that reading must leave as it was. */
  function snapshot(directory: string) {
    return fs
      .readdirSync(directory)
      .sort()
      .map((name) => {
        const stats = fs.lstatSync(path.join(directory, name));
        return {name, ino: stats.ino, mode: stats.mode, mtimeMs: stats.mtimeMs, size: stats.size};
      });
  }

  /** Opens a store on a file holding `text`, lists it, and checks that nothing was changed by that. */
  function openWith(text: string) {
    const cwd = freshDirectory();
    fs.mkdirSync(cwd, {mode: 0o700});
    const file = path.join(cwd, 'favorites.json');
    fs.writeFileSync(file, text, {mode: 0o600});
    const before = snapshot(cwd);
    const store = openFavorites({cwd});
    const listed = store.list();
    expect(snapshot(cwd)).toEqual(before);
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
    return {cwd, file, store, listed};
  }

  it('corrupt (not JSON): listing tells and changes nothing; the first save keeps it beside it, and says where', () => {
    const text = '{"version": 1, "favorites": [{"name": "db", ';
    const {cwd, file, store, listed} = openWith(text);
    expect(listed).toEqual([]);
    expect(store.notices).toHaveLength(1);
    expect(store.notices[0]).toContain('corrupt');
    expect(store.notices[0]).toContain('started with no favorites');
    expect(store.notices[0]).toContain('left as it is until favorites are saved');
    expect(backupsIn(cwd)).toEqual([]);
    // Listing again tells again: nothing was done about it.
    expect(openFavorites({cwd}).notices).toHaveLength(1);

    store.save(minimal);
    const backups = backupsIn(cwd);
    expect(backups).toHaveLength(1);
    const backup = backups[0]!;
    expect(path.basename(backup)).toMatch(backupName);
    expect(fs.readFileSync(backup, 'utf8')).toBe(text);
    expect(modeOf(backup)).toBe(0o600);
    expect(store.notices).toHaveLength(2);
    expect(store.notices[1]).toContain(`kept it as ${backup}`);
    expect(readJson(file)).toEqual({version: 1, favorites: [minimal]});

    expect(openFavorites({cwd}).notices).toEqual([]);
    store.save(full);
    expect(backupsIn(cwd)).toHaveLength(1);
  });

  it('empty: noticed, and backed up at the first save', () => {
    const {cwd, store, listed} = openWith('');
    expect(listed).toEqual([]);
    expect(store.notices[0]).toMatch(/was empty; started with no favorites/);
    store.remove('nothing');
    expect(backupsIn(cwd)).toEqual([]);
    store.save(minimal);
    const backups = backupsIn(cwd);
    expect(backups).toHaveLength(1);
    expect(fs.readFileSync(backups[0]!, 'utf8')).toBe('');
    expect(store.notices[1]).toMatch(/was empty; kept it as .*\.corrupt-/);
  });

  it('schema-invalid: keeps the favorites that individually validate', () => {
    const good = favorite('good');
    const text = JSON.stringify(
      {
        version: 1,
        favorites: [
          full,
          {...favorite('badport'), port: 70000},
          'not a favorite',
          good,
          {...favorite('prod-db'), host: 'duplicate'},
          {...favorite('secret'), password: 'x'},
        ],
      },
      null,
      2,
    );
    const {cwd, file, store, listed} = openWith(text);
    expect(listed).toEqual([good, full]);
    expect(store.notices).toHaveLength(1);
    expect(store.notices[0]).toContain('favorites[1].port: 70000 is not a port (1-65535)');
    expect(store.notices[0]).toContain('the 2 favorites that could be read');
    expect(store.remove('good')).toBe(true);
    const backups = backupsIn(cwd);
    expect(backups).toHaveLength(1);
    expect(fs.readFileSync(backups[0]!, 'utf8')).toBe(text);
    expect(store.notices[1]).toContain(`kept it as ${backups[0]}`);
    expect(store.notices[1]).toContain('saved the 2 favorites that could be read with this change');
    expect(readJson(file)).toEqual({version: 1, favorites: [full]});
  });

  it.each([
    ['no version', JSON.stringify({favorites: [minimal]}), /version: is missing/, [minimal]],
    [
      'a bad version',
      JSON.stringify({version: '1', favorites: [minimal]}),
      /version: "1" is not a version/,
      [minimal],
    ],
    ['a bare list', JSON.stringify([minimal]), /was a bare list/, [minimal]],
    [
      'favorites not a list',
      JSON.stringify({version: 1, favorites: {a: minimal}}),
      /favorites: must be a list/,
      [],
    ],
    [
      'an unknown top-level field',
      JSON.stringify({version: 1, favorites: [minimal], x: 1}),
      /x: is not a field/,
      [minimal],
    ],
    ['a JSON string', '"favorites"', /was "favorites" \(string\)/, []],
  ])('%s: recovered as far as possible, backed up at the first save', (_label, text, reason, recovered) => {
    const {cwd, store, listed} = openWith(text);
    expect(listed).toEqual(recovered);
    expect(store.notices[0]).toMatch(reason);
    store.save(full);
    const backups = backupsIn(cwd);
    expect(backups).toHaveLength(1);
    expect(fs.readFileSync(backups[0]!, 'utf8')).toBe(text);
    expect(store.list()).toEqual([...recovered, full]);
  });

  it('a file from a newer tunnels is shown but never overwritten', () => {
    const text = JSON.stringify({version: 2, favorites: [minimal], groups: []});
    const {file, store, cwd} = openWith(text);
    expect(backupsIn(cwd)).toEqual([]);
    expect(store.notices).toHaveLength(1);
    expect(store.notices[0]).toMatch(/is version 2, written by a newer tunnels.*cannot be saved/);
    expect(store.list()).toEqual([minimal]);

    expect(() => store.save(full)).toThrow(FavoritesError);
    expect(() => store.save(full)).toThrow(/version 2.*the change is kept/);
    expect(store.list()).toEqual([minimal, full]);
    expect(() => store.remove('a')).toThrow(FavoritesError);
    expect(store.list()).toEqual([full]);
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
    expect(backupsIn(cwd)).toEqual([]);
  });

  it('a bad file that cannot be backed up is left alone, and saving is refused', () => {
    const directory = mountTmpfs('size=1m');
    const file = path.join(directory, 'favorites.json');
    fs.writeFileSync(file, 'garbage', {mode: 0o600});
    remountReadOnly(directory);
    const store = openFavorites({cwd: directory});
    expect(store.notices).toHaveLength(1);
    expect(store.notices[0]).toMatch(/was corrupt .*left as it is/);
    expect(() => store.save(minimal)).toThrow(/cannot save favorites to .*: the file system is read-only/);
    expect(store.list()).toEqual([minimal]);
    expect(fs.readFileSync(file, 'utf8')).toBe('garbage');
  });
});

describe('favorites store: a file that cannot be written', () => {
  it('read-only directory: FavoritesError saying so, and the change stays in memory', () => {
    const directory = readOnlyDirectory();
    const store = openFavorites({cwd: directory});
    expect(store.notices).toEqual([]);
    expect(() => store.save(full)).toThrow(FavoritesError);
    expect(() => store.save(full)).toThrow(
      isRoot
        ? /cannot save favorites to .*favorites\.json: the file system is read-only/
        : /permission denied/,
    );
    expect(store.list()).toEqual([full]);
    expect(store.get('prod-db')).toEqual(full);
    expect(() => store.save(minimal)).toThrow(FavoritesError);
    expect(store.list()).toEqual([minimal, full]);
    expect(fs.readdirSync(directory)).toEqual([]);
  });

  it('read-only file system under an existing file: reads it, keeps changes in memory', () => {
    const directory = mountTmpfs('size=1m');
    openFavorites({cwd: directory}).save(full);
    remountReadOnly(directory);
    const store = openFavorites({cwd: directory});
    expect(store.notices).toEqual([]);
    expect(store.list()).toEqual([full]);
    expect(() => store.save(minimal)).toThrow(/read-only/);
    expect(() => store.remove('prod-db')).toThrow(FavoritesError);
    expect(store.list()).toEqual([minimal]);
    expect(readJson(path.join(directory, 'favorites.json'))).toEqual({version: 1, favorites: [full]});
  });

  it('disk full: FavoritesError, the old file intact, and the change written once there is room', async () => {
    const directory = mountTmpfs('size=64k');
    const store = openFavorites({cwd: directory});
    store.save(minimal);
    const filler = path.join(directory, 'filler');
    try {
      fs.writeFileSync(filler, Buffer.alloc(1024 * 1024));
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    }
    const big = favorite('big', {
      identityFiles: Array.from({length: 20}, (_, i) => `/keys/${'k'.repeat(200)}${i}`),
    });
    // The temporary file of a failed write is deleted before save() returns: with Node's thread pool busy
    // (as a process that exits at once never gets to it) it must still be gone.
    const busyPool = Array.from({length: 4}, () => promisify(crypto.pbkdf2)('x', 'y', 300_000, 32, 'sha256'));
    expect(() => store.save(big)).toThrow(/cannot save favorites to .*: the disk is full/);
    expect(fs.readdirSync(directory).sort()).toEqual(['favorites.json', 'filler']);
    await Promise.all(busyPool);
    expect(store.list()).toEqual([minimal, big]);
    expect(readJson(path.join(directory, 'favorites.json'))).toEqual({version: 1, favorites: [minimal]});

    fs.rmSync(filler);
    store.save(full);
    expect(readJson(path.join(directory, 'favorites.json'))).toEqual({
      version: 1,
      favorites: [minimal, big, full],
    });
    expect(fs.readdirSync(directory)).toEqual(['favorites.json']);
  });
});

describe('favorites store: two writers', () => {
  it('re-reads and merges before writing: two stores of one file lose nothing', () => {
    const cwd = freshDirectory();
    const first = openFavorites({cwd});
    const second = openFavorites({cwd});
    first.save(favorite('one'));
    second.save(favorite('two'));
    expect(
      openFavorites({cwd})
        .list()
        .map((f) => f.name),
    ).toEqual(['one', 'two']);
    expect(first.list().map((f) => f.name)).toEqual(['one', 'two']);
    expect(first.remove('two')).toBe(true);
    second.save(favorite('three'));
    expect(
      openFavorites({cwd})
        .list()
        .map((f) => f.name),
    ).toEqual(['one', 'three']);
    expect(second.get('two')).toBeUndefined();
  });

  it('takes over the lock of a process that died while saving', () => {
    const cwd = freshDirectory();
    fs.mkdirSync(cwd, {mode: 0o700});
    const store = openFavorites({cwd});
    // Above Linux's largest pid_max, so no such process.
    fs.writeFileSync(`${store.path}.lock`, '4194305\n');
    store.save(minimal);
    expect(fs.readdirSync(cwd)).toEqual(['favorites.json']);
  });

  describe('two real processes saving at the same moment', () => {
    let bundleDirectory: string;

    beforeAll(async () => {
      bundleDirectory = path.join(root, 'bundle');
      fs.mkdirSync(bundleDirectory);
      // The bundle imports its packages from node_modules, found through this link.
      fs.symlinkSync(
        path.join(projectRoot, 'node_modules'),
        path.join(bundleDirectory, 'node_modules'),
        'dir',
      );
      await build({
        entryPoints: [path.join(projectRoot, 'source/config/favorites/favorites-file.ts')],
        outfile: path.join(bundleDirectory, 'favorites.mjs'),
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        packages: 'external',
        logLevel: 'silent',
      });
      fs.writeFileSync(
        path.join(bundleDirectory, 'worker.mjs'),
        `const [bundle, cwd, prefix, count] = process.argv.slice(2);
const {openFavorites} = await import(bundle);
const store = openFavorites({cwd});
process.on('message', (message) => {
  if (message !== 'go') return;
  const errors = [];
  for (let i = 0; i < Number(count); i++) {
    try {
      store.save({name: prefix + '-' + i, host: prefix + '.example', identityFiles: [], options: {}, forwards: ['-L ' + (10000 + i) + ':db:5432']});
    } catch (error) {
      errors.push(String(error));
    }
  }
  process.send({done: true, errors}, () => process.disconnect());
});
process.send({ready: true});
`,
      );
    });

    function startWorker(cwd: string, prefix: string, count: number) {
      const child = fork(
        path.join(bundleDirectory, 'worker.mjs'),
        [pathToFileURL(path.join(bundleDirectory, 'favorites.mjs')).href, cwd, prefix, String(count)],
        {execArgv: [], stdio: ['ignore', 'pipe', 'pipe', 'ipc']},
      );
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const ready = new Promise<void>((resolve, reject) => {
        child.once('message', () => resolve());
        child.once('exit', (code) => reject(new Error(`worker ${prefix} exited ${code}: ${stderr}`)));
      });
      const done = new Promise<{errors: string[]}>((resolve) =>
        child.on('message', (message: {done?: boolean; errors: string[]}) => {
          if (message.done) resolve(message);
        }),
      );
      return {child, ready, done, exited, stderr: () => stderr};
    }

    it('both processes’ favorites are all in the file', async () => {
      const cwd = freshDirectory();
      openFavorites({cwd}).save(minimal);
      const count = 25;
      const workers = [startWorker(cwd, 'left', count), startWorker(cwd, 'right', count)];
      const children: ChildProcess[] = workers.map((worker) => worker.child);
      await Promise.all(workers.map((worker) => worker.ready));
      for (const child of children) child.send('go');
      const results = await Promise.all(workers.map((worker) => worker.done));
      const codes = await Promise.all(workers.map((worker) => worker.exited));
      expect(results.flatMap((result) => result.errors)).toEqual([]);
      expect(codes, workers.map((worker) => worker.stderr()).join('\n')).toEqual([0, 0]);

      const names = openFavorites({cwd})
        .list()
        .map((f) => f.name);
      expect(names).toHaveLength(2 * count + 1);
      for (let i = 0; i < count; i++) {
        expect(names).toContain(`left-${i}`);
        expect(names).toContain(`right-${i}`);
      }
      expect(names).toContain('a');
      expect(modeOf(path.join(cwd, 'favorites.json'))).toBe(0o600);
      expect(fs.readdirSync(cwd)).toEqual(['favorites.json']);
    });
  });
});

describe('favorites never hold secrets', () => {
  const CANARY = 'canary-p4ssw0rd-7f3a9c';
  const KEY_CANARY = 'canaryKEYcontents0123456789';

  function filesUnder(directory: string): string[] {
    return fs
      .readdirSync(directory, {withFileTypes: true})
      .flatMap((entry) =>
        entry.isDirectory()
          ? filesUnder(path.join(directory, entry.name))
          : [path.join(directory, entry.name)],
      );
  }

  it('a password or passphrase beside the favorite fields is refused, never written, never echoed', () => {
    const cwd = freshDirectory();
    const store = openFavorites({cwd});
    // What a session knows, as a UI or CLI holds it: the secrets sit right beside the favorite's fields.
    const session = {...full, password: CANARY, passphrase: CANARY};
    let message = '';
    try {
      store.save(session as Favorite);
    } catch (error) {
      expect(error).toBeInstanceOf(FavoritesError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/^favorite\.password: is not a favorite field/);
    expect(message).not.toContain(CANARY);
    expect(store.get('prod-db')).toBeUndefined();

    store.save(full);
    expect(validateFavorite({...minimal, options: {password: CANARY}})).toMatch(
      /^favorite\.options\.password/,
    );
    expect(() => store.save({...minimal, options: {password: CANARY}} as unknown as Favorite)).toThrow(
      FavoritesError,
    );
    for (const file of filesUnder(cwd)) expect(fs.readFileSync(file, 'utf8')).not.toContain(CANARY);
  });

  it("a key's contents in place of an identity file path is refused, never echoed", () => {
    const cwd = freshDirectory();
    const store = openFavorites({cwd});
    const pem = `-----BEGIN OPENSSH PRIVATE KEY-----\n${KEY_CANARY}\n-----END OPENSSH PRIVATE KEY-----\n`;
    const problem = validateFavorite({...minimal, identityFiles: [pem]});
    expect(problem).toMatch(/^favorite\.identityFiles\[0\]: looks like a key's contents, not a file path/);
    expect(problem).not.toContain(KEY_CANARY);
    expect(validateFavorite({...minimal, identityFiles: [`ssh-ed25519 AAAAC3${KEY_CANARY}`]})).toMatch(
      /looks like a key's contents/,
    );
    expect(() => store.save({...minimal, identityFiles: [pem]})).toThrow(FavoritesError);
    store.save(minimal);
    for (const file of filesUnder(cwd)) expect(fs.readFileSync(file, 'utf8')).not.toContain(KEY_CANARY);
  });

  it('a hand-edited file with a password drops that entry from the file (the backup keeps the original)', () => {
    const cwd = freshDirectory();
    fs.mkdirSync(cwd, {mode: 0o700});
    const file = path.join(cwd, 'favorites.json');
    fs.writeFileSync(file, JSON.stringify({version: 1, favorites: [minimal, {...full, password: CANARY}]}));
    const store = openFavorites({cwd});
    expect(store.list()).toEqual([minimal]);
    expect(store.notices[0]).toContain('favorites[1].password: is not a favorite field');
    expect(store.notices[0]).not.toContain(CANARY);
    store.save(favorite('other'));
    expect(fs.readFileSync(file, 'utf8')).not.toContain(CANARY);
    expect(modeOf(backupsIn(cwd)[0]!)).toBe(0o600);
  });
});
