import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {
  answers,
  ensurePrivateDirectory,
  LOG_ROTATE_BYTES,
  LogFile,
  listenExclusively,
  RuntimeError,
  runtimeDirectory,
  socketPath,
  stateDirectory,
} from '../../source/service/runtime.js';

let scratch: string;
const servers: net.Server[] = [];

beforeEach(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnels-runtime-'));
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  fs.rmSync(scratch, {recursive: true, force: true});
});

describe('where the service lives', () => {
  it('is in $XDG_RUNTIME_DIR, else a directory named with the uid under /tmp', () => {
    expect(socketPath({XDG_RUNTIME_DIR: '/run/user/1000'})).toBe('/run/user/1000/tunnels/control.sock');
    expect(runtimeDirectory({})).toBe(`/tmp/tunnels-${process.getuid!()}`);
    expect(stateDirectory({XDG_STATE_HOME: '/s'})).toBe('/s/tunnels');
  });

  it('makes its directory 0700, and refuses one open to others or a link', () => {
    const directory = path.join(scratch, 'tunnels');
    ensurePrivateDirectory(directory);
    expect(fs.statSync(directory).mode & 0o777).toBe(0o700);
    fs.chmodSync(directory, 0o755);
    expect(() => ensurePrivateDirectory(directory)).toThrow(/open to other users \(mode 0755\).*chmod 700/);
    const link = path.join(scratch, 'link');
    fs.symlinkSync(directory, link);
    expect(() => ensurePrivateDirectory(link)).toThrow(RuntimeError);
  });

  it('listens 0600; a second service is refused while the first answers; a stale socket is replaced', async () => {
    const file = path.join(scratch, 'control.sock');
    const first = net.createServer((socket) => socket.end());
    servers.push(first);
    expect(await listenExclusively(first, file)).toBe(true);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const second = net.createServer();
    expect(await listenExclusively(second, file)).toBe(false);
    // A service that died leaves its socket behind: nothing answers there.
    await new Promise((resolve) => first.close(resolve));
    servers.length = 0;
    fs.closeSync(fs.openSync(file, 'w'));
    expect(await answers(file)).toBe(false);
    servers.push(second);
    expect(await listenExclusively(second, file)).toBe(true);
    expect(await answers(file)).toBe(true);
  });

  it('rotates the log at its size', () => {
    const log = new LogFile({XDG_STATE_HOME: scratch});
    log.append('x'.repeat(LOG_ROTATE_BYTES));
    log.append('after \u001b]0;title\u0007');
    log.close();
    expect(fs.readFileSync(`${log.file}.1`, 'utf8')).toContain('xxx');
    // A session's name or a server's message, made safe for whoever reads the log on a terminal.
    expect(fs.readFileSync(log.file, 'utf8')).toMatch(/after \\033]0;title\\007\n$/);
    expect(fs.statSync(log.file).mode & 0o777).toBe(0o600);
  });
});
