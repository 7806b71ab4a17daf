import {execFile} from 'node:child_process';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {
  checkHostKey,
  entryMatchesHost,
  fingerprintSha256,
  hostKeyName,
  hostKeyNames,
  type KnownHostEntry,
  keyTypeOf,
  knownHostName,
  knownHostsLine,
  knownKeyTypes,
  parseKnownHosts,
} from '../../../source/core/session/known-hosts.js';
import {loadKnownHosts} from '../../../source/core/session/known-hosts-file.js';
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

function only(entries: KnownHostEntry[]): KnownHostEntry {
  expect(entries).toHaveLength(1);
  return entries[0]!;
}

describe('keys from ssh-keygen', () => {
  it('reads the key type inside a blob', () => {
    expect(keyTypeOf(keys.ed25519.blob)).toBe('ssh-ed25519');
    expect(keyTypeOf(keys.ecdsa.blob)).toBe('ecdsa-sha2-nistp256');
    expect(keyTypeOf(keys.ecdsa384.blob)).toBe('ecdsa-sha2-nistp384');
    expect(keyTypeOf(keys.rsa.blob)).toBe('ssh-rsa');
    expect(() => keyTypeOf(Buffer.from([0, 0, 0, 9, 1]))).toThrow();
  });

  it('computes fingerprints exactly as ssh-keygen -l', async () => {
    for (const key of Object.values(keys)) {
      const {stdout} = await run(SSH_KEYGEN, ['-l', '-E', 'sha256', '-f', key.pubFile]);
      expect(stdout.split(' ')[1]).toBe(fingerprintSha256(key.blob));
      expect(fingerprintSha256(key.blob)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    }
  });
});

describe('knownHostName', () => {
  it('uses the bare host for port 22 and [host]:port otherwise, lower-cased', () => {
    expect(knownHostName('Example.COM', 22)).toBe('example.com');
    expect(knownHostName('Example.COM', 2222)).toBe('[example.com]:2222');
    expect(knownHostName('10.0.0.1', 22)).toBe('10.0.0.1');
    expect(knownHostName('::1', 2200)).toBe('[::1]:2200');
  });
});

describe('hostKeyName', () => {
  // What ssh does: `ssh -o HostKeyAlias=Foo.Example -p 2222 -o StrictHostKeyChecking=accept-new` writes
  // "foo.example <key>" (no port, lower-cased: `ssh -G` prints the alias lower-cased) and then finds it.
  it('is the alias alone, lower-cased, whatever the port; else the host as knownHostName gives it', () => {
    expect(hostKeyName('10.0.0.5', 2222, 'Foo.Example')).toBe('foo.example');
    expect(hostKeyName('10.0.0.5', 22, 'foo')).toBe('foo');
    expect(hostKeyName('Example.COM', 2222)).toBe('[example.com]:2222');
    expect(hostKeyName('example.com', 22)).toBe('example.com');
  });

  // ssh, finding nothing under "[host]:port", tries the bare host ("checking without port identifier" with
  // -v), but never with HostKeyAlias.
  it('adds the bare host off port 22 without an alias, for the lines that may cover it', () => {
    expect(hostKeyNames('A.Example.com', 2222)).toEqual(['[a.example.com]:2222', 'a.example.com']);
    expect(hostKeyNames('a.example.com', 22)).toEqual(['a.example.com']);
    expect(hostKeyNames('a.example.com', 2222, 'foo')).toEqual(['foo']);
  });

  it('finds what ssh wrote for an alias, and not "[alias]:port"', () => {
    const entries = parseKnownHosts(`foo ${keys.ed25519.text}\n[foo]:2222 ${keys.ed25519b.text}\n`, 'f');
    const name = hostKeyName('10.0.0.5', 2222, 'foo');
    expect(checkHostKey(entries, name, keys.ed25519.blob)).toEqual({status: 'known', entry: entries[0]});
    // The key under "[foo]:2222" is not this host's: ssh ignores that line, and the alias's own key differs.
    expect(checkHostKey(entries, name, keys.ed25519b.blob)).toEqual({
      status: 'changed',
      entries: [entries[0]],
    });
    expect(knownHostsLine(name, keys.rsa.blob)).toBe(`foo ${keys.rsa.text}`);
  });
});

describe('parseKnownHosts', () => {
  it('reads entries with 1-based line numbers and skips comments, blank and malformed lines', () => {
    const text = [
      '# a comment',
      '',
      `server.example.com,10.0.0.5 ${keys.ed25519.text} root@server`,
      '   ',
      `  # indented comment ${keys.rsa.text}`,
      'garbage',
      'host-only ssh-ed25519',
      `bad-base64 ssh-ed25519 AAAA$$$$`,
      `wrong-type ssh-rsa ${keys.ed25519.text.split(' ')[1]}`,
      '@unknown-marker * ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA==',
      'rsa1.example.com 2048 65537 1234567890',
      `\t[db.example.com]:2222\t${keys.ecdsa.text.replace(' ', '\t')}\r`,
      `@revoked * ${keys.rsa.text}`,
      `@cert-authority *.example.com ${keys.ed25519b.text} ca key`,
    ].join('\n');
    const entries = parseKnownHosts(text, '/x/known_hosts');
    expect(entries.map((entry) => [entry.line, entry.marker, entry.hostPatterns, entry.keyType])).toEqual([
      [3, undefined, 'server.example.com,10.0.0.5', 'ssh-ed25519'],
      [12, undefined, '[db.example.com]:2222', 'ecdsa-sha2-nistp256'],
      [13, 'revoked', '*', 'ssh-rsa'],
      [14, 'cert-authority', '*.example.com', 'ssh-ed25519'],
    ]);
    expect(entries[0]!.file).toBe('/x/known_hosts');
    expect(entries[0]!.key.equals(keys.ed25519.blob)).toBe(true);
    expect(entries[0]).not.toHaveProperty('marker');
    expect(entries[1]!.key.equals(keys.ecdsa.blob)).toBe(true);
  });
});

describe('entryMatchesHost', () => {
  const entry = (hostPatterns: string): KnownHostEntry => ({
    file: 'f',
    line: 1,
    hostPatterns,
    keyType: keys.ed25519.type,
    key: keys.ed25519.blob,
  });

  it('matches comma-separated names case-insensitively', () => {
    const e = entry('server.example.com,10.0.0.5,Other.Example.COM');
    expect(entryMatchesHost(e, 'server.example.com', 22)).toBe(true);
    expect(entryMatchesHost(e, 'SERVER.example.com', 22)).toBe(true);
    expect(entryMatchesHost(e, '10.0.0.5', 22)).toBe(true);
    expect(entryMatchesHost(e, 'other.example.com', 22)).toBe(true);
    expect(entryMatchesHost(e, 'server.example.org', 22)).toBe(false);
    expect(entryMatchesHost(e, 'server', 22)).toBe(false);
  });

  it('needs [host]:port for other ports', () => {
    expect(entryMatchesHost(entry('server'), 'server', 2222)).toBe(false);
    expect(entryMatchesHost(entry('[server]:2222'), 'server', 2222)).toBe(true);
    expect(entryMatchesHost(entry('[server]:2222'), 'server', 2223)).toBe(false);
    expect(entryMatchesHost(entry('[server]:2222'), 'server', 22)).toBe(false);
    expect(entryMatchesHost(entry('[server]:22'), 'server', 22)).toBe(false);
    expect(entryMatchesHost(entry('[*.example.com]:*'), 'a.example.com', 2222)).toBe(true);
  });

  it('supports * and ? wildcards', () => {
    expect(entryMatchesHost(entry('*.example.com'), 'a.b.example.com', 22)).toBe(true);
    expect(entryMatchesHost(entry('*.example.com'), 'example.com', 22)).toBe(false);
    expect(entryMatchesHost(entry('*.example.com'), 'a.example.com', 2222)).toBe(false);
    expect(entryMatchesHost(entry('web?'), 'web1', 22)).toBe(true);
    expect(entryMatchesHost(entry('web?'), 'web', 22)).toBe(false);
    expect(entryMatchesHost(entry('web?'), 'web12', 22)).toBe(false);
    expect(entryMatchesHost(entry('10.0.0.?'), '10.0.0.7', 22)).toBe(true);
    expect(entryMatchesHost(entry('10.0.0.?'), '10.0.0x7', 22)).toBe(false);
    expect(entryMatchesHost(entry('*'), '[anything]:99', 99)).toBe(true);
  });

  it('lets a matching negated pattern veto the entry', () => {
    const e = entry('*.example.com,!secret.example.com');
    expect(entryMatchesHost(e, 'www.example.com', 22)).toBe(true);
    expect(entryMatchesHost(e, 'secret.example.com', 22)).toBe(false);
    expect(entryMatchesHost(entry('!secret.example.com'), 'www.example.com', 22)).toBe(false);
  });

  it('matches entries hashed by ssh-keygen -H', async () => {
    const file = path.join(dir, 'hashed_known_hosts');
    await writeFile(
      file,
      `server.example.com ${keys.ed25519.text}\n[server.example.com]:2222 ${keys.ecdsa.text}\n10.1.2.3 ${keys.rsa.text}\n`,
    );
    await run(SSH_KEYGEN, ['-H', '-f', file]);
    const entries = parseKnownHosts(await readFile(file, 'utf8'), file);
    expect(entries).toHaveLength(3);
    for (const e of entries) expect(e.hostPatterns).toMatch(/^\|1\|[A-Za-z0-9+/]{27}=\|[A-Za-z0-9+/]{27}=$/);
    const [ed, ecdsa, rsa] = entries as [KnownHostEntry, KnownHostEntry, KnownHostEntry];
    expect(entryMatchesHost(ed, 'server.example.com', 22)).toBe(true);
    expect(entryMatchesHost(ed, 'Server.Example.com', 22)).toBe(true);
    expect(entryMatchesHost(ed, 'server.example.com', 2222)).toBe(false);
    expect(entryMatchesHost(ed, 'other.example.com', 22)).toBe(false);
    expect(entryMatchesHost(ecdsa, 'server.example.com', 2222)).toBe(true);
    expect(entryMatchesHost(ecdsa, 'server.example.com', 22)).toBe(false);
    expect(entryMatchesHost(rsa, '10.1.2.3', 22)).toBe(true);
    expect(checkHostKey(entries, '[server.example.com]:2222', keys.ecdsa.blob)).toEqual({
      status: 'known',
      entry: ecdsa,
    });
  });

  it('rejects malformed hashed entries', () => {
    expect(entryMatchesHost(entry('|1|notbase64|abc'), 'server', 22)).toBe(false);
    expect(entryMatchesHost(entry('|2|AAAA|AAAA'), 'server', 22)).toBe(false);
    expect(entryMatchesHost(entry('|1|AAAA|AAAA'), 'server', 22)).toBe(false);
  });
});

describe('checkHostKey', () => {
  const file = 'known_hosts';

  it('finds the known key among several types', () => {
    const entries = parseKnownHosts(
      [
        `other.example.com ${keys.ed25519b.text}`,
        `server.example.com ${keys.rsa.text}`,
        `server.example.com,10.0.0.5 ${keys.ed25519.text}`,
      ].join('\n'),
      file,
    );
    expect(checkHostKey(entries, 'server.example.com', keys.ed25519.blob)).toEqual({
      status: 'known',
      entry: entries[2],
    });
    expect(checkHostKey(entries, '10.0.0.5', keys.ed25519.blob)).toMatchObject({status: 'known'});
    expect(checkHostKey(entries, 'server.example.com', keys.rsa.blob)).toEqual({
      status: 'known',
      entry: entries[1],
    });
  });

  it('reports a changed key of the same type', () => {
    const entries = parseKnownHosts(
      [`server.example.com ${keys.ed25519.text}`, `*.example.com ${keys.ed25519b.text}`].join('\n'),
      file,
    );
    // Another entry has the exact key: known wins over the mismatching one.
    expect(checkHostKey(entries, 'server.example.com', keys.ed25519b.blob)).toEqual({
      status: 'known',
      entry: entries[1],
    });
    const changed = parseKnownHosts(`server.example.com ${keys.ed25519.text}\n`, file);
    expect(checkHostKey(changed, 'server.example.com', keys.ed25519b.blob)).toEqual({
      status: 'changed',
      entries: changed,
    });
    // The same host on another port is a different host.
    expect(checkHostKey(changed, '[server.example.com]:2222', keys.ed25519b.blob)).toEqual({
      status: 'unknown',
      otherTypes: [],
    });
  });

  it('treats ECDSA curves as different types', () => {
    const entries = parseKnownHosts(`server ${keys.ecdsa.text}\n`, file);
    expect(checkHostKey(entries, 'server', keys.ecdsa384.blob)).toEqual({
      status: 'unknown',
      otherTypes: entries,
    });
  });

  it('lists entries of other types when this type is unknown', () => {
    const entries = parseKnownHosts(
      [`server ${keys.rsa.text}`, `server ${keys.ecdsa.text}`, `elsewhere ${keys.ed25519b.text}`].join('\n'),
      file,
    );
    expect(checkHostKey(entries, 'server', keys.ed25519.blob)).toEqual({
      status: 'unknown',
      otherTypes: [entries[0], entries[1]],
    });
    expect(checkHostKey([], 'server', keys.ed25519.blob)).toEqual({status: 'unknown', otherTypes: []});
  });

  it('lets @revoked win over a plain entry with the same key', () => {
    const entries = parseKnownHosts(
      [
        `server ${keys.ed25519.text}`,
        `@revoked * ${keys.ed25519.text}`,
        `@revoked nomatch ${keys.rsa.text}`,
      ].join('\n'),
      file,
    );
    expect(checkHostKey(entries, 'server', keys.ed25519.blob)).toEqual({
      status: 'revoked',
      entry: entries[1],
    });
    // A revoked key whose host field does not match this host does not apply.
    const other = parseKnownHosts(`server ${keys.rsa.text}\n@revoked nomatch ${keys.rsa.text}`, file);
    expect(checkHostKey(other, 'server', keys.rsa.blob)).toMatchObject({status: 'known'});
  });

  // ssh, offered a plain key, skips @cert-authority lines and calls the key new (it asks, or adds it with
  // accept-new); it is protected only when it can ask the server for a certificate, which ssh2 cannot.
  // So here a host the lines cover gets a verdict of its own, which verifyHostKey refuses.
  it('gives a host covered by @cert-authority lines its own verdict, after revoked, known and changed', () => {
    const ca = parseKnownHosts(
      `@cert-authority *.example.com,!db.example.com ${keys.ed25519b.text}
`,
      file,
    );
    expect(checkHostKey(ca, 'www.example.com', keys.ed25519.blob)).toEqual({
      status: 'cert-authority',
      entries: ca,
    });
    // Even the CA's own key, offered as a plain host key, is not a known host key.
    expect(checkHostKey(ca, 'www.example.com', keys.ed25519b.blob)).toMatchObject({status: 'cert-authority'});
    // Hosts the line does not cover stay unknown.
    expect(checkHostKey(ca, 'db.example.com', keys.ed25519.blob)).toEqual({
      status: 'unknown',
      otherTypes: [],
    });
    expect(checkHostKey(ca, 'www.example.org', keys.ed25519.blob)).toMatchObject({status: 'unknown'});
    expect(checkHostKey(ca, '[www.example.com]:2222', keys.ed25519.blob)).toMatchObject({status: 'unknown'});

    const mixed = parseKnownHosts(
      [
        `@cert-authority * ${keys.ed25519b.text}`,
        `server ${keys.ed25519.text}`,
        `server ${keys.rsa.text}`,
        `@revoked server ${keys.ecdsa384.text}`,
      ].join('\n'),
      file,
    );
    // A plain line with exactly this key: known, as ssh accepts it (the line is the user's own trust).
    expect(checkHostKey(mixed, 'server', keys.ed25519.blob)).toEqual({status: 'known', entry: mixed[1]});
    // A plain line of the same type with another key: changed, as ssh says for a plain key.
    expect(checkHostKey(mixed, 'server', keys.ed25519b.blob)).toEqual({
      status: 'changed',
      entries: [mixed[1]],
    });
    // Only other types are known: still the CA's host, not a host to ask about.
    expect(checkHostKey(mixed, 'server', keys.ecdsa.blob)).toEqual({
      status: 'cert-authority',
      entries: [mixed[0]],
    });
    expect(checkHostKey(mixed, 'server', keys.ecdsa384.blob)).toMatchObject({status: 'revoked'});
  });

  // ssh found `@cert-authority 127.0.0.1 <ca>` for a server on 127.0.0.1:22999 and checked its certificate
  // with it ("checking without port identifier"), so such a line covers the host on every port.
  it('lets a @cert-authority line for the bare host cover it off port 22, unless HostKeyAlias is used', () => {
    const entries = parseKnownHosts(
      `@cert-authority *.example.com ${keys.ed25519b.text}\na.example.com ${keys.ed25519.text}\n`,
      file,
    );
    const names = hostKeyNames('a.example.com', 2222);
    expect(checkHostKey(entries, names[0]!, keys.ed25519.blob, names)).toEqual({
      status: 'cert-authority',
      entries: [entries[0]],
    });
    // Without the bare name, as before: unknown (the plain line for port 22 is not used off it).
    expect(checkHostKey(entries, names[0]!, keys.ed25519.blob)).toEqual({status: 'unknown', otherTypes: []});
    const alias = hostKeyNames('a.example.com', 2222, 'foo');
    expect(checkHostKey(entries, alias[0]!, keys.ed25519.blob, alias)).toMatchObject({status: 'unknown'});
  });

  it('matches @cert-authority lines with hashed host fields, and under a HostKeyAlias', () => {
    const hashed = knownHostsLine('[server.example.com]:2222', keys.ed25519b.blob, true);
    const entries = parseKnownHosts(
      `@cert-authority ${hashed}\n@cert-authority alias ${keys.rsa.text}\n`,
      file,
    );
    expect(checkHostKey(entries, '[server.example.com]:2222', keys.ed25519.blob)).toEqual({
      status: 'cert-authority',
      entries: [entries[0]],
    });
    expect(checkHostKey(entries, 'server.example.com', keys.ed25519.blob)).toMatchObject({status: 'unknown'});
    expect(
      checkHostKey(entries, hostKeyName('server.example.com', 2222, 'Alias'), keys.ed25519.blob),
    ).toEqual({
      status: 'cert-authority',
      entries: [entries[1]],
    });
  });

  it('honours negation in host fields', () => {
    const entries = parseKnownHosts(`*.example.com,!db.example.com ${keys.ed25519.text}\n`, file);
    expect(checkHostKey(entries, 'www.example.com', keys.ed25519.blob)).toMatchObject({status: 'known'});
    expect(checkHostKey(entries, 'db.example.com', keys.ed25519.blob)).toEqual({
      status: 'unknown',
      otherTypes: [],
    });
  });
});

describe('knownKeyTypes', () => {
  it('lists the plain key types known for a host in file order, once each', () => {
    const entries = parseKnownHosts(
      [
        `@revoked server ${keys.rsa.text}`,
        `server ${keys.ecdsa.text}`,
        `other ${keys.rsa.text}`,
        `server,alias ${keys.ed25519.text}`,
        `@cert-authority * ${keys.ecdsa384.text}`,
        `*.example.com,server ${keys.ed25519b.text}`,
        `[server]:2222 ${keys.rsa.text}`,
      ].join('\n'),
      'f',
    );
    expect(knownKeyTypes(entries, 'server')).toEqual(['ecdsa-sha2-nistp256', 'ssh-ed25519']);
    expect(knownKeyTypes(entries, '[server]:2222')).toEqual(['ssh-rsa']);
    expect(knownKeyTypes(entries, 'nowhere')).toEqual([]);
  });
});

describe('knownHostsLine', () => {
  it('writes plain lines that parse back and that ssh-keygen -F finds', async () => {
    const file = path.join(dir, 'written_plain');
    const lines = [
      knownHostsLine(hostKeyName('Server.Example.com', 22), keys.ed25519.blob),
      knownHostsLine('[server.example.com]:2222', keys.rsa.blob),
    ];
    expect(lines[0]).toBe(`server.example.com ${keys.ed25519.text}`);
    expect(lines[1]).toBe(`[server.example.com]:2222 ${keys.rsa.text}`);
    await writeFile(file, `${lines.join('\n')}\n`);
    const {stdout} = await run(SSH_KEYGEN, ['-F', '[server.example.com]:2222', '-f', file]);
    expect(stdout).toContain(keys.rsa.text);
    const entries = await loadKnownHosts([file]);
    expect(checkHostKey(entries, 'server.example.com', keys.ed25519.blob)).toMatchObject({
      status: 'known',
    });
  });

  it('writes hashed lines with a fresh salt that OpenSSH recognises', async () => {
    const file = path.join(dir, 'written_hashed');
    const first = knownHostsLine('[server.example.com]:2222', keys.ecdsa.blob, true);
    const second = knownHostsLine('[server.example.com]:2222', keys.ecdsa.blob, true);
    expect(first).toMatch(/^\|1\|[A-Za-z0-9+/]{27}=\|[A-Za-z0-9+/]{27}= ecdsa-sha2-nistp256 /);
    expect(first.endsWith(keys.ecdsa.text)).toBe(true);
    expect(first).not.toBe(second);
    await writeFile(file, `${first}\n`);
    const found = await run(SSH_KEYGEN, ['-F', '[server.example.com]:2222', '-f', file]);
    expect(found.stdout).toContain(keys.ecdsa.text.split(' ')[1]);
    await expect(run(SSH_KEYGEN, ['-F', 'server.example.com', '-f', file])).rejects.toThrow();
    const entries = parseKnownHosts(await readFile(file, 'utf8'), file);
    expect(entryMatchesHost(only(entries), 'server.example.com', 2222)).toBe(true);
    expect(entryMatchesHost(only(entries), 'server.example.com', 22)).toBe(false);
  });
});
