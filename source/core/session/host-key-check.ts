import {safeText} from '../../text/safe-text.js';
import {
  checkHostKey,
  fingerprintSha256,
  type HostKeyVerdict,
  hostKeyName,
  hostKeyNames,
  type KnownHostEntry,
  keyTypeOf,
  knownHostsLine,
  knownKeyTypes,
} from './known-hosts.js';
import {appendKnownHost} from './known-hosts-file.js';
import type {Prompter} from './prompter.js';

export type StrictHostKeyChecking = 'yes' | 'accept-new' | 'no' | 'ask';

export interface HostKeyPolicy {
  /** User files: new keys are added to the first. */
  knownHostsFiles: string[];
  strict: StrictHostKeyChecking;
  batchMode: boolean;
  hashKnownHosts: boolean;
  /** Name the key is recorded under (HostKeyAlias), else the host. */
  hostKeyAlias?: string | undefined;
}

/** How far the server's identity is established; agent forwarding is refused unless 'known'. */
export type HostKeyTrust = 'known' | 'accepted-new' | 'accepted-by-person' | 'unchecked';

export type HostKeyOutcome =
  | {ok: true; trust: HostKeyTrust; added?: {file: string; fingerprint: string}}
  | {ok: false; reason: string};

/** "ED25519" for ssh-ed25519, as ssh prints it in prompts. */
export function keyTypeLabel(keyType: string): string {
  if (keyType === 'ssh-ed25519') return 'ED25519';
  if (keyType.startsWith('ecdsa-')) return 'ECDSA';
  if (keyType === 'ssh-rsa') return 'RSA';
  return keyType.toUpperCase();
}

const HOST_KEY_ALGORITHMS: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/**
 * As OpenSSH: ask first for the key types already known for this host (under its HostKeyAlias, if any), so
 * a known host is not "new".
 */
export function preferredHostKeyAlgorithms(
  entries: KnownHostEntry[],
  host: string,
  port: number,
  hostKeyAlias?: string,
): string[] {
  return knownKeyTypes(entries, hostKeyName(host, port, hostKeyAlias)).flatMap(
    (type) => HOST_KEY_ALGORITHMS[type] ?? [],
  );
}

/** The server's key as the messages name it. */
interface OfferedKey {
  keyBlob: Buffer;
  /** The name it is looked up and recorded under (see hostKeyName). */
  name: string;
  fingerprint: string;
  /** "ED25519" */
  type: string;
  /** Where a new key is added. */
  knownHostsFile: string;
}

/** Decides on the server's host key before any authentication is sent. */
export async function verifyHostKey(
  keyBlob: Buffer,
  host: string,
  port: number,
  entries: KnownHostEntry[],
  policy: HostKeyPolicy,
  prompter: Prompter | undefined,
): Promise<HostKeyOutcome> {
  // With HostKeyAlias, the alias alone, as ssh looks it up and writes it (not "[alias]:port").
  const name = hostKeyName(host, port, policy.hostKeyAlias);
  const verdict = checkHostKey(entries, name, keyBlob, hostKeyNames(host, port, policy.hostKeyAlias));
  const offered: OfferedKey = {
    keyBlob,
    name,
    fingerprint: fingerprintSha256(keyBlob),
    type: keyTypeLabel(keyTypeOf(keyBlob)),
    knownHostsFile: policy.knownHostsFiles[0] ?? '~/.ssh/known_hosts',
  };
  if (verdict.status !== 'unknown') return listedKeyOutcome(verdict, offered);
  return unknownKeyOutcome(verdict.otherTypes, offered, policy, prompter);
}

/** The outcome for a key known_hosts says something about: trusted, revoked, changed, or a CA's. */
function listedKeyOutcome(
  verdict: Exclude<HostKeyVerdict, {status: 'unknown'}>,
  {name, fingerprint, type, knownHostsFile}: OfferedKey,
): HostKeyOutcome {
  switch (verdict.status) {
    case 'known':
      return {ok: true, trust: 'known'};
    case 'revoked':
      return {
        ok: false,
        reason: `the ${type} host key of ${name} is marked as revoked (${verdict.entry.file}:${verdict.entry.line}); refusing to connect`,
      };
    case 'changed': {
      const where = verdict.entries.map((entry) => `${entry.file}:${entry.line}`).join(', ');
      return {
        ok: false,
        reason:
          `the ${type} host key of ${name} has CHANGED (now ${fingerprint}; the old one is in ${where}). ` +
          `Someone could be intercepting this connection, or the server's key was replaced. ` +
          `If you know it was replaced, remove the old key with: ssh-keygen -R '${name}'` +
          (verdict.entries[0] ? ` -f ${verdict.entries[0].file}` : ''),
      };
    }
    case 'cert-authority': {
      // ssh would ask this server for a host certificate and check it against these lines; ssh2 cannot ask
      // for one. The plain key is refused whatever StrictHostKeyChecking says: asking about it, or adding
      // it, would trust a key the CA may never have signed (ssh, given only a plain key here, calls it new
      // and asks, or adds it with accept-new). A plain line with this very key was matched above.
      const where = verdict.entries.map((entry) => `${entry.file}:${entry.line}`).join(', ');
      return {
        ok: false,
        reason:
          `known_hosts trusts a certificate authority for ${name} (${where}), and tunnels cannot check host certificates yet, ` +
          `so it does not trust the plain ${type} key the server offered (${fingerprint}) on its own. ` +
          `If that fingerprint is the server's (check with its administrator), add the key to ${knownHostsFile} as a plain line for ${name}: tunnels accepts a key listed there, as ssh does`,
      };
    }
  }
}

/** A key known_hosts does not list: added, refused, or asked about, as StrictHostKeyChecking says. */
async function unknownKeyOutcome(
  otherTypeEntries: KnownHostEntry[],
  offered: OfferedKey,
  policy: HostKeyPolicy,
  prompter: Prompter | undefined,
): Promise<HostKeyOutcome> {
  const {name, fingerprint, type, knownHostsFile} = offered;
  const add = (trust: HostKeyTrust) => addKey(offered, policy, trust);
  const otherTypes =
    otherTypeEntries.length > 0
      ? ` (${name} is known with other key types: ${[...new Set(otherTypeEntries.map((e) => keyTypeLabel(e.keyType)))].join(', ')})`
      : '';
  const unknownText = `no host key is known for ${name}${otherTypes}; its ${type} key fingerprint is ${fingerprint}`;

  if (policy.strict === 'no') return add('unchecked');
  if (policy.strict === 'accept-new') return add('accepted-new');
  if (policy.strict === 'yes' || policy.batchMode) {
    return {
      ok: false,
      reason: `${unknownText}, and StrictHostKeyChecking${policy.batchMode && policy.strict !== 'yes' ? ' (BatchMode)' : ''} forbids adding it. Check the fingerprint with the server's administrator, then connect once with -o StrictHostKeyChecking=accept-new or add the key to ${knownHostsFile}`,
    };
  }
  if (!prompter) {
    return {
      ok: false,
      reason: `${unknownText}, and there is no terminal to ask on. Check the fingerprint, then connect once with -o StrictHostKeyChecking=accept-new or add the key to ${knownHostsFile}`,
    };
  }
  const accepted = await askAboutKey(prompter, offered, otherTypes);
  return accepted ? add('accepted-by-person') : {ok: false, reason: `host key for ${name} not accepted`};
}

/** Asks as ssh does until the answer is yes, no, or the fingerprint itself. */
async function askAboutKey(
  prompter: Prompter,
  {name, fingerprint, type}: OfferedKey,
  otherTypes: string,
): Promise<boolean> {
  // The question keeps its line breaks; a name from the config (HostKeyAlias) must not add one.
  const about =
    `The authenticity of host '${safeText(name)}' can't be established.\n` +
    `${type} key fingerprint is ${fingerprint}.${otherTypes ? `\n${otherTypes.trim()}` : ''}`;
  let question = `${about}\nAre you sure you want to continue connecting (yes/no/[fingerprint])? `;
  let options: {secret: boolean; shownBefore?: string} = {secret: false};
  for (;;) {
    const answer = (await prompter.ask(question, options)).trim();
    if (answer === 'yes' || answer === fingerprint) return true;
    if (answer === 'no' || answer === '') return false;
    question = "Please type 'yes', 'no' or the fingerprint: ";
    options = {secret: false, shownBefore: about};
  }
}

/** Adds the key to known_hosts; ssh carries on too when it is not writable, trusting it for this session. */
async function addKey(
  {name, keyBlob, fingerprint, knownHostsFile}: OfferedKey,
  policy: HostKeyPolicy,
  trust: HostKeyTrust,
): Promise<HostKeyOutcome> {
  try {
    await appendKnownHost(knownHostsFile, knownHostsLine(name, keyBlob, policy.hashKnownHosts));
    return {ok: true, trust, added: {file: knownHostsFile, fingerprint}};
  } catch (error) {
    return {ok: true, trust, added: {file: `(not saved: ${(error as Error).message})`, fingerprint}};
  }
}
