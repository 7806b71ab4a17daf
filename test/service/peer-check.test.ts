import {execFile, execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createPasswordUser} from '../helpers/password-user.js';
import {useServiceHome, waitUntil} from './service-home.js';

/**
 * A raw client, as a node -e script (run as another uid too): connects, reads the token file if it can,
 * says hello with what it has, and prints what came back and the token file's read error, as JSON.
 */
function rawClient(socket: string, token: string | 'read'): string {
  return `
const fs = require('fs');
let token = ${JSON.stringify(token)}, readError = null;
if (token === 'read') {
  try { token = fs.readFileSync(${JSON.stringify(path.join(path.dirname(socket), 'control.token'))}, 'utf8').trim(); }
  catch (e) { readError = e.code; token = 'guessed'; }
}
let text = '';
const s = require('net').connect(${JSON.stringify(socket)});
s.on('data', (d) => { text += d; if (text.split('\\n').length === 2) s.write(JSON.stringify({hello: 'tunnels', version: 2, token}) + '\\n' + JSON.stringify({id: 1, command: 'ls'}) + '\\n'); });
s.on('close', () => { console.log(JSON.stringify({readError, lines: text.split('\\n').filter(Boolean).map((l) => JSON.parse(l))})); process.exit(0); });
s.on('error', (e) => { console.log(JSON.stringify({error: e.code})); process.exit(0); });
setTimeout(() => { console.log(JSON.stringify({timeout: text})); process.exit(0); }, 8000);
`;
}

interface RawOutcome {
  readError?: string | null;
  lines?: Array<Record<string, unknown>>;
  error?: string;
}

function runRaw(script: string, as: {uid?: number; gid?: number} = {}): Promise<RawOutcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['-e', script], {...as, timeout: 10_000}, (_error, stdout) =>
      resolve(JSON.parse(stdout.trim() || '{}') as RawOutcome),
    );
  });
}

describe('the service checks who connects: a client shows the token only its user can read', () => {
  const home = useServiceHome();
  const startService = async () => {
    home.start(['service']);
    await waitUntil(() => fs.existsSync(home.socketFile()), 'the service listens');
    await waitUntil(() => home.servicePids().length === 1, 'the service logged its pid');
  };
  const tokenFile = () => path.join(path.dirname(home.socketFile()), 'control.token');

  it('writes the token 0600 beside its socket; its own commands show it and are served', async () => {
    await startService();
    expect(fs.statSync(tokenFile()).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(tokenFile(), 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    const listed = await home.run(['ls', '--json']);
    expect(listed.status, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual({sessions: []});
  });

  it('refuses a hello without the token, or with a wrong one: a sentence to the client, a line in its log', async () => {
    await startService();
    for (const token of ['', 'f'.repeat(64)]) {
      const outcome = await runRaw(rawClient(home.socketFile(), token));
      expect(outcome.lines?.[0]).toEqual({hello: 'tunnels', version: 2});
      expect(outcome.lines?.[1]).toEqual({
        id: 0,
        ok: false,
        error: expect.stringMatching(
          /^this tunnels service is uid \d+'s: a client shows the token in .*control\.token/,
        ),
      });
      // Nothing was answered to its ls.
      expect(outcome.lines).toHaveLength(2);
    }
    const log = fs.readFileSync(home.logFile(), 'utf8');
    expect(log.match(/a client was refused: it did not show the service's token/g)).toHaveLength(2);
    // The right token is served.
    const served = await runRaw(
      rawClient(home.socketFile(), 'read').replace(
        "s.on('close'",
        "s.on('data', () => { if (text.includes('\"id\":1')) s.end(); }); s.on('close'",
      ),
    );
    expect(served.readError).toBeNull();
    expect(served.lines?.[1]).toEqual({id: 1, ok: true, sessions: []});
  });

  describe('another user', () => {
    const root = process.getuid?.() === 0;
    let other: Awaited<ReturnType<typeof createPasswordUser>> | undefined;
    let uid = -1;
    let gid = -1;
    beforeAll(async () => {
      if (!root) return;
      other = await createPasswordUser();
      uid = Number(execFileSync('id', ['-u', other.name], {encoding: 'utf8'}).trim());
      gid = Number(execFileSync('id', ['-g', other.name], {encoding: 'utf8'}).trim());
    });
    afterAll(async () => {
      await other?.remove();
    });

    // Without root no other user can be made; the test above asserts the same refusal for a wrong token.
    it.runIf(root)('is refused even where the socket and its directory were opened to everyone', async () => {
      await startService();
      // Opened as a careless chmod would: only the token file still keeps them out.
      for (const directory of [home.scratch, path.join(home.scratch, 'run'), path.dirname(home.socketFile())])
        fs.chmodSync(directory, 0o711);
      fs.chmodSync(home.socketFile(), 0o666);
      const outcome = await runRaw(rawClient(home.socketFile(), 'read'), {uid, gid});
      expect(outcome.readError).toBe('EACCES');
      expect(outcome.lines?.[1]).toMatchObject({
        id: 0,
        ok: false,
        error: expect.stringMatching(/^this tunnels service is uid 0's/),
      });
      expect(outcome.lines).toHaveLength(2);
      expect(fs.readFileSync(home.logFile(), 'utf8')).toContain(
        "a client was refused: it did not show the service's token",
      );
      // tunnels itself, as that user pointed at this directory, says why in a sentence.
      const theirs = await new Promise<{status: number; stderr: string}>((resolve) => {
        execFile(
          process.execPath,
          [path.resolve('dist/cli.js'), 'ls'],
          {uid, gid, env: {...home.env, HOME: '/nonexistent'}, timeout: 10_000, cwd: '/'},
          (error, _stdout, stderr) => resolve({status: error ? Number(error.code) : 0, stderr}),
        );
      });
      expect(theirs.status).toBe(255);
      expect(theirs.stderr).toMatch(/^tunnels: \S+\/run\/tunnels is owned by uid 0, not by you \(uid \d+\)/);
      fs.chmodSync(path.dirname(home.socketFile()), 0o700);
      const stillServed = await home.run(['ls', '--json']);
      expect(stillServed.status, stillServed.stderr).toBe(0);
    });
  });
});
