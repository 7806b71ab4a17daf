import {execFile, spawn} from 'node:child_process';
import {readFile, writeFile} from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Prompter} from '../../../source/core/session/prompter.js';
import {Session, SessionError} from '../../../source/core/session/session.js';
import {testSessionConfig} from '../../helpers/session.js';
import {freePort, generateKey, startSshd, type TestSshd} from '../../helpers/sshd.js';

const run = promisify(execFile);

async function connectError(session: Session): Promise<SessionError> {
  try {
    await session.connect();
  } catch (error) {
    expect(error).toBeInstanceOf(SessionError);
    return error as SessionError;
  } finally {
    await session.close();
  }
  throw new Error('connected, but a failure was expected');
}

async function fingerprintOf(publicKeyLine: string, dir: string): Promise<string> {
  const file = path.join(dir, `fp-${Math.random().toString(36).slice(2)}.pub`);
  await writeFile(file, `${publicKeyLine}\n`);
  const {stdout} = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', file]);
  return stdout.split(' ')[1]!;
}

/** Answers prompts from a script, as a person at a terminal would, and records what was asked. */
function scriptedPrompter(answers: string[]): Prompter & {asked: string[]} {
  const asked: string[] = [];
  return {
    asked,
    inform: () => {},
    ask: async (prompt) => {
      asked.push(prompt);
      const answer = answers.shift();
      if (answer === undefined) throw new Error(`unexpected prompt: ${prompt}`);
      return answer;
    },
  };
}

describe('session: host keys against a real sshd', () => {
  let sshd: TestSshd;
  beforeAll(async () => {
    sshd = await startSshd({hostKeyTypes: ['ed25519', 'ecdsa', 'rsa']});
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  const knownHostsWith = async (lines: string[]) => {
    const file = path.join(sshd.dir, `known_hosts-${Math.random().toString(36).slice(2)}`);
    await writeFile(file, lines.map((line) => `${line}\n`).join(''));
    return file;
  };

  it('connects when the key is known (plain entry) and says it is known', async () => {
    const session = new Session(await testSessionConfig(sshd), undefined);
    await session.connect();
    expect(session.state).toBe('connected');
    expect(session.hostKeyTrust).toBe('known');
    await session.close();
  });

  it('connects with a hashed entry made by ssh-keygen -H', async () => {
    const file = await knownHostsWith([`[127.0.0.1]:${sshd.port} ${sshd.hostKeys[0]}`]);
    await run('ssh-keygen', ['-H', '-f', file]);
    expect(await readFile(file, 'utf8')).toMatch(/^\|1\|/);
    const session = new Session(await testSessionConfig(sshd, [], {knownHostsFiles: [file]}), undefined);
    await session.connect();
    expect(session.hostKeyTrust).toBe('known');
    await session.close();
  });

  it('asks the server for a key type already known (only the RSA key is known here)', async () => {
    const rsa = sshd.hostKeys.find((key) => key.startsWith('ssh-rsa'))!;
    const file = await knownHostsWith([`[127.0.0.1]:${sshd.port} ${rsa}`]);
    const session = new Session(
      await testSessionConfig(sshd, ['StrictHostKeyChecking=yes'], {knownHostsFiles: [file]}),
      undefined,
    );
    await session.connect();
    expect(session.hostKeyTrust).toBe('known');
    await session.close();
  });

  it('refuses an unknown key with StrictHostKeyChecking=yes, showing the SHA256 fingerprint', async () => {
    const file = await knownHostsWith([]);
    const session = new Session(
      await testSessionConfig(sshd, ['StrictHostKeyChecking=yes'], {knownHostsFiles: [file]}),
      undefined,
    );
    const error = await connectError(session);
    expect(error.level).toBe('host-key');
    const fingerprint = await fingerprintOf(sshd.hostKeys[0]!, sshd.dir);
    expect(error.message).toContain(
      `no host key is known for [127.0.0.1]:${sshd.port}; its ED25519 key fingerprint is ${fingerprint}`,
    );
    expect(error.message).toContain('StrictHostKeyChecking forbids adding it');
    expect(await readFile(file, 'utf8')).toBe('');
  });

  it('refuses an unknown key in BatchMode, and with no terminal to ask on', async () => {
    const file = await knownHostsWith([]);
    const batch = await connectError(
      new Session(await testSessionConfig(sshd, [], {knownHostsFiles: [file]}), undefined),
    );
    expect(batch.message).toContain('(BatchMode) forbids adding it');
    const noTerminal = await connectError(
      new Session(await testSessionConfig(sshd, [], {knownHostsFiles: [file], batchMode: false}), undefined),
    );
    expect(noTerminal.message).toContain('there is no terminal to ask on');
  });

  it('asks a person, as ssh does, and adds the key when they say yes', async () => {
    const file = await knownHostsWith([]);
    const prompter = scriptedPrompter(['maybe', 'yes']);
    const session = new Session(
      await testSessionConfig(sshd, [], {knownHostsFiles: [file], batchMode: false}),
      prompter,
    );
    await session.connect();
    await session.close();
    const fingerprint = await fingerprintOf(sshd.hostKeys[0]!, sshd.dir);
    expect(prompter.asked[0]).toBe(
      `The authenticity of host '[127.0.0.1]:${sshd.port}' can't be established.\nED25519 key fingerprint is ${fingerprint}.\nAre you sure you want to continue connecting (yes/no/[fingerprint])? `,
    );
    expect(prompter.asked[1]).toBe("Please type 'yes', 'no' or the fingerprint: ");
    expect(session.hostKeyTrust).toBe('accepted-by-person');
    expect(await readFile(file, 'utf8')).toBe(`[127.0.0.1]:${sshd.port} ${sshd.hostKeys[0]}\n`);
  });

  it('accept-new adds the key, and then it is known', async () => {
    const file = await knownHostsWith([]);
    const session = new Session(
      await testSessionConfig(sshd, ['StrictHostKeyChecking=accept-new'], {knownHostsFiles: [file]}),
      undefined,
    );
    const added: string[] = [];
    session.events.on((event) => {
      if (event.event === 'host-key-added') added.push(event.file);
    });
    await session.connect();
    await session.close();
    expect(added).toEqual([file]);
    // OpenSSH itself now trusts the line we wrote.
    const {stdout} = await run('ssh-keygen', ['-F', `[127.0.0.1]:${sshd.port}`, '-f', file]);
    expect(stdout).toContain(sshd.hostKeys[0]!.split(' ')[1]!);
    const again = new Session(
      await testSessionConfig(sshd, ['StrictHostKeyChecking=yes'], {knownHostsFiles: [file]}),
      undefined,
    );
    await again.connect();
    expect(again.hostKeyTrust).toBe('known');
    await again.close();
  });

  it('aborts on a changed key before any authentication, naming the known_hosts line', async () => {
    const other = (await generateKey(path.join(sshd.dir, 'impostor'), 'ed25519'))
      .split(' ')
      .slice(0, 2)
      .join(' ');
    const file = await knownHostsWith(['# a comment', `[127.0.0.1]:${sshd.port} ${other}`]);
    const logBefore = (await sshd.log()).length;
    const session = new Session(
      await testSessionConfig(sshd, ['StrictHostKeyChecking=no'], {knownHostsFiles: [file]}),
      undefined,
    );
    const error = await connectError(session);
    expect(error.level).toBe('host-key');
    expect(error.message).toContain(`the ED25519 host key of [127.0.0.1]:${sshd.port} has CHANGED`);
    expect(error.message).toContain(`${file}:2`);
    expect(error.message).toContain(`ssh-keygen -R '[127.0.0.1]:${sshd.port}'`);
    // The server never saw an authentication attempt from us.
    const log = (await sshd.log()).slice(logBefore);
    expect(log).not.toMatch(/Accepted publickey|Failed publickey|Postponed/);
    expect(await readFile(file, 'utf8')).not.toContain(sshd.hostKeys[0]!.split(' ')[1]!);
  });

  it('refuses a revoked key', async () => {
    const file = await knownHostsWith([
      `[127.0.0.1]:${sshd.port} ${sshd.hostKeys[0]}`,
      `@revoked * ${sshd.hostKeys[0]}`,
    ]);
    const error = await connectError(
      new Session(await testSessionConfig(sshd, [], {knownHostsFiles: [file]}), undefined),
    );
    expect(error.level).toBe('host-key');
    expect(error.message).toContain('is marked as revoked');
  });
});

describe('session: authentication against a real sshd', () => {
  let sshd: TestSshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('says which key the server refused', async () => {
    const stranger = path.join(sshd.dir, 'stranger');
    await generateKey(stranger);
    const error = await connectError(
      new Session(
        await testSessionConfig(sshd, [], {identityFiles: [{file: stranger, explicit: true}]}),
        undefined,
      ),
    );
    expect(error.level).toBe('authentication');
    expect(error.message).toBe(
      `permission denied for ${sshd.user}@127.0.0.1 (the server accepts: publickey): the server refused the key ${stranger}.`,
    );
  });

  it('says when nothing could be offered', async () => {
    const missing = path.join(sshd.dir, 'no-such-key');
    const error = await connectError(
      new Session(
        await testSessionConfig(sshd, ['PasswordAuthentication=no', 'KbdInteractiveAuthentication=no'], {
          identityFiles: [{file: missing, explicit: false}],
        }),
        undefined,
      ),
    );
    expect(error.message).toContain('Nothing could be offered: name a key with -i, load one into ssh-agent');
  });

  it('names an explicit identity file that cannot be read, and why in words', async () => {
    const missing = path.join(sshd.dir, 'no-such-key');
    const underFile = path.join(sshd.clientKey, 'key');
    const error = await connectError(
      new Session(
        await testSessionConfig(sshd, [], {
          identityFiles: [
            {file: missing, explicit: true},
            {file: sshd.dir, explicit: true},
            {file: underFile, explicit: true},
            // A default key file that is missing is skipped quietly, as ssh does.
            {file: path.join(sshd.dir, 'id_rsa'), explicit: false},
          ],
        }),
        undefined,
      ),
    );
    expect(error.message).toBe(
      `permission denied for ${sshd.user}@${sshd.host} (the server accepts: publickey): cannot read identity file ${missing}: no such file; cannot read identity file ${sshd.dir}: it is a directory; cannot read identity file ${underFile}: a part of its path is not a directory.`,
    );
  });

  it('asks for a key passphrase on the terminal, and explains when it cannot', async () => {
    const locked = path.join(sshd.dir, 'locked');
    const pub = await generateKey(locked, 'ed25519', 'correct horse');
    await writeFile(
      path.join(sshd.dir, 'authorized_keys'),
      `${(await readFile(`${sshd.clientKey}.pub`, 'utf8')).trim()}\n${pub}\n`,
    );
    const noTerminal = await connectError(
      new Session(
        await testSessionConfig(sshd, [], {identityFiles: [{file: locked, explicit: true}]}),
        undefined,
      ),
    );
    expect(noTerminal.message).toContain(
      `the key ${locked} needs a passphrase and there is no terminal to ask on`,
    );

    const prompter = scriptedPrompter(['wrong', 'correct horse']);
    const session = new Session(
      await testSessionConfig(sshd, [], {identityFiles: [{file: locked, explicit: true}], batchMode: false}),
      prompter,
    );
    await session.connect();
    expect(prompter.asked).toEqual([
      `Enter passphrase for key '${locked}': `,
      `Enter passphrase for key '${locked}': `,
    ]);
    await session.close();
  });

  it('authenticates with keys from a real ssh-agent, and says when the agent is empty', async () => {
    const socket = path.join(sshd.dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', socket], {stdio: 'ignore'});
    try {
      for (let i = 0; i < 200; i++) {
        const up = await new Promise<boolean>((resolve) => {
          const probe = net.connect(socket);
          probe.on('connect', () => {
            probe.destroy();
            resolve(true);
          });
          probe.on('error', () => resolve(false));
        });
        if (up) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const empty = await connectError(
        new Session(await testSessionConfig(sshd, [], {identityFiles: [], agentSocket: socket}), undefined),
      );
      expect(empty.message).toContain('the agent has no keys (add one with ssh-add)');

      await run('ssh-add', [sshd.clientKey], {env: {...process.env, SSH_AUTH_SOCK: socket}});
      const session = new Session(
        await testSessionConfig(sshd, [], {identityFiles: [], agentSocket: socket}),
        undefined,
      );
      const connected = new Promise<string>((resolve) =>
        session.events.on((event) => {
          if (event.event === 'session-connected') resolve(event.authMethod);
        }),
      );
      await session.connect();
      expect(await connected).toBe('publickey (agent)');
      await session.close();
    } finally {
      agent.kill('SIGTERM');
    }
  });
});

describe('session: connection failures', () => {
  it('says the connection was refused, and which port', async () => {
    const port = await freePort();
    const sshd = {
      host: '127.0.0.1',
      port,
      user: 'nobody',
      clientKey: '/dev/null',
      knownHosts: '/dev/null',
    } as TestSshd;
    const error = await connectError(new Session(await testSessionConfig(sshd), undefined));
    expect(error.level).toBe('connect');
    expect(error.message).toBe(
      `cannot connect to 127.0.0.1:${port}: connection refused (is sshd running there, and is the port right? use -p to change it)`,
    );
  });

  it('times out on a server that never speaks (ConnectTimeout)', async () => {
    const silent = net.createServer((socket) => socket.on('error', () => {}));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const sshd = {
        host: '127.0.0.1',
        port,
        user: 'nobody',
        clientKey: '/dev/null',
        knownHosts: '/dev/null',
      } as TestSshd;
      const error = await connectError(
        new Session(await testSessionConfig(sshd, ['ConnectTimeout=1']), undefined),
      );
      expect(error.level).toBe('timeout');
      expect(error.message).toBe(
        `timed out after 1 s connecting to 127.0.0.1:${port} (no answer to the SSH handshake); check the host and port, or raise ConnectTimeout`,
      );
    } finally {
      silent.close();
    }
  });

  it('reports a server that is not SSH', async () => {
    const http = net.createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const port = (http.address() as net.AddressInfo).port;
    try {
      const sshd = {
        host: '127.0.0.1',
        port,
        user: 'nobody',
        clientKey: '/dev/null',
        knownHosts: '/dev/null',
      } as TestSshd;
      const error = await connectError(new Session(await testSessionConfig(sshd), undefined));
      expect(error.message).toContain(`127.0.0.1:${port}`);
    } finally {
      http.close();
    }
  });
});
