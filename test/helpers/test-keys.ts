import {execFile} from 'node:child_process';
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {promisify} from 'node:util';

const run = promisify(execFile);
export const SSH_KEYGEN = '/usr/bin/ssh-keygen';

export interface TestKey {
  pubFile: string;
  /** "<type> <base64>" as in the .pub file, without the comment. */
  text: string;
  type: string;
  blob: Buffer;
}

export type TestKeys = Record<'ed25519' | 'ed25519b' | 'ecdsa' | 'ecdsa384' | 'rsa', TestKey>;

async function generateKey(dir: string, name: string, args: string[]): Promise<TestKey> {
  const file = path.join(dir, name);
  await run(SSH_KEYGEN, ['-q', ...args, '-N', '', '-C', `comment-${name}`, '-f', file]);
  const pubFile = `${file}.pub`;
  const [type, base64] = (await readFile(pubFile, 'utf8')).trim().split(' ');
  return {pubFile, text: `${type} ${base64}`, type: type!, blob: Buffer.from(base64!, 'base64')};
}

/** Host keys of each type (two ed25519), made by ssh-keygen in `dir`: what known_hosts lines are tested with. */
export async function generateTestKeys(dir: string): Promise<TestKeys> {
  const [ed25519, ed25519b, ecdsa, ecdsa384, rsa] = await Promise.all([
    generateKey(dir, 'ed25519', ['-t', 'ed25519']),
    generateKey(dir, 'ed25519b', ['-t', 'ed25519']),
    generateKey(dir, 'ecdsa', ['-t', 'ecdsa']),
    generateKey(dir, 'ecdsa384', ['-t', 'ecdsa', '-b', '384']),
    generateKey(dir, 'rsa', ['-t', 'rsa', '-b', '2048']),
  ]);
  return {ed25519, ed25519b, ecdsa, ecdsa384, rsa};
}
