import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Prompter} from '../../../source/core/session/prompter.js';
import {Session, type SessionConfig, SessionError} from '../../../source/core/session/session.js';
import {createPasswordUser} from '../../helpers/password-user.js';
import {testSessionConfig} from '../../helpers/session.js';
import {freePort, startSshd, type TestSshd} from '../../helpers/sshd.js';

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

/**
 * A jump host that takes a password (on 127.0.0.2, through PAM) in front of a target that takes the test
 * key (on 127.0.0.1): the prompt for the jump host's password names the jump host, as ssh's does
 * ("user@host's password: ", "(user@host) Password: "), so it cannot pass for the target's.
 */
describe.each([
  ['password', ['UsePAM yes', 'PasswordAuthentication yes', 'KbdInteractiveAuthentication no']],
  ['keyboard-interactive', ['UsePAM yes', 'PasswordAuthentication no', 'KbdInteractiveAuthentication yes']],
] as const)('a jump host that asks for a password (%s)', (method, sshdConfig) => {
  let bastion: TestSshd;
  let target: TestSshd;
  let user: Awaited<ReturnType<typeof createPasswordUser>>;
  beforeAll(async () => {
    user = await createPasswordUser();
    bastion = await startSshd({
      config: [...sshdConfig],
      listen: {address: '127.0.0.2', port: await freePort('127.0.0.2')},
    });
    target = await startSshd();
  });
  afterAll(async () => {
    await Promise.all([bastion?.stop(), target?.stop()]);
    await user?.remove();
  });

  const config = async (): Promise<SessionConfig> => {
    const hop = await testSessionConfig(bastion, [], {
      user: user.name,
      identityFiles: [],
      batchMode: false,
      name: 'bastion',
    });
    return testSessionConfig(target, [], {jumpHost: hop, batchMode: false});
  };

  it('prompts naming the jump host, then reaches the target', async () => {
    const prompter = scriptedPrompter([user.password]);
    const session = new Session(await config(), prompter);
    let connected: {authMethod: string; via?: string} | undefined;
    session.events.on((event) => {
      if (event.event === 'session-connected') connected = event;
    });
    await session.connect();
    expect(prompter.asked).toEqual([
      method === 'password' ? `${user.name}@127.0.0.2's password: ` : `(${user.name}@127.0.0.2) Password: `,
    ]);
    expect(connected).toMatchObject({authMethod: `publickey (${target.clientKey})`, via: 'bastion'});
    await session.close();
  });

  it('a wrong password at the jump host fails naming the jump host', async () => {
    const prompter = scriptedPrompter(['wrong', 'wrong again', 'still wrong']);
    const session = new Session(await config(), prompter);
    const error = await session.connect().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    await session.close();
    expect(error).toBeInstanceOf(SessionError);
    expect((error as SessionError).level).toBe('authentication');
    expect((error as SessionError).message).toMatch(
      new RegExp(
        `^the jump host bastion \\(127\\.0\\.0\\.2:${bastion.port}\\): permission denied for ${user.name}@127\\.0\\.0\\.2`,
      ),
    );
    expect(prompter.asked[0]).toBe(
      method === 'password' ? `${user.name}@127.0.0.2's password: ` : `(${user.name}@127.0.0.2) Password: `,
    );
  });
});
