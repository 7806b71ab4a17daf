import {type ChildProcess, execFileSync, spawn} from 'node:child_process';
import fs from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Favorite} from '../../../source/config/favorites/favorite.js';
import {openFavorites} from '../../../source/config/favorites/favorites-file.js';
import {MAX_FILE_BYTES} from '../../../source/config/favorites/file-checks.js';
import {configDirectory} from '../../../source/config/paths.js';
import {createPasswordUser} from '../../helpers/password-user.js';

// The favorites file as ssh treats ~/.ssh/config: a file someone else could have written is refused.
// Everything here is on the real file system, in a temporary directory; HOME is left alone (the
// directories above these are checked up to /, as they are not under HOME).

let root: string;
let counter = 0;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'tunnels-favorites-checks-'));
});

afterAll(async () => {
  await rm(root, {recursive: true, force: true});
});

const minimal: Favorite = {name: 'a', host: 'jump', identityFiles: [], options: {}, forwards: []};
const planted: Favorite = {
  name: 'planted',
  host: 'evil.example',
  identityFiles: [],
  options: {forwardAgent: true},
  forwards: ['-R *:2222:localhost:22'],
};
const plantedText = `${JSON.stringify({version: 1, favorites: [planted]}, null, 2)}\n`;

/** A new favorites directory, 0700, with `favorites.json` not there yet. */
function freshDirectory(mode = 0o700): {cwd: string; file: string} {
  const cwd = path.join(root, `store-${++counter}`);
  fs.mkdirSync(cwd, {mode});
  fs.chmodSync(cwd, mode);
  return {cwd, file: path.join(cwd, 'favorites.json')};
}

function writeFile(file: string, text: string, mode: number): void {
  fs.writeFileSync(file, text, {mode});
  fs.chmodSync(file, mode);
}

/** All a read must leave as it was: names, inodes, modes, owners, times, sizes and contents. */
function snapshot(directory: string) {
  return fs
    .readdirSync(directory)
    .sort()
    .map((name) => {
      const file = path.join(directory, name);
      const stats = fs.lstatSync(file);
      return {
        name,
        ino: stats.ino,
        mode: stats.mode,
        uid: stats.uid,
        mtimeMs: stats.mtimeMs,
        size: stats.size,
        text: stats.isFile()
          ? fs.readFileSync(file, 'utf8')
          : stats.isSymbolicLink()
            ? fs.readlinkSync(file)
            : '',
      };
    });
}

/** What a refusal adds: the file it is about, when the problem is a directory's. */
const until = (file: string, directory = false) =>
  `. Until then tunnels neither reads nor saves favorites${directory ? ` (${file})` : ''}`;

/** Opens, lists, gets and tries to save and remove: everything is refused with `reason`, and nothing changes. */
function expectRefused(cwd: string, file: string, reason: string | RegExp, watched: string[] = [cwd]): void {
  const before = watched.map(snapshot);
  const store = openFavorites({cwd});
  expect(store.list()).toEqual([]);
  expect(store.get('planted')).toBeUndefined();
  const expected = typeof reason === 'string' ? `${reason}${until(file, !reason.includes(file))}` : reason;
  if (typeof expected === 'string') {
    expect(store.refusal).toBe(expected);
    expect(store.notices).toEqual([expected]);
  } else {
    expect(store.refusal).toMatch(expected);
  }
  expect(() => store.save(minimal)).toThrow(
    typeof expected === 'string' ? `${expected}; the change is kept until tunnels exits` : expected,
  );
  expect(store.remove('planted')).toBe(false);
  expect(watched.map(snapshot)).toEqual(before);
}

describe('favorites file: a symbolic link is never followed', () => {
  it('a link to a file of the user (0644, even a valid favorites file) is refused; the file is untouched', () => {
    const {cwd, file} = freshDirectory();
    const elsewhere = freshDirectory();
    const target = path.join(elsewhere.cwd, 'precious');
    writeFile(target, plantedText, 0o644);
    fs.symlinkSync(target, file);
    expectRefused(
      cwd,
      file,
      `favorites file ${file} is a symbolic link (to ${target}), which tunnels does not follow; put the file itself there if it is yours (mv ${target} ${file}), or remove the link (rm ${file})`,
      [cwd, elsewhere.cwd],
    );
    expect(fs.readFileSync(target, 'utf8')).toBe(plantedText);
    expect(fs.statSync(target).mode & 0o777).toBe(0o644);
  });

  it('a link to a file that is not JSON (say ~/.bashrc) is neither backed up nor replaced', () => {
    const {cwd, file} = freshDirectory();
    const elsewhere = freshDirectory();
    const target = path.join(elsewhere.cwd, 'bashrc');
    writeFile(target, 'export PATH=$HOME/bin:$PATH\n', 0o640);
    fs.symlinkSync(target, file);
    expectRefused(cwd, file, /is a symbolic link/, [cwd, elsewhere.cwd]);
  });

  it('a dangling link is refused, and nothing is created where it points', () => {
    const {cwd, file} = freshDirectory();
    const target = path.join(root, `nothing-${++counter}`);
    fs.symlinkSync(target, file);
    expectRefused(cwd, file, /is a symbolic link \(to .*nothing-/);
    expect(fs.existsSync(target)).toBe(false);
  });

  it('a link planted again and again while saving never gets its target written', async () => {
    // Another process swaps a link in for the file as fast as it can while this one saves: each save
    // either refuses (it saw the link) or renames a new file over whatever is there, never writing
    // through it. conf's writer (atomically) resolves the path first and would replace the target.
    const {cwd, file} = freshDirectory();
    const elsewhere = freshDirectory();
    const target = path.join(elsewhere.cwd, 'precious');
    writeFile(target, 'precious\n', 0o600);
    const before = snapshot(elsewhere.cwd);
    const swapper: ChildProcess = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('node:fs');
const [target, file] = process.argv.slice(1);
process.stdout.write('ready\\n');
for (let i = 0; ; i++) {
  try { fs.symlinkSync(target, file + '.link'); } catch {}
  try { fs.renameSync(file + '.link', file); } catch {}
}`,
        target,
        file,
      ],
      {stdio: ['ignore', 'pipe', 'inherit']},
    );
    try {
      await new Promise((resolve) => swapper.stdout?.once('data', resolve));
      const store = openFavorites({cwd});
      let saved = 0;
      let refused = 0;
      for (let i = 0; i < 300; i++) {
        try {
          store.save({...minimal, name: `n${i}`});
          saved++;
        } catch (error) {
          expect(String(error)).toMatch(/is a symbolic link|cannot save favorites/);
          refused++;
        }
      }
      expect(saved + refused).toBe(300);
    } finally {
      swapper.kill('SIGKILL');
    }
    expect(snapshot(elsewhere.cwd)).toEqual(before);
  });
});

describe('favorites file: bad owner or permissions, as ssh says for ~/.ssh/config', () => {
  it.each([
    [0o666, 'its group and others', '0666'],
    [0o646, 'others', '0646'],
    [0o620, 'its group', '0620'],
  ])('a file of mode %s is refused, and left as it is', (mode, who, shown) => {
    const {cwd, file} = freshDirectory();
    writeFile(file, plantedText, mode);
    expectRefused(
      cwd,
      file,
      `Bad owner or permissions on ${file}: writable by ${who} (mode ${shown}); fix it with chmod go-w ${file}`,
    );
  });

  it('the fix it names works: after chmod go-w the file is read, and a save makes it 0600', () => {
    const {cwd, file} = freshDirectory();
    writeFile(file, plantedText, 0o666);
    expect(openFavorites({cwd}).refusal).toMatch(/^Bad owner or permissions/);
    execFileSync('chmod', ['go-w', file]);
    const store = openFavorites({cwd});
    expect(store.refusal).toBeUndefined();
    expect(store.list()).toEqual([planted]);
    store.save(minimal);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('a store that was refused picks the file up once it is fixed, and refuses again if it is not', () => {
    const {cwd, file} = freshDirectory();
    writeFile(file, plantedText, 0o622);
    const store = openFavorites({cwd});
    expect(store.list()).toEqual([]);
    fs.chmodSync(file, 0o600);
    expect(store.list()).toEqual([planted]);
    expect(store.refusal).toBeUndefined();
    fs.chmodSync(file, 0o602);
    expect(store.list()).toEqual([]);
    expect(store.refusal).toMatch(/writable by others/);
  });

  it.each([
    [0o777, 'its group and others', '0777'],
    [0o770, 'its group', '0770'],
    [0o1777, 'its group and others', '1777'],
  ])(
    'a favorites directory of mode %s is refused, even without a file, and nothing is created',
    (mode, who, shown) => {
      const {cwd, file} = freshDirectory(mode);
      expectRefused(
        cwd,
        file,
        `Bad owner or permissions on ${cwd}: writable by ${who} (mode ${shown}); fix it with chmod go-w ${cwd}`,
      );
      expect(fs.readdirSync(cwd)).toEqual([]);
    },
  );

  it('a directory above it that others can write to is refused; a sticky one (like /tmp) is not', () => {
    const above = path.join(root, `above-${++counter}`);
    fs.mkdirSync(above);
    const cwd = path.join(above, 'config', 'tunnels-nodejs');
    fs.mkdirSync(cwd, {recursive: true, mode: 0o700});
    const file = path.join(cwd, 'favorites.json');
    fs.chmodSync(above, 0o777);
    expectRefused(
      cwd,
      file,
      `Bad owner or permissions on ${above}: writable by its group and others (mode 0777); fix it with chmod go-w ${above}`,
    );
    fs.chmodSync(above, 0o1777);
    const store = openFavorites({cwd});
    expect(store.refusal).toBeUndefined();
    store.save(minimal);
    expect(openFavorites({cwd}).list()).toEqual([minimal]);
  });

  it('a favorites directory not made yet, under one others can write to, is not made', () => {
    const above = path.join(root, `above-${++counter}`);
    fs.mkdirSync(above);
    fs.chmodSync(above, 0o757);
    const cwd = path.join(above, 'tunnels-nodejs');
    expectRefused(
      cwd,
      path.join(cwd, 'favorites.json'),
      /^Bad owner or permissions on .*above-\d+: writable by others \(mode 0757\)/,
      [above],
    );
    expect(fs.existsSync(cwd)).toBe(false);
  });

  it('a favorites directory reached through a link is used when both sides are safe, and checked where it leads', () => {
    const real = freshDirectory();
    const linked = path.join(root, `linked-${++counter}`);
    fs.symlinkSync(real.cwd, linked);
    openFavorites({cwd: linked}).save(minimal);
    expect(openFavorites({cwd: real.cwd}).list()).toEqual([minimal]);
    expect(fs.lstatSync(linked).isSymbolicLink()).toBe(true);

    // The link leads into a directory others can write to.
    const open = path.join(root, `open-${++counter}`);
    fs.mkdirSync(path.join(open, 'tunnels-nodejs'), {recursive: true, mode: 0o700});
    fs.chmodSync(open, 0o777);
    const throughLink = path.join(root, `linked-${++counter}`);
    fs.symlinkSync(path.join(open, 'tunnels-nodejs'), throughLink);
    expectRefused(
      throughLink,
      path.join(throughLink, 'favorites.json'),
      /^Bad owner or permissions on .*open-\d+: writable by its group and others/,
    );
  });
});

describe('favorites file: not a regular file, or too big', () => {
  it('a directory at the path is refused with a sentence', () => {
    const {cwd, file} = freshDirectory();
    fs.mkdirSync(file, {mode: 0o700});
    expectRefused(
      cwd,
      file,
      `favorites file ${file} is a directory, not a file; move it away (mv ${file} ${file}.old), and tunnels starts a new favorites file`,
    );
  });

  it('a FIFO is refused at once (never opened, so nothing blocks) and left there', () => {
    const {cwd, file} = freshDirectory();
    execFileSync('mkfifo', ['-m', '600', file]);
    expectRefused(
      cwd,
      file,
      `favorites file ${file} is a named pipe (FIFO), not a regular file; remove it (rm ${file})`,
    );
    expect(fs.lstatSync(file).isFIFO()).toBe(true);
  });

  it('a device like /dev/zero is refused (made with mknod: root only)', () => {
    if (process.getuid?.() !== 0)
      throw new Error('this test makes a device node with mknod and must run as root');
    const {cwd, file} = freshDirectory();
    execFileSync('mknod', ['-m', '600', file, 'c', '1', '5']);
    expectRefused(
      cwd,
      file,
      `favorites file ${file} is a character device, not a regular file; remove it (rm ${file})`,
    );
  });

  it('a link to /dev/zero is refused as a link, without reading from it', () => {
    const {cwd, file} = freshDirectory();
    fs.symlinkSync('/dev/zero', file);
    expectRefused(cwd, file, /is a symbolic link \(to \/dev\/zero\)/);
  });

  it(`a file over ${MAX_FILE_BYTES / 1024 / 1024} MiB is refused with its size; one at the limit is read`, () => {
    const {cwd, file} = freshDirectory();
    const padding = ' '.repeat(MAX_FILE_BYTES - plantedText.length);
    writeFile(file, plantedText + padding, 0o600);
    expect(fs.statSync(file).size).toBe(MAX_FILE_BYTES);
    expect(openFavorites({cwd}).list()).toEqual([planted]);
    writeFile(file, `${plantedText}${padding}${' '.repeat(4 * MAX_FILE_BYTES)}`, 0o600);
    expectRefused(
      cwd,
      file,
      `favorites file ${file} is 5 MiB, larger than a favorites file can be (1 MiB); it is not read; move it away (mv ${file} ${file}.big), and tunnels starts a new one`,
    );
  });

  it('a save that would pass the limit is refused, and the file stays as it was', () => {
    const {cwd, file} = freshDirectory();
    const store = openFavorites({cwd});
    store.save(minimal);
    const before = fs.readFileSync(file, 'utf8');
    const many = Array.from({length: 64}, (_, i) => `/keys/${'k'.repeat(4000)}${i}`);
    let error: unknown;
    for (let i = 0; i < 10 && error === undefined; i++) {
      try {
        store.save({...minimal, name: `big${i}`, identityFiles: many});
      } catch (caught) {
        error = caught;
      }
    }
    expect(String(error)).toMatch(
      /favorites would take 1(\.\d)? MiB, more than a favorites file can be \(1 MiB\); remove some first/,
    );
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).favorites.length).toBeGreaterThan(1);
    expect(fs.readFileSync(file, 'utf8')).not.toBe(before);
    expect(openFavorites({cwd}).refusal).toBeUndefined();
  });
});

describe('favorites file: reading changes nothing', () => {
  it('a 0644 file in a 0755 directory is read as it is (no chmod); only a save makes them 0600 and 0700', () => {
    const {cwd, file} = freshDirectory(0o755);
    writeFile(file, plantedText, 0o644);
    const before = snapshot(cwd);
    const directoryMode = fs.statSync(cwd).mode;
    const store = openFavorites({cwd});
    expect(store.list()).toEqual([planted]);
    expect(store.notices).toEqual([]);
    expect(snapshot(cwd)).toEqual(before);
    expect(fs.statSync(cwd).mode).toBe(directoryMode);
    store.save(minimal);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(cwd).mode & 0o777).toBe(0o700);
  });

  it('no directory is made by opening or listing; the first save makes it 0700 with the file 0600', () => {
    const cwd = path.join(root, `later-${++counter}`, 'tunnels-nodejs');
    const store = openFavorites({cwd});
    expect(store.list()).toEqual([]);
    expect(fs.existsSync(path.dirname(cwd))).toBe(false);
    store.save(minimal);
    expect(fs.statSync(cwd).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.dirname(cwd)).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(cwd, 'favorites.json')).mode & 0o777).toBe(0o600);
  });

  it('a save under a umask of 0o277 still writes 0600', () => {
    const {cwd, file} = freshDirectory();
    const saved = process.umask(0o277);
    try {
      openFavorites({cwd}).save(minimal);
    } finally {
      process.umask(saved);
    }
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('the default location is conf’s: $XDG_CONFIG_HOME/tunnels-nodejs', async () => {
    const saved = process.env.XDG_CONFIG_HOME;
    const xdg = path.join(root, `xdg-${++counter}`);
    process.env.XDG_CONFIG_HOME = xdg;
    try {
      expect(configDirectory('tunnels')).toBe(path.join(xdg, 'tunnels-nodejs'));
      expect(openFavorites().path).toBe(path.join(xdg, 'tunnels-nodejs', 'favorites.json'));
      // conf itself, asked the same (it makes the directory, which is why favorites no longer ask it).
      const {default: Conf} = await import('conf');
      expect(new Conf({projectName: 'tunnels', configName: 'favorites'}).path).toBe(openFavorites().path);
    } finally {
      if (saved === undefined) delete process.env.XDG_CONFIG_HOME;
      else process.env.XDG_CONFIG_HOME = saved;
    }
  });
});

describe('favorites file: owned by another user', () => {
  let other: Awaited<ReturnType<typeof createPasswordUser>>;
  let uid: number;

  beforeAll(async () => {
    other = await createPasswordUser();
    uid = Number(execFileSync('id', ['-u', other.name], {encoding: 'utf8'}).trim());
  });

  afterAll(async () => {
    await other?.remove();
  });

  it('a file of another user (0600, 0644 alike) is refused, naming the owner', () => {
    for (const mode of [0o600, 0o644]) {
      const {cwd, file} = freshDirectory();
      writeFile(file, plantedText, mode);
      fs.chownSync(file, uid, uid);
      expectRefused(
        cwd,
        file,
        `Bad owner or permissions on ${file}: owned by ${other.name} (uid ${uid}), not by you (root); check what it holds, then remove it or make it yours (chown root ${file}, as root)`,
      );
      expect(fs.statSync(file).uid).toBe(uid);
    }
  });

  it('a favorites directory of another user is refused, with or without a file in it', () => {
    const {cwd, file} = freshDirectory();
    fs.chownSync(cwd, uid, uid);
    expectRefused(
      cwd,
      file,
      new RegExp(`^Bad owner or permissions on ${cwd}: owned by ${other.name} \\(uid ${uid}\\)`),
    );
    writeFile(file, plantedText, 0o600);
    expectRefused(cwd, file, new RegExp(`^Bad owner or permissions on ${cwd}: owned by ${other.name}`));
  });

  it('a directory above it owned by another user is refused', () => {
    const above = path.join(root, `above-${++counter}`);
    const cwd = path.join(above, 'tunnels-nodejs');
    fs.mkdirSync(cwd, {recursive: true, mode: 0o700});
    fs.chownSync(above, uid, uid);
    expectRefused(
      cwd,
      path.join(cwd, 'favorites.json'),
      new RegExp(`^Bad owner or permissions on ${above}: owned by ${other.name}`),
    );
  });
});
