// Resolving a host alias through an OpenSSH client config (ssh_config(5)), as ssh's readconf.c does.
// Lines are tokenised by the ssh-config package; matching, Include and token expansion are done here.
import {createHash} from 'node:crypto';
import {readdir, readFile, stat} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {parse} from 'ssh-config';
import {expandHome, homeDirectory, matchPattern} from './paths.js';

export interface HostConfig {
  hostName?: string;
  user?: string;
  port?: number;
  /** In order; "~" and the tokens %d %u %l %h %r %p %% (and %L %n %i %k %C, ${ENV}) expanded as ssh does. */
  identityFiles: string[];
  /** Raw values, e.g. "8080 db:5432". */
  localForwards: string[];
  remoteForwards: string[];
  dynamicForwards: string[];
  /**
   * Every other keyword that applied, lower-cased key → first value (ssh's first-obtained-wins), e.g.
   * stricthostkeychecking, userknownhostsfile, serveraliveinterval, proxyjump.
   */
  options: Record<string, string>;
}

export interface HostConfigContext {
  localUser?: string;
  homeDir?: string;
  /** The user given on the command line (-l, user@host): beats the config's User for %r. */
  remoteUser?: string;
}

interface Directive {
  /** Lower-cased keyword. */
  keyword: string;
  /** The value as one string: quotes removed from single values, multi-word values re-joined. */
  value: string;
  /** The value split into words (quotes removed). */
  args: string[];
  /** The line could not be tokenised (unterminated quote, Host or Match without a usable value). */
  broken?: boolean;
}

interface ConfigFile {
  file: string;
  directives: Directive[];
}

/** Finds the files an Include argument names; undefined when includes are not followed. */
type IncludeResolver = (argument: string) => ConfigFile[];

/** ssh's READCONF_MAX_DEPTH. */
const MAX_INCLUDE_DEPTH = 16;
const ACCUMULATING = new Set(['identityfile', 'localforward', 'remoteforward', 'dynamicforward']);

type Token = {val: string; separator: string; quoted?: boolean};

function parseLine(line: string): Directive | undefined {
  let nodes: ReturnType<typeof parse>;
  try {
    nodes = parse(line);
  } catch {
    const keyword = /^\s*([^\s=#]+)/.exec(line)?.[1]?.toLowerCase();
    return keyword === undefined ? undefined : {keyword, value: '', args: [], broken: true};
  }
  const node = nodes[0];
  if (node === undefined || !('param' in node) || node.param === '') return undefined;
  const raw = node.value as string | Token[];
  const keyword = node.param.toLowerCase();
  if (typeof raw === 'string') return {keyword, value: raw, args: raw === '' ? [] : [raw]};
  const value = raw
    .map((token, index) => {
      const word = token.quoted ? `"${token.val}"` : token.val;
      return index === 0 ? word : `${token.separator}${word}`;
    })
    .join('');
  return {keyword, value, args: raw.map((token) => token.val)};
}

function parseConfig(text: string): Directive[] {
  const directives: Directive[] = [];
  for (const line of text.split(/\r?\n/)) {
    const directive = parseLine(line);
    if (directive) directives.push(directive);
  }
  return directives;
}

/** A Host line: any matching pattern activates the block, unless a negated pattern matches. */
function hostLineMatches(patterns: string[], host: string): boolean {
  let positive = false;
  for (const pattern of patterns) {
    if (pattern.startsWith('!')) {
      if (matchPattern(host, pattern.slice(1))) return false;
    } else if (matchPattern(host, pattern)) {
      positive = true;
    }
  }
  return positive;
}

interface Collected {
  first: Map<string, string>;
  lists: Map<string, string[]>;
}

function apply(
  directives: Directive[],
  host: string,
  collected: Collected,
  neverMatch: boolean,
  depth: number,
  includes: IncludeResolver | undefined,
): void {
  let active = !neverMatch;
  for (const directive of directives) {
    const {keyword} = directive;
    if (keyword === 'host') {
      active = !neverMatch && !directive.broken && hostLineMatches(directive.args, host);
    } else if (keyword === 'match') {
      // Match criteria are not evaluated; only "Match all" (often used to end a Host block) applies.
      active =
        !neverMatch &&
        !directive.broken &&
        directive.args.length === 1 &&
        directive.args[0]!.toLowerCase() === 'all';
    } else if (!active || directive.broken) {
      // Not for this host, or unreadable.
    } else if (keyword === 'include') {
      if (!includes) continue;
      if (depth >= MAX_INCLUDE_DEPTH) throw new Error('Too many recursive configuration includes');
      for (const argument of directive.args) {
        for (const file of includes(argument)) {
          apply(file.directives, host, collected, false, depth + 1, includes);
        }
      }
    } else if (ACCUMULATING.has(keyword)) {
      if (directive.value === '') continue;
      const list = collected.lists.get(keyword) ?? [];
      list.push(directive.value);
      collected.lists.set(keyword, list);
    } else if (keyword === 'port' && parsePort(directive.value) === undefined) {
      // An unusable Port (ssh would refuse it) does not hide a later valid one.
    } else if (!collected.first.has(keyword) && directive.value !== '') {
      collected.first.set(keyword, directive.value);
    }
  }
}

function parsePort(value: string): number | undefined {
  const port = Number(value);
  return /^\d+$/.test(value) && port > 0 && port < 65536 ? port : undefined;
}

function defaultLocalUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? process.env.LOGNAME ?? process.env.USERNAME ?? '';
  }
}

/** "%x" tokens, single pass; unknown tokens are left as they are. */
function percentExpand(value: string, tokens: Record<string, string>): string {
  return value.replace(/%(.)/gs, (match, key: string) => (key === '%' ? '%' : (tokens[key] ?? match)));
}

function dollarExpand(value: string): string {
  return value.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g,
    (match, name: string) => process.env[name] ?? match,
  );
}

function resolveDirectives(
  directives: Directive[],
  host: string,
  context: HostConfigContext,
  includes: IncludeResolver | undefined,
): HostConfig {
  const collected: Collected = {first: new Map(), lists: new Map()};
  apply(directives, host, collected, false, 0, includes);
  const {first, lists} = collected;

  const config: HostConfig = {
    identityFiles: [],
    localForwards: lists.get('localforward') ?? [],
    remoteForwards: lists.get('remoteforward') ?? [],
    dynamicForwards: lists.get('dynamicforward') ?? [],
    options: {},
  };
  for (const [key, value] of first) {
    if (key === 'hostname') config.hostName = percentExpand(value, {h: host}).toLowerCase();
    else if (key === 'user') config.user = value;
    else if (key === 'port') config.port = parsePort(value);
    else config.options[key] = value;
  }

  const homeDir = context.homeDir ?? homeDirectory();
  const localUser = context.localUser ?? defaultLocalUser();
  const localHost = os.hostname();
  const remoteHost = config.hostName ?? host.toLowerCase();
  const remoteUser = context.remoteUser ?? config.user ?? localUser;
  const port = String(config.port ?? 22);
  const tokens: Record<string, string> = {
    d: homeDir,
    u: localUser,
    l: localHost,
    L: localHost.split('.')[0] ?? localHost,
    h: remoteHost,
    n: host,
    p: port,
    r: remoteUser,
    k: config.options.hostkeyalias ?? host,
    C: createHash('sha1').update(`${localHost}${remoteHost}${port}${remoteUser}`).digest('hex'),
  };
  const uid = process.getuid?.();
  if (uid !== undefined) tokens.i = String(uid);
  config.identityFiles = (lists.get('identityfile') ?? []).map((file) =>
    percentExpand(dollarExpand(expandHome(file, homeDir)), tokens),
  );
  return config;
}

/**
 * Parses config text and computes what applies to `host` (Host patterns with * ? and !negation, `Host *`
 * defaults last, first value wins; IdentityFile/LocalForward/RemoteForward/DynamicForward accumulate).
 * `Match` blocks are ignored (except `Match all`); `Include` is not followed (see loadHostConfig).
 */
export function resolveHostConfig(text: string, host: string, context: HostConfigContext = {}): HostConfig {
  return resolveDirectives(parseConfig(text), host, context, undefined);
}

const GLOB_CHARS = /[*?[]/;

/** glob(3)-style: a wildcard never matches a leading dot unless the pattern has one. */
function globSegmentMatches(name: string, pattern: string): boolean {
  if (name.startsWith('.') && !pattern.startsWith('.')) return false;
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index]!;
    if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '[') {
      const end = pattern.indexOf(']', index + 2);
      if (end === -1) {
        source += '\\[';
        continue;
      }
      let set = pattern.slice(index + 1, end);
      const negated = set.startsWith('!');
      if (negated) set = set.slice(1);
      source += `[${negated ? '^' : ''}${set.replace(/[\\\]^]/g, '\\$&')}]`;
      index = end;
    } else source += char.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's').test(name);
}

async function isDirectory(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isDirectory();
  } catch {
    return false;
  }
}

/** Expands an absolute glob pattern into existing paths, sorted as glob(3) does. */
async function expandGlob(pattern: string): Promise<string[]> {
  if (!GLOB_CHARS.test(pattern)) return [pattern];
  const root = path.parse(pattern).root;
  let candidates = [root];
  const segments = pattern.slice(root.length).split(path.sep).filter(Boolean);
  for (const [index, segment] of segments.entries()) {
    const last = index === segments.length - 1;
    const next: string[] = [];
    for (const base of candidates) {
      if (!GLOB_CHARS.test(segment)) {
        next.push(path.join(base, segment));
        continue;
      }
      let names: string[];
      try {
        names = await readdir(base);
      } catch {
        continue;
      }
      for (const name of names) {
        if (!globSegmentMatches(name, segment)) continue;
        const candidate = path.join(base, name);
        if (last || (await isDirectory(candidate))) next.push(candidate);
      }
    }
    candidates = next;
  }
  return candidates.sort();
}

/** An Include argument as ssh reads it: "~" expanded, relative paths under ~/.ssh. */
function includePattern(argument: string): string {
  const home = homeDirectory();
  const expanded = expandHome(argument, home);
  return path.isAbsolute(expanded) ? expanded : path.join(home, '.ssh', expanded);
}

async function readConfigFile(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
    throw error;
  }
}

/**
 * Reads the file (missing file → empty config; "~/" expanded), follows `Include` directives (relative paths are
 * relative to ~/.ssh, globs allowed, as ssh does) and resolves.
 */
export async function loadHostConfig(
  file: string,
  host: string,
  context: HostConfigContext = {},
): Promise<HostConfig> {
  const parsed = new Map<string, Directive[]>();
  const included = new Map<string, string[]>();

  // Reads every file reachable through Include up front (each once), so resolution can stay synchronous.
  const load = async (name: string): Promise<void> => {
    if (parsed.has(name)) return;
    const text = await readConfigFile(name);
    const directives = text === undefined ? [] : parseConfig(text);
    parsed.set(name, directives);
    for (const directive of directives) {
      if (directive.keyword !== 'include') continue;
      for (const argument of directive.args) {
        if (included.has(argument)) continue;
        const files = await expandGlob(includePattern(argument));
        included.set(argument, files);
        for (const found of files) await load(found);
      }
    }
  };

  const top = expandHome(file, homeDirectory());
  await load(top);
  const resolver: IncludeResolver = (argument) =>
    (included.get(argument) ?? []).map((name) => ({file: name, directives: parsed.get(name) ?? []}));
  return resolveDirectives(parsed.get(top) ?? [], host, context, resolver);
}

/** Host aliases without wildcards, in file order, for completion in a UI. */
export function listHostAliases(text: string): string[] {
  const aliases = new Set<string>();
  for (const directive of parseConfig(text)) {
    if (directive.keyword !== 'host') continue;
    for (const pattern of directive.args) {
      if (!pattern.startsWith('!') && !/[*?]/.test(pattern)) aliases.add(pattern);
    }
  }
  return [...aliases];
}
