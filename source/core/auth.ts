import {readFile} from 'node:fs/promises';
import type {AuthenticationType, AuthHandlerMiddleware, NextAuthHandler} from 'ssh2';
import type {Prompter} from './prompter.js';
import ssh2 from './ssh2.js';

export interface AuthOptions {
  user: string;
  /** "user@host" for prompts, as ssh shows it. */
  displayName: string;
  identityFiles: Array<{file: string; explicit: boolean}>;
  agentSocket: string | undefined;
  passwordAuthentication: boolean;
  kbdInteractiveAuthentication: boolean;
  numberOfPasswordPrompts: number;
  /** No prompts at all (BatchMode, or no terminal). */
  prompter: Prompter | undefined;
}

type Attempt = Parameters<NextAuthHandler>[0];

/**
 * Plans authentication as ssh does (agent keys, identity files, keyboard-interactive, password), skips
 * what the server does not accept, and keeps notes so a final failure can say exactly what was tried.
 */
export class Authenticator {
  readonly notes: string[] = [];
  method: string | undefined;
  serverMethods: string[] | undefined;
  private readonly steps: Array<{method: AuthenticationType; run: () => Promise<Attempt | undefined>}>;
  private current: {method: string; onFailure: () => void} | undefined;
  private passwordTries = 0;
  private wrongPasswords = 0;

  constructor(private readonly options: AuthOptions) {
    this.steps = [];
    if (options.agentSocket) this.steps.push({method: 'publickey', run: () => this.agent()});
    for (const identity of options.identityFiles) {
      this.steps.push({method: 'publickey', run: () => this.keyFile(identity.file, identity.explicit)});
    }
    if (options.kbdInteractiveAuthentication) {
      this.steps.push({method: 'keyboard-interactive', run: () => this.keyboardInteractive()});
    }
    if (options.passwordAuthentication) {
      for (let i = 0; i < Math.max(1, options.numberOfPasswordPrompts); i++) {
        this.steps.push({method: 'password', run: () => this.password()});
      }
    }
  }

  /** ssh2's authHandler: called for each next attempt; false ends authentication. */
  readonly handler: AuthHandlerMiddleware = (methodsLeft, _partialSuccess, callback) => {
    if (methodsLeft) this.serverMethods = methodsLeft;
    // Being asked again means the attempt in flight was refused.
    this.current?.onFailure();
    this.current = undefined;
    // ssh2 ends authentication on `false`; its types leave that out.
    const done = callback as (attempt: Attempt | false) => void;
    this.next(methodsLeft)
      .then((attempt) => done(attempt ?? false))
      .catch((error: Error) => {
        this.fatal = error;
        done(false);
      });
  };

  /** A reason to stop that is not a refusal (the person cancelled a prompt). */
  fatal: Error | undefined;

  private askedNone = false;

  private async next(methodsLeft: AuthenticationType[] | null): Promise<Attempt | undefined> {
    // As ssh: first ask with "none" to learn which methods the server takes, so nobody is prompted for a
    // password the server would not accept.
    if (methodsLeft === null && !this.askedNone) {
      this.askedNone = true;
      this.expect('none', () => {});
      return {type: 'none', username: this.options.user};
    }
    for (;;) {
      const step = this.steps.shift();
      if (!step) return undefined;
      const allowed = methodsLeft === null || methodsLeft.includes(step.method);
      if (!allowed) continue;
      const attempt = await step.run();
      if (attempt) return attempt;
    }
  }

  /** Called when the server accepted the attempt in flight. */
  succeeded(): void {
    this.method = this.current?.method;
    this.current = undefined;
  }

  private expect(method: string, onFailure: () => void): void {
    this.current = {method, onFailure};
  }

  private async agent(): Promise<Attempt | undefined> {
    const socket = this.options.agentSocket!;
    const count = await new Promise<number | Error>((resolve) => {
      new ssh2.OpenSSHAgent(socket).getIdentities((error, keys) => resolve(error ?? keys?.length ?? 0));
    });
    if (count instanceof Error) {
      this.notes.push(`the agent at ${socket} could not be reached (${count.message})`);
      return undefined;
    }
    if (count === 0) {
      this.notes.push('the agent has no keys (add one with ssh-add)');
      return undefined;
    }
    this.expect('publickey (agent)', () =>
      this.notes.push(`the server refused the agent's ${count === 1 ? 'key' : `${count} keys`}`),
    );
    return {type: 'agent', username: this.options.user, agent: socket};
  }

  private async keyFile(file: string, explicit: boolean): Promise<Attempt | undefined> {
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch (error) {
      // ssh tries its default key files quietly; a file the user named is worth a word.
      if (explicit)
        this.notes.push(`identity file ${file} cannot be read (${(error as NodeJS.ErrnoException).code})`);
      return undefined;
    }
    let key = ssh2.utils.parseKey(data);
    if (key instanceof Error && /encrypted|passphrase/i.test(key.message)) {
      const decrypted = await this.decrypt(file, data);
      if (decrypted === undefined) return undefined;
      key = decrypted;
    }
    if (key instanceof Error) {
      this.notes.push(`identity file ${file} is not a private key ssh2 can read (${key.message})`);
      return undefined;
    }
    const parsed = Array.isArray(key) ? key[0] : key;
    if (!parsed) return undefined;
    this.expect(`publickey (${file})`, () => this.notes.push(`the server refused the key ${file}`));
    return {type: 'publickey', username: this.options.user, key: parsed};
  }

  private async decrypt(
    file: string,
    data: Buffer,
  ): Promise<ReturnType<typeof ssh2.utils.parseKey> | undefined> {
    const {prompter} = this.options;
    if (!prompter) {
      this.notes.push(
        `the key ${file} needs a passphrase and there is no terminal to ask on (load it into ssh-agent, or run in a terminal)`,
      );
      return undefined;
    }
    for (let tries = 0; tries < 3; tries++) {
      const passphrase = await prompter.ask(`Enter passphrase for key '${file}': `, {secret: true});
      if (passphrase === '') break;
      const key = ssh2.utils.parseKey(data, passphrase);
      if (!(key instanceof Error)) return key;
      prompter.inform('Bad passphrase, try again.');
    }
    this.notes.push(`no valid passphrase was given for the key ${file}`);
    return undefined;
  }

  private async keyboardInteractive(): Promise<Attempt | undefined> {
    const {prompter, user} = this.options;
    if (!prompter) {
      this.notes.push('keyboard-interactive was not tried: there is no terminal to answer on');
      return undefined;
    }
    this.expect('keyboard-interactive', () =>
      this.notes.push('keyboard-interactive answers were not accepted'),
    );
    return {
      type: 'keyboard-interactive',
      username: user,
      prompt: (name, instructions, _lang, prompts, finish) => {
        void (async () => {
          const heading = [name, instructions].filter(Boolean).join('\n');
          if (heading) prompter.inform(heading);
          const answers: string[] = [];
          for (const question of prompts) {
            answers.push(await prompter.ask(question.prompt, {secret: !question.echo}));
          }
          finish(answers);
        })().catch((error: Error) => {
          this.fatal = error;
          finish([]);
        });
      },
    };
  }

  private async password(): Promise<Attempt | undefined> {
    const {prompter, user, displayName} = this.options;
    if (!prompter) {
      if (this.passwordTries === 0) {
        this.passwordTries = -1;
        this.notes.push(
          'password was not tried: there is no terminal to type it on (BatchMode, or not run in a terminal)',
        );
      }
      return undefined;
    }
    if (this.passwordTries > 0) prompter.inform('Permission denied, please try again.');
    this.passwordTries++;
    const password = await prompter.ask(`${displayName}'s password: `, {secret: true});
    this.expect('password', () => this.wrongPasswords++);
    return {type: 'password', username: user, password};
  }

  /** The sentence for a final authentication failure. */
  failureMessage(): string {
    if (this.fatal) return `authentication stopped: ${this.fatal.message}`;
    if (this.wrongPasswords > 0) {
      this.notes.push(
        `wrong password (${this.wrongPasswords} ${this.wrongPasswords === 1 ? 'try' : 'tries'})`,
      );
      this.wrongPasswords = 0;
    }
    const accepts = this.serverMethods?.length
      ? ` (the server accepts: ${this.serverMethods.join(', ')})`
      : '';
    const tried = this.notes.length > 0 ? `: ${this.notes.join('; ')}.` : '.';
    const nothing =
      this.notes.length === 0
        ? ' Nothing could be offered: name a key with -i, load one into ssh-agent, or run in a terminal to type a password.'
        : '';
    return `permission denied for ${this.options.displayName}${accepts}${tried}${nothing}`;
  }
}
