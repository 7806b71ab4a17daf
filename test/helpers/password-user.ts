import {execFile} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {promisify} from 'node:util';

const run = promisify(execFile);

/**
 * A throwaway local account with a random password, for password and keyboard-interactive logins
 * through the real sshd's PAM. Needs root; removed again by remove().
 */
export async function createPasswordUser(options: {home?: string} = {}): Promise<{
  name: string;
  password: string;
  remove(): Promise<void>;
}> {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'password and keyboard-interactive tests create a temporary local user and need root: run "npm test" as root',
    );
  }
  const name = `tunnels-t${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('base64url');
  await run('useradd', [
    '--no-create-home',
    '--home-dir',
    options.home ?? '/nonexistent',
    '--shell',
    '/bin/sh',
    name,
  ]);
  if (options.home) await run('chown', [`${name}:`, options.home]);
  const chpasswd = run('chpasswd', []);
  chpasswd.child.stdin?.end(`${name}:${password}\n`);
  await chpasswd;
  return {
    name,
    password,
    remove: async () => {
      await run('userdel', [name]).catch(() => {});
    },
  };
}
