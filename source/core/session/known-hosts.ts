// Parsing and checking OpenSSH known_hosts lines, following OpenSSH's hostfile.c and match.c
// (see sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT"); the files are read and appended to in known-hosts-file.ts.
import {createHash, createHmac, randomBytes} from 'node:crypto';
import {matchPattern} from '../../text/ssh-pattern.js';

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
  /**
   * No plain line has this key, and @cert-authority lines cover the host: ssh would check a host certificate,
   * which tunnels cannot, so the key must not be taken as merely unknown (asked about or accepted as new).
   */
  | {status: 'cert-authority'; entries: KnownHostEntry[]}
  /** Nothing of this type is known for the host (entries of other types are listed). */
  | {status: 'unknown'; otherTypes: KnownHostEntry[]};

const SSH_DEFAULT_PORT = 22;
const HASH_MAGIC = '|1|';
const SHA1_LENGTH = 20;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const WILDCARDS = /[*?]/;

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

/**
 * One line (without its newline) as an entry; undefined for blank, comment and malformed lines, and, when
 * `names` are given (see hostKeyNames), for lines that are not for the first name, or, for @cert-authority
 * lines, for none of them: checked before the key is decoded.
 */
export function parseLine(
  text: string,
  file: string,
  line: number,
  names: readonly string[] | undefined,
): KnownHostEntry | undefined {
  const content = text.trim();
  if (content === '' || content.startsWith('#')) return undefined;
  const fields = content.split(/[ \t]+/);
  let marker: KnownHostEntry['marker'];
  if (fields[0]?.startsWith('@')) {
    const markerName = fields.shift();
    if (markerName === '@revoked') marker = 'revoked';
    else if (markerName === '@cert-authority') marker = 'cert-authority';
    else return undefined; // Unknown marker: OpenSSH skips the line.
  }
  const [hostPatterns, keyType, keyText] = fields;
  if (hostPatterns === undefined || keyType === undefined || keyText === undefined) return undefined;
  if (names !== undefined && !isWanted(hostPatterns, marker, names)) return undefined;
  const key = decodeBase64(keyText);
  // OpenSSH's sshkey_read rejects a blob whose embedded type differs from the named one.
  if (key === undefined || readKeyType(key) !== keyType) return undefined;
  const entry: KnownHostEntry = {file, line, hostPatterns, keyType, key};
  if (marker !== undefined) entry.marker = marker;
  return entry;
}

/** Parses known_hosts text, skipping blank, comment and malformed lines; with `names`, only the lines for them (see parseLine). */
export function parseKnownHosts(text: string, file: string, names?: readonly string[]): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const entry = parseLine(lines[index]!, file, index + 1, names);
    if (entry) entries.push(entry);
  }
  return entries;
}

/** The name OpenSSH looks up and writes: "host" for port 22, "[host]:port" otherwise. Host is lower-cased. */
export function knownHostName(host: string, port: number): string {
  const name = host.toLowerCase();
  return port === SSH_DEFAULT_PORT ? name : `[${name}]:${port}`;
}

/**
 * The name a host's key is looked up and recorded under. With HostKeyAlias, the alias alone, whatever the
 * port: OpenSSH's get_hostfile_hostname_ipaddr (sshconnect.c) uses options.host_key_alias verbatim instead
 * of put_host_port(host, port), and ssh lower-cases the alias as it reads it (`ssh -G` shows it so).
 */
export function hostKeyName(host: string, port: number, alias?: string): string {
  return alias === undefined ? knownHostName(host, port) : alias.toLowerCase();
}

/**
 * Every name whose lines bear on a host's key: hostKeyName, then, off port 22 without HostKeyAlias, the bare
 * host. ssh, finding nothing under "[host]:port", looks the key up again under the bare host
 * (sshconnect.c, "checking without port identifier"): so a line such as `@cert-authority *.example.com`
 * covers a.example.com on port 2222 too.
 */
export function hostKeyNames(host: string, port: number, alias?: string): string[] {
  const name = hostKeyName(host, port, alias);
  return alias === undefined && port !== SSH_DEFAULT_PORT ? [name, host.toLowerCase()] : [name];
}

/** OpenSSH's match_hostname: comma-separated patterns, case-insensitive; 1 match, 0 none, -1 negated match. */
function matchHostname(name: string, patternList: string): -1 | 0 | 1 {
  let positive = false;
  for (const item of patternList.split(',')) {
    const negated = item.startsWith('!');
    const pattern = (negated ? item.slice(1) : item).toLowerCase();
    // Most patterns are plain names: compared directly, a 130,000-line file needs no regex per line.
    const matched = WILDCARDS.test(pattern) ? matchPattern(name, pattern) : name === pattern;
    if (matched) {
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
    const separator = hostPatterns.indexOf('|', HASH_MAGIC.length);
    if (separator === -1) return false;
    const salt = decodeBase64(hostPatterns.slice(HASH_MAGIC.length, separator));
    if (salt === undefined || salt.length !== SHA1_LENGTH) return false;
    return createHmac('sha1', salt).update(name).digest('base64') === hostPatterns.slice(separator + 1);
  }
  return matchHostname(name, hostPatterns) === 1;
}

/** The lines checkHostKey uses: those for the first name, and @cert-authority lines for any of them. */
function isWanted(hostPatterns: string, marker: KnownHostEntry['marker'], names: readonly string[]): boolean {
  // One HMAC per hashed line for most lines, whatever else is looked up for the few CA lines.
  const count = marker === 'cert-authority' ? names.length : Math.min(names.length, 1);
  for (let index = 0; index < count; index++) {
    if (matchesName(hostPatterns, names[index]!)) return true;
  }
  return false;
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
 * Checks a server's host key blob against the entries for `name` (see hostKeyName). Order as OpenSSH's
 * check_host_key for a plain key: a matching @revoked entry for this key wins; then a plain entry with exactly
 * this key → known; then plain entries of the same type with another key → changed. OpenSSH then calls the
 * key new (it would have checked a certificate against @cert-authority lines, had the server sent one); here
 * a host that @cert-authority lines cover, under any of `caNames` (see hostKeyNames), gets a verdict of its
 * own, since tunnels cannot ask for a certificate. Plain lines are looked up under `name` alone: ssh would
 * also accept this key from a plain line for the bare host off port 22, so tunnels is stricter there.
 */
export function checkHostKey(
  entries: KnownHostEntry[],
  name: string,
  keyBlob: Buffer,
  caNames: readonly string[] = [name],
): HostKeyVerdict {
  const matching = entries.filter((entry) => matchesName(entry.hostPatterns, name));
  const revoked = matching.find((entry) => entry.marker === 'revoked' && entry.key.equals(keyBlob));
  if (revoked) return {status: 'revoked', entry: revoked};
  const plain = matching.filter((entry) => entry.marker === undefined);
  const known = plain.find((entry) => entry.key.equals(keyBlob));
  if (known) return {status: 'known', entry: known};
  const type = readKeyType(keyBlob);
  const sameType = plain.filter((entry) => entry.keyType === type);
  if (sameType.length > 0) return {status: 'changed', entries: sameType};
  const authorities = entries.filter(
    (entry) =>
      entry.marker === 'cert-authority' && caNames.some((each) => matchesName(entry.hostPatterns, each)),
  );
  if (authorities.length > 0) return {status: 'cert-authority', entries: authorities};
  return {status: 'unknown', otherTypes: plain};
}

/** Key types known for `name` (plain entries), in file order, de-duplicated: used to prefer those host key algorithms, as OpenSSH does. */
export function knownKeyTypes(entries: KnownHostEntry[], name: string): string[] {
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

/** A line to append for `name` (see hostKeyName): "<name> <type> <base64>" or, hashed, "|1|salt|hash <type> <base64>" with a random 20-byte salt. */
export function knownHostsLine(name: string, keyBlob: Buffer, hashed = false): string {
  const field = hashed ? hashHostName(name, randomBytes(SHA1_LENGTH)) : name;
  return `${field} ${keyTypeOf(keyBlob)} ${keyBlob.toString('base64')}`;
}
