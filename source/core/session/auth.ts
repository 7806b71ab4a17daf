import {readFile} from 'node:fs/promises';
import type {AuthenticationType, AuthHandlerMiddleware, NextAuthHandler, ParsedKey} from 'ssh2';
import type {Prompter} from './prompter.js';
import ssh2 from './ssh2.js';

export interface AuthOptions {
  user: string;
  /** "user@host" for prompts, as ssh shows it (keyboard-interactive prompts too: "(user@host) Password: "). */
  displayName: string;
  identityFiles: Array<{file: string; explicit: boolean}>;
  agentSocket: string | undefined;
  /**
   * IdentitiesOnly: of the agent's keys, only those of the identity files are offered (an identity file
   * may be the public key alone, its private key held by the agent: 1Password, Secretive).
   */
  identitiesOnly?: boolean;
  /** PubkeyAuthentication no: neither the agent's keys nor the identity files are offered. */
  pubkeyAuthentication?: boolean;
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
    // The keys are read, and the agent asked, only once the server is known to take publickey.
    if (options.agentSocket || options.identityFiles.length > 0) {
      if (options.pubkeyAuthentication === false)
        this.notes.push('no key was offered (PubkeyAuthentication is off)');
      else this.steps.push({method: 'publickey', run: () => this.planPublicKeys()});
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

  /**
   * Puts the public-key attempts at the head of the plan, in ssh's order (sshconnect2.c, pubkey_prepare):
   * the agent's keys that an identity file names, then (without IdentitiesOnly) the agent's other keys,
   * then the identity files whose key the agent does not hold. A file the agent holds is not read again.
   */
  private async planPublicKeys(): Promise<undefined> {
    const {agentSocket, identitiesOnly} = this.options;
    const identities = await Promise.all(this.options.identityFiles.map(readIdentity));
    const agentKeys = agentSocket ? await this.agentKeys(agentSocket) : [];
    const named: Array<{key: ParsedKey; file: string}> = [];
    const others: Array<{key: ParsedKey; file: undefined}> = [];
    const held = new Set<Identity>();
    for (const key of agentKeys) {
      const identity = identities.find(
        (candidate) => !held.has(candidate) && candidate.publicKey && sameKey(candidate.publicKey, key),
      );
      if (identity) {
        held.add(identity);
        named.push({key, file: identity.file});
      } else if (!identitiesOnly) others.push({key, file: undefined});
    }
    if (agentSocket && agentKeys.length > 0 && named.length === 0 && identitiesOnly)
      this.notes.push(
        `the agent holds none of the identity files' keys (IdentitiesOnly offers only those): ${identities.map((identity) => identity.file).join(', ') || 'no IdentityFile is set'}`,
      );
    const steps: typeof this.steps = [];
    const offered = [...named, ...others];
    if (agentSocket && offered.length > 0)
      steps.push({method: 'publickey', run: async () => this.agent(agentSocket, offered)});
    for (const identity of identities)
      if (!held.has(identity))
        steps.push({method: 'publickey', run: () => this.keyFile(identity, agentSocket !== undefined)});
    this.steps.unshift(...steps);
    return undefined;
  }

  /** The agent's keys, or none (with a note saying why). */
  private async agentKeys(socket: string): Promise<ParsedKey[]> {
    const keys = await new Promise<ParsedKey[] | Error>((resolve) => {
      // OpenSSHAgent answers with parsed keys.
      new ssh2.OpenSSHAgent(socket).getIdentities((error, found) =>
        resolve(error ?? ((found ?? []) as ParsedKey[])),
      );
    });
    if (keys instanceof Error) {
      this.notes.push(`the agent at ${socket} could not be reached (${keys.message})`);
      return [];
    }
    if (keys.length === 0) this.notes.push('the agent has no keys (add one with ssh-add)');
    return keys;
  }

  /** One attempt that offers these agent keys in turn (ssh2 goes through them), signed by the agent. */
  private agent(socket: string, keys: Array<{key: ParsedKey; file: string | undefined}>): Attempt {
    const agent = new ChosenKeysAgent(
      socket,
      keys.map(({key}) => key),
    );
    const count = keys.length;
    this.expect('publickey (agent)', () =>
      this.notes.push(`the server refused the agent's ${count === 1 ? 'key' : `${count} keys`}`),
    );
    // Named after the identity file whose key was accepted, when one names it.
    agent.onSign = (key) => {
      const file = keys.find((offered) => sameKey(offered.key, key))?.file;
      if (this.current) this.current.method = file ? `publickey (agent: ${file})` : 'publickey (agent)';
    };
    return {type: 'agent', username: this.options.user, agent};
  }

  private async keyFile(identity: Identity, haveAgent: boolean): Promise<Attempt | undefined> {
    const {file, explicit, data, readError, publicKey} = identity;
    // ssh tries its default key files quietly; a file the user named is worth a word.
    if (!data) {
      if (explicit && !publicKey)
        this.notes.push(`cannot read identity file ${file}: ${readErrorWords(readError)}`);
      else if (explicit) this.notes.push(privateKeyElsewhere(file, haveAgent));
      return undefined;
    }
    let key = identity.key ?? new Error('no key in the file');
    if (key instanceof Error && /encrypted|passphrase/i.test(key.message)) {
      const decrypted = await this.decrypt(file, data);
      if (decrypted === undefined) return undefined;
      key = decrypted;
    }
    if (key instanceof Error) {
      this.notes.push(`identity file ${file} is not a private key ssh2 can read (${key.message})`);
      return undefined;
    }
    if (!key.isPrivateKey()) {
      // A public key alone (IdentityFile work.pub): its private key can only be in the agent.
      this.notes.push(privateKeyElsewhere(file, haveAgent));
      return undefined;
    }
    this.expect(`publickey (${file})`, () => this.notes.push(`the server refused the key ${file}`));
    return {type: 'publickey', username: this.options.user, key};
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
          // As ssh: the server's prompt after whose it is, so that a jump host's cannot pass for the target's.
          for (const question of prompts) {
            answers.push(
              await prompter.ask(`(${this.options.displayName}) ${question.prompt}`, {
                secret: !question.echo,
              }),
            );
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

/** An identity file as read before authentication: its key, and its public key for matching the agent's. */
interface Identity {
  file: string;
  explicit: boolean;
  data?: Buffer;
  readError?: NodeJS.ErrnoException;
  /** Parsed without a passphrase: a private key, a public key (a .pub named as IdentityFile), or why not. */
  key?: ParsedKey | Error;
  /** The file's own key if it has a public part to read without a passphrase, else FILE.pub's. */
  publicKey?: ParsedKey;
}

/** Reads an identity file as ssh does for its public key: the file itself, else FILE.pub beside it. */
async function readIdentity({file, explicit}: {file: string; explicit: boolean}): Promise<Identity> {
  const identity: Identity = {file, explicit};
  try {
    identity.data = await readFile(file);
    identity.key = firstKey(ssh2.utils.parseKey(identity.data));
    if (!(identity.key instanceof Error)) identity.publicKey = identity.key;
  } catch (error) {
    identity.readError = error as NodeJS.ErrnoException;
  }
  if (!identity.publicKey) {
    const pub = await readFile(`${file}.pub`).then(
      (data) => firstKey(ssh2.utils.parseKey(data)),
      (error: Error) => error,
    );
    if (!(pub instanceof Error)) identity.publicKey = pub;
  }
  return identity;
}

function firstKey(parsed: ParsedKey | ParsedKey[] | Error): ParsedKey | Error {
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  return key ?? new Error('no key in the file');
}

function sameKey(a: ParsedKey, b: ParsedKey): boolean {
  return a.getPublicSSH().equals(b.getPublicSSH());
}

/** Why an identity file could not be read, in words. */
function readErrorWords(error: NodeJS.ErrnoException | undefined): string {
  switch (error?.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENOTDIR':
      return 'a part of its path is not a directory';
    case 'ELOOP':
      return 'too many symbolic links';
    default:
      return error?.message ?? 'unknown error';
  }
}

function privateKeyElsewhere(file: string, haveAgent: boolean): string {
  return haveAgent
    ? `the agent does not hold the private key of ${file}`
    : `${file} has only a public key here, and no agent is set to hold its private key`;
}

/** The agent, offering only the keys chosen for this attempt; `onSign` hears which key it signs with. */
class ChosenKeysAgent extends ssh2.OpenSSHAgent {
  onSign: ((key: ParsedKey) => void) | undefined;

  constructor(
    socket: string,
    private readonly keys: ParsedKey[],
  ) {
    super(socket);
    const sign = this.sign.bind(this);
    this.sign = ((key: ParsedKey | Buffer | string, ...rest: unknown[]) => {
      if (typeof key === 'object' && !Buffer.isBuffer(key)) this.onSign?.(key);
      return (sign as (...args: unknown[]) => boolean)(key, ...rest);
    }) as typeof this.sign;
  }

  override getIdentities(callback: (error: Error | undefined, keys?: ParsedKey[]) => void): void {
    process.nextTick(() => callback(undefined, this.keys));
  }
}
