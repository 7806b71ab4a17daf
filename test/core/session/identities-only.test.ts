import {type ChildProcess, execFile} from 'node:child_process';
import {copyFile} from 'node:fs/promises';
import path from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {Session, type SessionConfig, type SessionError} from '../../../source/core/session/session.js';
import {testSessionConfig} from '../../helpers/session.js';
import {startSshAgent} from '../../helpers/ssh-agent.js';
import {generateKey, startSshd, type TestSshd} from '../../helpers/sshd.js';

const run = promisify(execFile);

async function fingerprint(publicKeyFile: string): Promise<string> {
  const {stdout} = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicKeyFile]);
  return stdout.split(' ')[1]!;
}

/**
 * Keys held in an agent (1Password, Secretive), named in the config by their public key: `IdentityFile
 * work.pub` with `IdentitiesOnly yes`. The agent holds A and B (A first); the server authorizes B only.
 * sshd's log (LogLevel VERBOSE) names every key offered, by fingerprint: "Failed publickey ... SHA256:..."
 * for one refused, "Accepted publickey ... SHA256:..." for the one that logged in.
 */
describe('IdentitiesOnly with an agent: the agent signs, for the identity files keys only, in ssh order', () => {
  let sshd: TestSshd;
  let agent: ChildProcess;
  let socket: string;
  let keyA: string;
  let printA: string;
  let printB: string;
  /** B's public key alone, as an agent's user keeps it: no private key beside it. */
  let workPub: string;
  /** A's public key alone. */
  let otherPub: string;
  /** An IdentityFile whose private file is missing but whose FILE.pub (B's) is there. */
  let gone: string;

  beforeAll(async () => {
    sshd = await startSshd();
    keyA = path.join(sshd.dir, 'id_a');
    await generateKey(keyA);
    workPub = path.join(sshd.dir, 'work.pub');
    await copyFile(`${sshd.clientKey}.pub`, workPub);
    otherPub = path.join(sshd.dir, 'other.pub');
    await copyFile(`${keyA}.pub`, otherPub);
    gone = path.join(sshd.dir, 'gone');
    await copyFile(`${sshd.clientKey}.pub`, `${gone}.pub`);
    printA = await fingerprint(`${keyA}.pub`);
    printB = await fingerprint(`${sshd.clientKey}.pub`);
    socket = path.join(sshd.dir, 'agent.sock');
    agent = await startSshAgent(socket, keyA);
    await run('ssh-add', [sshd.clientKey], {env: {...process.env, SSH_AUTH_SOCK: socket}});
  });
  afterAll(async () => {
    if (agent?.pid) process.kill(agent.pid, 'SIGTERM');
    await sshd?.stop();
  });

  /** Connects with these settings; returns the auth method, or the SessionError; and what sshd logged. */
  async function attempt(overrides: Partial<SessionConfig>): Promise<{
    method?: string;
    error?: SessionError;
    offered: Array<'A' | 'B'>;
  }> {
    const before = (await sshd.log()).length;
    const session = new Session(
      await testSessionConfig(sshd, [], {agentSocket: socket, ...overrides}),
      undefined,
    );
    let method: string | undefined;
    session.events.on((event) => {
      if (event.event === 'session-connected') method = event.authMethod;
    });
    let error: SessionError | undefined;
    try {
      await session.connect();
    } catch (caught) {
      error = caught as SessionError;
    } finally {
      await session.close();
    }
    // sshd writes its log line before it answers: by now the lines of this attempt are there.
    const log = (await sshd.log()).slice(before);
    const offered = log
      .split('\n')
      .flatMap((line) => (/(Failed|Accepted) publickey/.test(line) ? [line] : []))
      .map((line) => (line.includes(printA) ? 'A' : line.includes(printB) ? 'B' : '?') as 'A' | 'B');
    return {...(method ? {method} : {}), ...(error ? {error} : {}), offered};
  }

  it('IdentitiesOnly + IdentityFile B.pub: logs in through the agent, offering B only', async () => {
    const result = await attempt({identitiesOnly: true, identityFiles: [{file: workPub, explicit: true}]});
    expect(result.error).toBeUndefined();
    expect(result.method).toBe(`publickey (agent: ${workPub})`);
    expect(result.offered).toEqual(['B']);
  });

  it('IdentitiesOnly + an IdentityFile whose private file is missing: its FILE.pub picks the agent key', async () => {
    const result = await attempt({identitiesOnly: true, identityFiles: [{file: gone, explicit: false}]});
    expect(result.method).toBe(`publickey (agent: ${gone})`);
    expect(result.offered).toEqual(['B']);
  });

  it('IdentitiesOnly + IdentityFile A.pub: fails, having offered A only, and says so', async () => {
    const result = await attempt({identitiesOnly: true, identityFiles: [{file: otherPub, explicit: true}]});
    expect(result.error?.level).toBe('authentication');
    expect(result.error?.message).toBe(
      `permission denied for ${sshd.user}@${sshd.host} (the server accepts: publickey): the server refused the agent's key.`,
    );
    expect(result.offered).toEqual(['A']);
  });

  it('IdentitiesOnly + an IdentityFile the agent does not hold: nothing from the agent, and the reason', async () => {
    const stranger = path.join(sshd.dir, 'stranger');
    await generateKey(stranger);
    const result = await attempt({
      identitiesOnly: true,
      identityFiles: [{file: `${stranger}.pub`, explicit: true}],
    });
    expect(result.error?.message).toBe(
      `permission denied for ${sshd.user}@${sshd.host} (the server accepts: publickey): the agent holds none of the identity files' keys (IdentitiesOnly offers only those): ${stranger}.pub; the agent does not hold the private key of ${stranger}.pub.`,
    );
    expect(result.offered).toEqual([]);
  });

  it('IdentitiesOnly + the private key file of a key the agent holds: the agent signs (ssh prefers it)', async () => {
    const result = await attempt({
      identitiesOnly: true,
      identityFiles: [{file: sshd.clientKey, explicit: true}],
    });
    expect(result.method).toBe(`publickey (agent: ${sshd.clientKey})`);
    expect(result.offered).toEqual(['B']);
  });

  it('without IdentitiesOnly: every agent key, in the agent order (A refused, then B)', async () => {
    const result = await attempt({identityFiles: []});
    expect(result.method).toBe('publickey (agent)');
    expect(result.offered).toEqual(['A', 'B']);
  });

  it('without IdentitiesOnly: the agent key an IdentityFile names goes first, then the others', async () => {
    const result = await attempt({identityFiles: [{file: workPub, explicit: true}]});
    expect(result.method).toBe(`publickey (agent: ${workPub})`);
    expect(result.offered).toEqual(['B']);
  });

  it('PubkeyAuthentication no: neither the agent nor the files are offered, and the failure says so', async () => {
    const result = await attempt({
      pubkeyAuthentication: false,
      identityFiles: [{file: sshd.clientKey, explicit: true}],
    });
    expect(result.error?.message).toBe(
      `permission denied for ${sshd.user}@${sshd.host} (the server accepts: publickey): no key was offered (PubkeyAuthentication is off).`,
    );
    expect(result.offered).toEqual([]);
  });

  it('IdentitiesOnly without an agent: a key file is used as before', async () => {
    const result = await attempt({
      identitiesOnly: true,
      agentSocket: undefined,
      identityFiles: [{file: sshd.clientKey, explicit: true}],
    });
    expect(result.method).toBe(`publickey (${sshd.clientKey})`);
  });
});
