import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Prompter} from '../../../source/core/session/prompter.js';
import {Session, type SessionError} from '../../../source/core/session/session.js';
import {createPasswordUser} from '../../helpers/password-user.js';
import {testSessionConfig} from '../../helpers/session.js';
import {startSshd, type TestSshd} from '../../helpers/sshd.js';

function scriptedPrompter(answers: string[]): Prompter & {asked: Array<{prompt: string; secret: boolean}>} {
  const asked: Array<{prompt: string; secret: boolean}> = [];
  return {
    asked,
    inform: () => {},
    ask: async (prompt, {secret}) => {
      asked.push({prompt, secret});
      const answer = answers.shift();
      if (answer === undefined) throw new Error(`unexpected prompt: ${prompt}`);
      return answer;
    },
  };
}

async function failure(session: Session): Promise<SessionError> {
  try {
    await session.connect();
  } catch (error) {
    return error as SessionError;
  } finally {
    await session.close();
  }
  throw new Error('connected, but a failure was expected');
}

describe.each([
  ['password', ['UsePAM yes', 'PasswordAuthentication yes', 'KbdInteractiveAuthentication no'], 'password'],
  [
    'keyboard-interactive',
    ['UsePAM yes', 'PasswordAuthentication no', 'KbdInteractiveAuthentication yes'],
    'keyboard-interactive',
  ],
] as const)('%s authentication through a real sshd and PAM', (_name, sshdConfig, method) => {
  let sshd: TestSshd;
  let user: Awaited<ReturnType<typeof createPasswordUser>>;
  beforeAll(async () => {
    user = await createPasswordUser();
    sshd = await startSshd({config: [...sshdConfig]});
  });
  afterAll(async () => {
    await sshd?.stop();
    await user?.remove();
  });

  const config = () => testSessionConfig(sshd, [], {user: user.name, identityFiles: [], batchMode: false});

  it('prompts with echo off and logs in', async () => {
    const prompter = scriptedPrompter([user.password]);
    const session = new Session(await config(), prompter);
    const connected = new Promise<string>((resolve) =>
      session.events.on((event) => {
        if (event.event === 'session-connected') resolve(event.authMethod);
      }),
    );
    await session.connect();
    expect(await connected).toBe(method);
    expect(prompter.asked).toHaveLength(1);
    expect(prompter.asked[0]!.secret).toBe(true);
    // keyboard-interactive: the server's prompt after whose it is, as ssh shows it.
    expect(prompter.asked[0]!.prompt).toBe(
      method === 'password' ? `${user.name}@127.0.0.1's password: ` : `(${user.name}@127.0.0.1) Password: `,
    );
    await session.close();
  });

  it('says the password was wrong', async () => {
    const error = await failure(
      new Session(await config(), scriptedPrompter(['nope', 'nope again', 'still no'])),
    );
    expect(error.level).toBe('authentication');
    if (method === 'password') expect(error.message).toContain('wrong password (3 tries)');
    else expect(error.message).toContain('keyboard-interactive answers were not accepted');
  });

  it('does not ask without a terminal, and says so', async () => {
    const error = await failure(new Session(await config(), undefined));
    expect(error.message).toMatch(/there is no terminal to (type it|answer) on/);
  });
});
