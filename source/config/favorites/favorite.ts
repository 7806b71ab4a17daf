/**
 * A favorite: a named session (host, user, port, jump hosts, identity file paths, a few options and
 * forwards), and the check every favorite passes before it is kept or used, whether it comes from the
 * favorites file, an import or the UI. It never holds a password, a passphrase or a key's contents: a
 * favorite has no field for them and unknown fields are refused.
 */
import {parsePermitRemoteOpen} from '../../core/forwards/permit-remote-open.js';
import {parseStreamLocalBindMask} from '../../core/forwards/unix-socket.js';
import {ForwardSpecError} from '../../core/protocols/forward-spec.js';
import {splitForwardFlag} from '../../core/protocols/forward-spec-format.js';
import {parseForwardSpec} from '../../core/protocols/forward-spec-parse.js';
import {forwardExample} from '../../text/examples.js';
import {servicePort} from '../ssh-config/values.js';

export interface Favorite {
  /** 1-64 chars, [A-Za-z0-9._-], must not start with '-' or '@'. */
  name: string;
  /** A host name, IP, or ~/.ssh/config alias. */
  host: string;
  user?: string;
  /** 1-65535 */
  port?: number;
  /** -J: the jump hosts, "[user@]host[:port][,...]" as given. */
  jumpHost?: string;
  /** Paths only, never key contents. */
  identityFiles: string[];
  options: {
    /** Seconds. */
    serverAliveInterval?: number;
    exitOnForwardFailure?: boolean;
    forwardAgent?: boolean;
    forwardX11?: boolean;
    /** tunnels' own -o Reconnect; unset means yes, as for any session the UI or a favorite starts. */
    reconnect?: boolean;
    /** StreamLocalBindMask, as written (octal, "0177"): the mode of unix sockets made here. */
    streamLocalBindMask?: string;
    /** StreamLocalBindUnlink: replace a socket file in the way. */
    streamLocalBindUnlink?: boolean;
    /** PermitRemoteOpen, as written ("any", "none", "host:port ..."): where -R port connections may go. */
    permitRemoteOpen?: string;
  };
  /** ssh-style forward specs as given to the flags: "-L 8080:db:5432", "-R 9000:localhost:3000", "-D 1080", "-L ftp/2121:ftp:21" */
  forwards: string[];
}

/** A favorite refused, or favorites not saved: the message says why, and what to do. */
export class FavoritesError extends Error {
  override name = 'FavoritesError';
}

const FIELDS = ['name', 'host', 'user', 'port', 'jumpHost', 'identityFiles', 'options', 'forwards'];
const OPTION_FIELDS = [
  'serverAliveInterval',
  'exitOnForwardFailure',
  'forwardAgent',
  'forwardX11',
  'reconnect',
  'streamLocalBindMask',
  'streamLocalBindUnlink',
  'permitRemoteOpen',
];
const NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const CONTROL = /\p{Cc}/u;
const WHITESPACE = /\s/;
const KEY_CONTENTS = /-----BEGIN |PRIVATE KEY|^(?:ssh|ecdsa-sha2|sk-ssh|sk-ecdsa)-[a-z0-9-]+ AAAA/i;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** A value as shown in a message: JSON, cut short. */
export function show(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${show(value)} (${typeof value})`;
}

function checkWord(value: unknown, what: string, maxLength: number): string | undefined {
  if (typeof value !== 'string') return `must be ${what}, not ${kindOf(value)}`;
  if (value === '') return 'is empty';
  if (value.length > maxLength) return `is longer than ${maxLength} characters`;
  if (CONTROL.test(value)) return `${show(value)} contains a control character`;
  if (WHITESPACE.test(value)) return `${show(value)} contains whitespace`;
  if (value.startsWith('-')) return `${show(value)} must not start with "-"`;
  return undefined;
}

function validateOptions(value: unknown, where: string): string | undefined {
  if (!isPlainObject(value)) {
    return `${where}: must be an object (${OPTION_FIELDS.join(', ')}; all optional), not ${kindOf(value)}`;
  }
  for (const key of Object.keys(value)) {
    if (!OPTION_FIELDS.includes(key)) {
      return `${where}.${key}: is not a favorite option (the options are ${OPTION_FIELDS.join(', ')})`;
    }
  }
  const interval = value.serverAliveInterval;
  if (
    interval !== undefined &&
    (typeof interval !== 'number' || !Number.isInteger(interval) || interval < 0 || interval > 2_147_483_647)
  ) {
    return `${where}.serverAliveInterval: ${show(interval)} is not a number of seconds (a whole number, 0 or more)`;
  }
  const checks: Array<[string, (text: string) => unknown]> = [
    ['streamLocalBindMask', parseStreamLocalBindMask],
    ['permitRemoteOpen', parsePermitRemoteOpen],
  ];
  for (const [key, parse] of checks) {
    const text = value[key];
    if (text === undefined) continue;
    if (typeof text !== 'string' || CONTROL.test(text)) return `${where}.${key}: ${show(text)} is not text`;
    try {
      parse(text);
    } catch (error) {
      return `${where}.${key}: ${(error as Error).message}`;
    }
  }
  for (const key of [
    'exitOnForwardFailure',
    'forwardAgent',
    'forwardX11',
    'reconnect',
    'streamLocalBindUnlink',
  ]) {
    const flag = value[key];
    if (flag !== undefined && typeof flag !== 'boolean') {
      return `${where}.${key}: ${show(flag)} is not true or false`;
    }
  }
  return undefined;
}

function validateForward(value: unknown, where: string): string | undefined {
  if (typeof value !== 'string')
    return `${where}: must be a string such as "${forwardExample('L')}", not ${kindOf(value)}`;
  if (CONTROL.test(value)) return `${where}: ${show(value)} contains a control character`;
  // A forward as a favorite keeps it: its flag, a space, its spec ("-L 8080:db:5432").
  const split = splitForwardFlag(value);
  if (!split) {
    return `${where}: ${show(value)} does not start with -L, -R or -D and a space (e.g. "${forwardExample('L')}", "${forwardExample('D')}")`;
  }
  try {
    parseForwardSpec(split.flag, split.spec, servicePort);
  } catch (error) {
    if (error instanceof ForwardSpecError) return `${where}: ${error.message}`;
    throw error;
  }
  return undefined;
}

/**
 * Validates one favorite; returns the first problem as a sentence naming the field
 * ("favorites[2].port: 70000 is not a port (1-65535)") or undefined.
 */
export function validateFavorite(value: unknown, where = 'favorite'): string | undefined {
  if (!isPlainObject(value)) {
    return `${where}: a favorite must be an object with name, host, identityFiles, options and forwards, not ${kindOf(value)}`;
  }
  for (const key of Object.keys(value)) {
    if (!FIELDS.includes(key)) {
      // The value is not shown: it could be the very secret that must not be kept.
      return `${where}.${key}: is not a favorite field (a favorite has ${FIELDS.join(', ')}; it never keeps passwords, passphrases or key contents)`;
    }
  }

  const {name} = value;
  if (typeof name !== 'string') return `${where}.name: must be a string, not ${kindOf(name)}`;
  if (name === '') return `${where}.name: is empty (1-64 characters: letters, digits, ".", "_", "-")`;
  if (name.length > 64) return `${where}.name: ${show(name)} is longer than 64 characters`;
  if (!NAME_PATTERN.test(name)) {
    return `${where}.name: ${show(name)} may only contain letters, digits, ".", "_" and "-"`;
  }
  if (name.startsWith('-')) return `${where}.name: ${show(name)} must not start with "-"`;

  const hostProblem = checkWord(value.host, 'a host name, an IP address or a ~/.ssh/config Host', 1024);
  if (hostProblem) return `${where}.host: ${hostProblem}`;
  if ((value.host as string).includes('@')) {
    return `${where}.host: ${show(value.host)} contains "@" (put the user name in user)`;
  }

  if (value.user !== undefined) {
    const userProblem = checkWord(value.user, 'a user name', 256);
    if (userProblem) return `${where}.user: ${userProblem}`;
  }

  const {port} = value;
  if (
    port !== undefined &&
    (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
  ) {
    return `${where}.port: ${show(port)} is not a port (1-65535)`;
  }

  if (value.jumpHost !== undefined) {
    const jumpProblem = checkWord(value.jumpHost, 'jump hosts ([user@]host[:port][,...])', 4096);
    if (jumpProblem) return `${where}.jumpHost: ${jumpProblem}`;
  }

  const {identityFiles} = value;
  if (!Array.isArray(identityFiles)) {
    return `${where}.identityFiles: must be a list of key file paths (may be empty), not ${kindOf(identityFiles)}`;
  }
  for (const [index, file] of identityFiles.entries()) {
    const at = `${where}.identityFiles[${index}]`;
    if (typeof file !== 'string') return `${at}: must be a file path, not ${kindOf(file)}`;
    if (KEY_CONTENTS.test(file)) {
      return `${at}: looks like a key's contents, not a file path (a favorite keeps only the path of a key file)`;
    }
    if (file === '') return `${at}: is empty (a key file path)`;
    if (file.length > 4096) return `${at}: is longer than 4096 characters`;
    if (CONTROL.test(file)) return `${at}: ${show(file)} contains a control character`;
  }

  const optionsProblem = validateOptions(value.options, `${where}.options`);
  if (optionsProblem) return optionsProblem;

  const {forwards} = value;
  if (!Array.isArray(forwards)) {
    return `${where}.forwards: must be a list of forwards such as "${forwardExample('L')}" (may be empty), not ${kindOf(forwards)}`;
  }
  for (const [index, forward] of forwards.entries()) {
    const problem = validateForward(forward, `${where}.forwards[${index}]`);
    if (problem) return problem;
  }
  return undefined;
}

/** A copy with exactly the fields of a Favorite, in a fixed order; `favorite` must be valid. */
export function normalizeFavorite(favorite: Favorite): Favorite {
  const options: Favorite['options'] = {};
  const source = favorite.options;
  if (source.serverAliveInterval !== undefined) options.serverAliveInterval = source.serverAliveInterval;
  if (source.exitOnForwardFailure !== undefined) options.exitOnForwardFailure = source.exitOnForwardFailure;
  if (source.forwardAgent !== undefined) options.forwardAgent = source.forwardAgent;
  if (source.forwardX11 !== undefined) options.forwardX11 = source.forwardX11;
  if (source.reconnect !== undefined) options.reconnect = source.reconnect;
  if (source.streamLocalBindMask !== undefined) options.streamLocalBindMask = source.streamLocalBindMask;
  if (source.streamLocalBindUnlink !== undefined)
    options.streamLocalBindUnlink = source.streamLocalBindUnlink;
  if (source.permitRemoteOpen !== undefined) options.permitRemoteOpen = source.permitRemoteOpen;
  return {
    name: favorite.name,
    host: favorite.host,
    ...(favorite.user !== undefined ? {user: favorite.user} : {}),
    ...(favorite.port !== undefined ? {port: favorite.port} : {}),
    ...(favorite.jumpHost !== undefined ? {jumpHost: favorite.jumpHost} : {}),
    identityFiles: [...favorite.identityFiles],
    options,
    forwards: [...favorite.forwards],
  };
}

/** By name, as people sort them: numbers in names by value ("db2" before "db10"). */
export const compareNames = (a: Favorite, b: Favorite): number =>
  a.name.localeCompare(b.name, 'en', {numeric: true}) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
