import {access, constants} from 'node:fs/promises';
import {SSHD_PATH} from './sshd.js';

/** Fails the run loudly, never skips: the suites need these real programs. */
export default async function globalSetup() {
  const missing: string[] = [];
  for (const [file, pkg] of [
    [SSHD_PATH, 'openssh-server'],
    ['/usr/bin/ssh-keygen', 'openssh-client'],
    ['/usr/bin/curl', 'curl'],
    ['/usr/sbin/vsftpd', 'vsftpd'],
    ['/usr/bin/lftp', 'lftp'],
    ['/usr/bin/tmux', 'tmux'],
    ['/usr/bin/Xvfb', 'xvfb'],
    ['/usr/bin/xauth', 'xauth'],
    ['/usr/bin/xdpyinfo', 'x11-utils'],
  ] as const) {
    try {
      await access(file, constants.X_OK);
    } catch {
      missing.push(`${file} (Debian package ${pkg})`);
    }
  }
  if (missing.length > 0) {
    throw new Error(
      `The tests need real programs that are missing: ${missing.join(', ')}. Run "npm test" as root to install them, or install them with apt-get.`,
    );
  }
}
