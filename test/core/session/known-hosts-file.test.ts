import {execFile} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {chmod, mkdtemp, readFile, rm, stat, truncate, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {build} from 'esbuild';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {
  checkHostKey,
  hostKeyNames,
  knownHostsLine,
  parseKnownHosts,
} from '../../../source/core/session/known-hosts.js';
import {
  appendKnownHost,
  loadKnownHosts,
  MAX_KNOWN_HOSTS_BYTES,
} from '../../../source/core/session/known-hosts-file.js';
import {generateTestKeys, SSH_KEYGEN, type TestKeys} from '../../helpers/test-keys.js';

const run = promisify(execFile);

let dir: string;
const keys = {} as TestKeys;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tunnels-known-hosts-'));
  Object.assign(keys, await generateTestKeys(dir));
});

afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe('loadKnownHosts', () => {
  it('reads several files, treating missing ones as empty and expanding ~/', async () => {
    const home = await mkdtemp(path.join(dir, 'home-'));
    const previousHome = process.env.HOME;
    process.env.HOME = home;
    try {
      await appendKnownHost('~/.ssh/known_hosts', `server ${keys.ed25519.text}`);
      const other = path.join(dir, 'other_known_hosts');
      await writeFile(other, `# comment\nserver ${keys.rsa.text}\n`);
      const entries = await loadKnownHosts(['~/.ssh/known_hosts', path.join(dir, 'missing'), other]);
      expect(entries.map((entry) => [entry.file, entry.line, entry.keyType])).toEqual([
        [path.join(home, '.ssh', 'known_hosts'), 1, 'ssh-ed25519'],
        [other, 2, 'ssh-rsa'],
      ]);
      expect(await loadKnownHosts(['~/.ssh/nothing', '/nonexistent/dir/known_hosts'])).toEqual([]);
    } finally {
      process.env.HOME = previousHome;
    }
  });
});

/** An ed25519 public key blob of random bytes: parses as ssh's sshkey_read would take it. */
function randomEd25519(): Buffer {
  const type = Buffer.from('ssh-ed25519');
  const blob = Buffer.alloc(4 + type.length + 4 + 32);
  blob.writeUInt32BE(type.length, 0);
  type.copy(blob, 4);
  blob.writeUInt32BE(32, 4 + type.length);
  randomBytes(32).copy(blob, 8 + type.length);
  return blob;
}

describe('loadKnownHosts: big files and files that are not known_hosts', () => {
  it('keeps only the lines for the name looked up, decoding no others', async () => {
    const file = path.join(dir, 'filtered');
    await writeFile(
      file,
      [
        `other ${keys.rsa.text}`,
        `@cert-authority *.example.com ${keys.ed25519b.text}`,
        `server.example.com,10.0.0.5 ${keys.ed25519.text}`,
        `[server.example.com]:2222 ${keys.ecdsa.text}`,
        `@revoked * ${keys.rsa.text}`,
        'server.example.com ssh-ed25519 not-base64',
      ].join('\n'),
    );
    const entries = await loadKnownHosts([file], ['server.example.com']);
    expect(entries.map((entry) => [entry.line, entry.marker ?? 'plain', entry.keyType])).toEqual([
      [2, 'cert-authority', 'ssh-ed25519'],
      [3, 'plain', 'ssh-ed25519'],
      [5, 'revoked', 'ssh-rsa'],
    ]);
    expect((await loadKnownHosts([file])).map((entry) => entry.line)).toEqual([1, 2, 3, 4, 5]);
    // Off port 22, the bare host's @cert-authority lines too, but not its plain lines.
    const offPort = await loadKnownHosts([file], hostKeyNames('server.example.com', 2222));
    expect(offPort.map((entry) => [entry.line, entry.marker ?? 'plain'])).toEqual([
      [2, 'cert-authority'],
      [4, 'plain'],
      [5, 'revoked'],
    ]);
    expect(parseKnownHosts(await readFile(file, 'utf8'), file, ['[server.example.com]:2222'])).toEqual([
      expect.objectContaining({line: 4, keyType: 'ecdsa-sha2-nistp256'}),
      expect.objectContaining({line: 5, marker: 'revoked'}),
    ]);
  });

  // The issue's file: 130,000 hashed entries, 18 MB. Before, `push(...entries)` threw "Maximum call stack
  // size exceeded" and the host could not be reached; ssh connects with it (+0.4 s here: it reads the file
  // twice, once to order host key algorithms and once to check the key).
  it('reads 130,000 hashed entries (18 MB) in one pass, and finds the host among them', async () => {
    const file = path.join(dir, 'known_hosts-130k');
    const lines: string[] = [];
    for (let index = 0; index < 130_000; index++) {
      lines.push(
        knownHostsLine(`[host${index}.example.com]:${2000 + (index % 1000)}`, randomEd25519(), true),
      );
    }
    lines.splice(100_000, 0, knownHostsLine('[server.example.com]:2222', keys.ed25519.blob, true));
    await writeFile(file, `${lines.join('\n')}\n`);
    expect((await stat(file)).size).toBeGreaterThan(18_000_000);

    let started = performance.now();
    const entries = await loadKnownHosts([file], hostKeyNames('server.example.com', 2222));
    const filteredMs = performance.now() - started;
    expect(entries).toHaveLength(1);
    expect(entries[0]!.line).toBe(100_001);
    expect(checkHostKey(entries, '[server.example.com]:2222', keys.ed25519.blob)).toMatchObject({
      status: 'known',
    });
    started = performance.now();
    const all = await loadKnownHosts([file]);
    const allMs = performance.now() - started;
    expect(all).toHaveLength(130_001);
    console.log(
      `130,001 hashed entries: ${filteredMs.toFixed(0)} ms for one host's lines, ${allMs.toFixed(0)} ms for all`,
    );
    // Generous, for 2 shared cores: what this guards against is a pass per entry, or a stack per entry.
    expect(filteredMs).toBeLessThan(10_000);
    // ssh-keygen (OpenSSH's own reader) finds the same line.
    const {stdout} = await run(SSH_KEYGEN, ['-F', '[server.example.com]:2222', '-f', file]);
    expect(stdout).toContain('line 100001');
  }, 60_000);

  // ssh, given /dev/zero, grows one line until memory runs out (with `ulimit -v 1000000` it stopped at 530
  // MB and called the key unknown); tunnels read 630 MB and failed with "Invalid string length".
  it('refuses /dev/zero, a pipe and a directory with a sentence, and reads /dev/null as empty', async () => {
    await expect(loadKnownHosts(['/dev/zero'])).rejects.toThrow(
      'the known_hosts file /dev/zero is a character device, not a regular file, so tunnels does not read it; name a file with -o UserKnownHostsFile= (or GlobalKnownHostsFile=), or /dev/null for none',
    );
    expect(await loadKnownHosts(['/dev/null', `${dir}/missing`], ['server'])).toEqual([]);
    // ssh blocks on a pipe nobody writes to (it waits for a writer); this must return at once.
    const fifo = path.join(dir, 'fifo');
    await run('mkfifo', [fifo]);
    await expect(loadKnownHosts([fifo])).rejects.toThrow(
      `the known_hosts file ${fifo} is a pipe, not a regular file`,
    );
    await expect(loadKnownHosts([dir])).rejects.toThrow(`the known_hosts file ${dir} is a directory`);
  });

  it('refuses a file too big to be a known_hosts before reading it', async () => {
    const file = path.join(dir, 'sparse');
    await writeFile(file, '');
    await truncate(file, MAX_KNOWN_HOSTS_BYTES + 1);
    const started = performance.now();
    await expect(loadKnownHosts([file])).rejects.toThrow(
      `the known_hosts file ${file} is 256.0 MiB, more than tunnels reads (256 MiB): is it a known_hosts file?`,
    );
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('skips binary and over-long lines without holding them, as ssh skips what it cannot parse', async () => {
    const file = path.join(dir, 'mixed');
    const chunk = 1024 * 1024;
    // A comment that ends one byte before the first 1 MiB read ends, so the 'ö' of the next line is split
    // between two reads.
    const comment = `#${'p'.repeat(chunk - 3)}\n`;
    const binary = randomBytes(64 * 1024);
    const parts = [
      Buffer.from(comment),
      Buffer.from(`höst ${keys.ed25519.text}\r\n`),
      Buffer.from(`${'x'.repeat(3 * chunk)} ${keys.rsa.text}\n`),
      Buffer.from(`server ${keys.rsa.text}\n`),
      Buffer.from([0, 0, 0]),
      binary,
      Buffer.from(`\nserver ${keys.ecdsa.text}`),
    ];
    await writeFile(file, Buffer.concat(parts));
    expect(Buffer.from(comment).length).toBe(chunk - 1);
    const [first] = await loadKnownHosts([file], ['höst']);
    expect(first).toMatchObject({line: 2, hostPatterns: 'höst', keyType: 'ssh-ed25519'});
    const binaryLines = binary.toString('latin1').split('\n').length;
    const server = await loadKnownHosts([file], ['server']);
    expect(server.map((entry) => [entry.line, entry.keyType])).toEqual([
      [4, 'ssh-rsa'],
      [5 + binaryLines, 'ecdsa-sha2-nistp256'],
    ]);
  });

  it('says a file it may not read cannot be checked', async () => {
    const file = path.join(dir, 'unreadable');
    await writeFile(file, `server ${keys.rsa.text}\n`, {mode: 0o000});
    const expected = `cannot read the known_hosts file ${file} (permission denied), so the server's host key cannot be checked`;
    if (process.getuid?.() !== 0) {
      await expect(loadKnownHosts([file])).rejects.toThrow(expected);
      return;
    }
    // Root reads any file: the reader is bundled and run as nobody, for whom the file is unreadable.
    const script = path.join(dir, 'load-known-hosts.mjs');
    await build({
      stdin: {
        contents: `import {loadKnownHosts} from ${JSON.stringify(path.resolve('source/core/session/known-hosts-file.ts'))};
loadKnownHosts([process.argv[2]]).then(() => console.log('read'), (error) => console.log(error.message));`,
        resolveDir: process.cwd(),
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: script,
      logLevel: 'silent',
    });
    await chmod(dir, 0o755);
    await chmod(script, 0o644);
    const {stdout} = await run(process.execPath, [script, file], {uid: 65534, gid: 65534, timeout: 10_000});
    expect(stdout).toContain(expected);
  });
});

describe('appendKnownHost', () => {
  it('creates the directory (0700) and the file (0600)', async () => {
    const file = path.join(dir, 'fresh', 'sub', 'known_hosts');
    const line = knownHostsLine('server', keys.ed25519.blob);
    await appendKnownHost(file, line);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    expect(await readFile(file, 'utf8')).toBe(`${line}\n`);
    await appendKnownHost(file, knownHostsLine('other', keys.rsa.blob));
    expect(await readFile(file, 'utf8')).toBe(`${line}\nother ${keys.rsa.text}\n`);
  });

  it('adds a newline first when the file does not end with one', async () => {
    const file = path.join(dir, 'no_newline');
    await writeFile(file, `first ${keys.rsa.text}`, {mode: 0o644});
    await appendKnownHost(file, `second ${keys.ed25519.text}`);
    expect(await readFile(file, 'utf8')).toBe(`first ${keys.rsa.text}\nsecond ${keys.ed25519.text}\n`);
    // An existing file keeps its mode.
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    const entries = await loadKnownHosts([file]);
    expect(entries.map((entry) => entry.hostPatterns)).toEqual(['first', 'second']);
  });

  it('appends to an empty file without a leading newline', async () => {
    const file = path.join(dir, 'empty');
    await writeFile(file, '');
    await appendKnownHost(file, `host ${keys.ed25519.text}`);
    expect(await readFile(file, 'utf8')).toBe(`host ${keys.ed25519.text}\n`);
  });
});
