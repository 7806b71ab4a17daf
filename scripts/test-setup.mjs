// Makes sure the real programs the tests drive are installed: through apt when missing and root,
// otherwise it names the packages and fails. It never lets a suite be skipped quietly.
import {execFileSync} from 'node:child_process';
import {accessSync, constants} from 'node:fs';

const needs = [
  ['/usr/sbin/sshd', 'openssh-server'],
  ['/usr/bin/ssh', 'openssh-client'],
  ['/usr/bin/ssh-keygen', 'openssh-client'],
  ['/usr/bin/curl', 'curl'],
  ['/usr/bin/tmux', 'tmux'],
  ['/usr/sbin/useradd', 'passwd'],
  ['/usr/sbin/ip', 'iproute2'],
  ['/usr/bin/ssh-agent', 'openssh-client'],
  ['/usr/sbin/vsftpd', 'vsftpd'],
  ['/usr/lib/python3/dist-packages/pyftpdlib/__init__.py', 'python3-pyftpdlib'],
  ['/usr/bin/lftp', 'lftp'],
  ['/usr/bin/Xvfb', 'xvfb'],
  ['/usr/bin/xauth', 'xauth'],
  ['/usr/bin/xdpyinfo', 'x11-utils'],
  ['/usr/bin/chromium', 'chromium'],
  ['/usr/bin/redis-server', 'redis-server'],
  ['/usr/bin/redis-cli', 'redis-tools'],
  ['/usr/bin/redis-benchmark', 'redis-tools'],
  ['/usr/bin/wget', 'wget'],
  ['/usr/bin/nc.openbsd', 'netcat-openbsd'],
  ['/usr/bin/zsh', 'zsh'],
  ['/usr/bin/fish', 'fish'],
];

const missing = [
  ...new Set(
    needs
      .filter(([file]) => {
        try {
          accessSync(file, file.endsWith('.py') ? constants.R_OK : constants.X_OK);
          return false;
        } catch {
          return true;
        }
      })
      .map(([, pkg]) => pkg),
  ),
];

if (missing.length === 0) process.exit(0);

if (process.getuid?.() !== 0) {
  console.error(
    `The tests need these Debian packages: ${missing.join(' ')}\nInstall them with: sudo apt-get install -y ${missing.join(' ')}\n(or run the tests as root, which installs them).`,
  );
  process.exit(1);
}

console.error(`Installing ${missing.join(' ')} for the tests...`);
const env = {...process.env, DEBIAN_FRONTEND: 'noninteractive'};
execFileSync('apt-get', ['update', '-qq'], {stdio: 'inherit', env});
execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
  stdio: 'inherit',
  env,
});
