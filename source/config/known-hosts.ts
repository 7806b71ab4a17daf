// Reading and checking OpenSSH known_hosts files, following OpenSSH's hostfile.c and match.c
// (see sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT").
import {createHash, createHmac, randomBytes} from 'node:crypto';
import {mkdir, open, readFile} from 'node:fs/promises';
import path from 'node:path';
import {expandHome, matchPattern} from './paths.js';

export interface KnownHostEntry {
  file: string;
  /** 1-based line number. */
  line: number;
  marker?: 'revoked' | 'cert-authority';
  /** The raw host field. */
  hostPatterns: string;
  /** E.g. 'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ssh-rsa'. */
  keyType: string;
  /** Decoded key blob. */
  key: Buffer;
}

export type HostKeyVerdict =
  | {status: 'known'; entry: KnownHostEntry}
  | {status: 'revoked'; entry: KnownHostEntry}
  /** The host is known with the same key type but a different key: possible man-in-the-middle. */
  | {status: 'changed'; entries: KnownHostEntry[]}
  /** Nothing of this type is known for the host (entries of other types are listed). */
  | {status: 'unknown'; otherTypes: KnownHostEntry[]};

const SSH_DEFAULT_PORT = 22;
const HASH_MAGIC = '|1|';
const SHA1_LENGTH = 20;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Reads the first SSH string of a blob; undefined when the blob is too short. */
function readKeyType(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  if (length === 0 || 4 + length > blob.length) return undefined;
  return blob.toString('latin1', 4, 4 + length);
}

function decodeBase64(text: string): Buffer | undefined {
  if (text.length % 4 !== 0 || !BASE64.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}

/** Parses known_hosts text, skipping blank, comment and malformed lines. */
export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const content = lines[index]!.trim();
    if (content === '' || content.startsWith('#')) continue;
    const fields = content.split(/[ \t]+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]?.startsWith('@')) {
      const name = fields.shift();
      if (name === '@revoked') marker = 'revoked';
      else if (name === '@cert-authority') marker = 'cert-authority';
      else continue; // Unknown marker: OpenSSH skips the line.
    }
    const [hostPatterns, keyType, keyText] = fields;
    if (hostPatterns === undefined || keyType === undefined || keyText === undefined) continue;
    const key = decodeBase64(keyText);
    // OpenSSH's sshkey_read rejects a blob whose embedded type differs from the named one.
    if (key === undefined || readKeyType(key) !== keyType) continue;
    const entry: KnownHostEntry = {file, line: index + 1, hostPatterns, keyType, key};
    if (marker !== undefined) entry.marker = marker;
    entries.push(entry);
  }
  return entries;
}

/** The name OpenSSH looks up and writes: "host" for port 22, "[host]:port" otherwise. Host is lower-cased. */
export function knownHostName(host: string, port: number): string {
  const name = host.toLowerCase();
  return port === SSH_DEFAULT_PORT ? name : `[${name}]:${port}`;
}

/** OpenSSH's match_hostname: comma-separated patterns, case-insensitive; 1 match, 0 none, -1 negated match. */
function matchHostname(name: string, patternList: string): -1 | 0 | 1 {
  let positive = false;
  for (const item of patternList.split(',')) {
    const negated = item.startsWith('!');
    const pattern = (negated ? item.slice(1) : item).toLowerCase();
    if (matchPattern(name, pattern)) {
      if (negated) return -1;
      positive = true;
    }
  }
  return positive ? 1 : 0;
}

function hashHostName(name: string, salt: Buffer): string {
  const digest = createHmac('sha1', salt).update(name).digest();
  return `${HASH_MAGIC}${salt.toString('base64')}|${digest.toString('base64')}`;
}

function matchesName(hostPatterns: string, name: string): boolean {
  if (hostPatterns.startsWith('|')) {
    if (!hostPatterns.startsWith(HASH_MAGIC)) return false;
    const saltText = hostPatterns.slice(HASH_MAGIC.length).split('|')[0];
    const salt = saltText === undefined ? undefined : decodeBase64(saltText);
    if (salt === undefined || salt.length !== SHA1_LENGTH) return false;
    return hashHostName(name, salt) === hostPatterns;
  }
  return matchHostname(name, hostPatterns) === 1;
}

/**
 * Does this entry's host field match? Plain comma-separated patterns with * and ? wildcards and !negation
 * (a matching negated pattern means no match), "[host]:port" entries, and hashed entries
 * "|1|base64salt|base64(HMAC-SHA1(salt, knownHostName))".
 */
export function entryMatchesHost(entry: KnownHostEntry, host: string, port: number): boolean {
  return matchesName(entry.hostPatterns, knownHostName(host, port));
}

/**
 * Checks a server's host key blob. Order as OpenSSH: a matching @revoked entry for this key wins; then any
 * plain entry with exactly this key → known; then entries of the same type with another key → changed;
 * else unknown. @cert-authority lines are ignored for plain keys.
 */
export function checkHostKey(
  entries: KnownHostEntry[],
  host: string,
  port: number,
  keyBlob: Buffer,
): HostKeyVerdict {
  const name = knownHostName(host, port);
  const matching = entries.filter((entry) => matchesName(entry.hostPatterns, name));
  const revoked = matching.find((entry) => entry.marker === 'revoked' && entry.key.equals(keyBlob));
  if (revoked) return {status: 'revoked', entry: revoked};
  const plain = matching.filter((entry) => entry.marker === undefined);
  const known = plain.find((entry) => entry.key.equals(keyBlob));
  if (known) return {status: 'known', entry: known};
  const type = readKeyType(keyBlob);
  const sameType = plain.filter((entry) => entry.keyType === type);
  if (sameType.length > 0) return {status: 'changed', entries: sameType};
  return {status: 'unknown', otherTypes: plain};
}

/** Key types known for the host (plain entries), in file order, de-duplicated: used to prefer those host key algorithms, as OpenSSH does. */
export function knownKeyTypes(entries: KnownHostEntry[], host: string, port: number): string[] {
  const name = knownHostName(host, port);
  const types = new Set<string>();
  for (const entry of entries) {
    if (entry.marker === undefined && matchesName(entry.hostPatterns, name)) types.add(entry.keyType);
  }
  return [...types];
}

/** The key type named inside an SSH key blob (its first string). */
export function keyTypeOf(keyBlob: Buffer): string {
  const type = readKeyType(keyBlob);
  if (type === undefined) throw new Error('Malformed SSH key blob');
  return type;
}

/** "SHA256:" + unpadded base64 of sha256(blob), exactly as ssh-keygen -l prints it. */
export function fingerprintSha256(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** A line to append: "<knownHostName> <type> <base64>" or, hashed, "|1|salt|hash <type> <base64>" with a random 20-byte salt. */
export function knownHostsLine(host: string, port: number, keyBlob: Buffer, hashed = false): string {
  const name = knownHostName(host, port);
  const field = hashed ? hashHostName(name, randomBytes(SHA1_LENGTH)) : name;
  return `${field} ${keyTypeOf(keyBlob)} ${keyBlob.toString('base64')}`;
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Reads several files (missing ones are empty; "~/" expanded against os.homedir() or the HOME env var), returns all entries. */
export async function loadKnownHosts(files: string[]): Promise<KnownHostEntry[]> {
  const entries: KnownHostEntry[] = [];
  for (const file of files) {
    const resolved = expandHome(file);
    let text: string;
    try {
      text = await readFile(resolved, 'utf8');
    } catch (error) {
      if (isMissing(error)) continue;
      throw error;
    }
    entries.push(...parseKnownHosts(text, resolved));
  }
  return entries;
}

/** Appends a line, creating the parent directory (mode 0700) and the file (mode 0600) if missing, and adding a newline first if the file does not end with one. */
export async function appendKnownHost(file: string, line: string): Promise<void> {
  const resolved = expandHome(file);
  await mkdir(path.dirname(resolved), {recursive: true, mode: 0o700});
  const handle = await open(resolved, 'a+', 0o600);
  try {
    const {size} = await handle.stat();
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = '\n';
    }
    await handle.appendFile(`${prefix}${line.replace(/\n+$/, '')}\n`);
  } finally {
    await handle.close();
  }
}
