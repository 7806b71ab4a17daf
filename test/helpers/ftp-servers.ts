import {type ChildProcess, spawn} from 'node:child_process';
import {chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type {TestHost} from './netns.js';

export interface TestFtpServer {
  name: 'vsftpd' | 'pyftpdlib';
  /** Where it listens inside the test host: its own loopback. */
  host: '127.0.0.1';
  port: number;
  /** Files here are served; uploads land here (for vsftpd, under pub/). */
  root: string;
  /** The path of the upload/download directory as FTP clients name it ("/pub" or "/"). */
  directory: string;
  pid: number;
  stop(): Promise<void>;
}

/** Polls from inside the host until the FTP server greets. */
async function waitForGreeting(
  host: TestHost,
  port: number,
  child: ChildProcess,
  what: string,
): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    const [program, args] = host.command('/usr/bin/python3', [
      '-c',
      `import socket,sys\ns=socket.create_connection(('127.0.0.1',${port}),1)\nsys.exit(0 if s.recv(3)==b'220' else 1)`,
    ]);
    const ok = await new Promise<boolean>((resolve) => {
      const probe = spawn(program, args, {stdio: 'ignore'});
      probe.on('exit', (code) => resolve(code === 0));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} did not start on port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function stopper(child: ChildProcess, dir: string) {
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(child.pid!, 'SIGTERM');
      await exited;
    }
    await rm(dir, {recursive: true, force: true});
  };
}

export interface VsftpdOptions {
  /** Its control port (default 21). */
  port?: number;
  /**
   * One fixed passive data port (pasv_min_port = pasv_max_port) instead of any free one: lets a plain
   * port forward of that one port carry passive data connections (the bench's baseline). Transfers then
   * have to be one at a time.
   */
  pasvPort?: number;
  /** More vsftpd.conf lines (vsftpd keeps the last value of a keyword). */
  config?: string[];
}

/** vsftpd, anonymous, with uploads allowed in pub/, on 127.0.0.1:21 (or options.port) inside the test host. */
export async function startVsftpd(host: TestHost, options: VsftpdOptions = {}): Promise<TestFtpServer> {
  const port = options.port ?? 21;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tunnels-vsftpd-'));
  const root = path.join(dir, 'root');
  const pub = path.join(root, 'pub');
  await mkdir(pub, {recursive: true});
  await mkdir(path.join(dir, 'empty'));
  // vsftpd refuses a writable chroot; uploads go to pub/, owned by its ftp user.
  await chmod(dir, 0o755);
  await chmod(root, 0o755);
  await chmod(pub, 0o777);
  const config = path.join(dir, 'vsftpd.conf');
  await writeFile(
    config,
    [
      'listen=YES',
      'listen_ipv6=NO',
      'listen_address=127.0.0.1',
      `listen_port=${port}`,
      'background=NO',
      'anonymous_enable=YES',
      'no_anon_password=YES',
      `anon_root=${root}`,
      'write_enable=YES',
      'anon_upload_enable=YES',
      'anon_other_write_enable=YES',
      'anon_world_readable_only=NO',
      'anon_umask=022',
      'local_enable=NO',
      'pasv_enable=YES',
      ...(options.pasvPort ? [`pasv_min_port=${options.pasvPort}`, `pasv_max_port=${options.pasvPort}`] : []),
      'port_enable=YES',
      'connect_from_port_20=NO',
      'seccomp_sandbox=NO',
      `secure_chroot_dir=${path.join(dir, 'empty')}`,
      'xferlog_enable=NO',
      'syslog_enable=NO',
      `vsftpd_log_file=${path.join(dir, 'vsftpd.log')}`,
      ...(options.config ?? []),
      '',
    ].join('\n'),
  );
  const [program, args] = host.command('/usr/sbin/vsftpd', [config]);
  const child = spawn(program, args, {stdio: 'ignore'});
  try {
    await waitForGreeting(host, port, child, 'vsftpd');
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(
      `${(error as Error).message}\n${await readFile(path.join(dir, 'vsftpd.log'), 'utf8').catch(() => '')}`,
    );
  }
  return {
    name: 'vsftpd',
    host: '127.0.0.1',
    port,
    root: pub,
    directory: '/pub',
    pid: child.pid!,
    stop: stopper(child, dir),
  };
}

/** pyftpdlib (Debian's, with Debian's python3), anonymous with write access, on 127.0.0.1:2121 inside the test host. */
export async function startPyftpdlib(host: TestHost): Promise<TestFtpServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tunnels-pyftpdlib-'));
  await chmod(dir, 0o777);
  await chown(dir, 0, 0);
  const [program, args] = host.command('/usr/bin/python3', [
    '-m',
    'pyftpdlib',
    '-i',
    '127.0.0.1',
    '-p',
    '2121',
    '-w',
    '-d',
    dir,
  ]);
  const child = spawn(program, args, {stdio: 'ignore'});
  try {
    await waitForGreeting(host, 2121, child, 'pyftpdlib');
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    name: 'pyftpdlib',
    host: '127.0.0.1',
    port: 2121,
    root: dir,
    directory: '/',
    pid: child.pid!,
    stop: stopper(child, dir),
  };
}
