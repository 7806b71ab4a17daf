/**
 * Reading config lines and files into the options: one line's keyword to its reader, Include, and the
 * checks on a file ssh makes before it trusts it.
 * A port of OpenSSH 9.2's readconf.c: its names (match_cfg_line, add_identity_file, ...) are kept where
 * they help compare.
 */
import fs from 'node:fs';
import path from 'node:path';
import {systemGroupIsUserAlone} from '../paths.js';
import {globFiles} from './glob.js';
import {HANDLERS} from './keywords.js';
import {ConfigLineError, splitConfigLine} from './line.js';
import {hostApplies, matchApplies, matchPatternList} from './match.js';
import {OptionError, type ReadContext, type SshOptions} from './options.js';
import {PASSED} from './passed-keywords.js';
import {expandTilde} from './tokens.js';

/** ssh's READCONF_MAX_DEPTH. */
const MAX_INCLUDE_DEPTH = 16;

/**
 * One line: from a file (`active` says whether its Host/Match block applies) or from -o (always applies).
 * Returns whether the following lines apply.
 */
export function processLine(
  options: SshOptions,
  text: string,
  context: ReadContext,
  active: boolean,
): boolean {
  let line: ReturnType<typeof splitConfigLine>;
  try {
    line = splitConfigLine(text);
  } catch (error) {
    if (error instanceof ConfigLineError) throw new OptionError(`${context.where}: ${error.message}`);
    throw error;
  }
  if (!line) return active;
  const {keyword, args} = line;
  const where = context.where;
  if (keyword === 'host' || keyword === 'match') {
    if (context.commandLine)
      throw new OptionError(`${where}: ${keyword === 'host' ? 'Host' : 'Match'} is not an option`);
    if (keyword === 'host') return hostApplies(args, context.host, where);
    return matchApplies(options, line.rest, context, where);
  }
  if (keyword === 'include') {
    if (context.commandLine) throw new OptionError(`${where}: Include is not an option`);
    include(options, args, context, active);
    return active;
  }
  const handler = HANDLERS[keyword];
  if (!handler) {
    const passed = PASSED[keyword];
    if (passed) {
      // Checked where the block does not apply too, as ssh checks every line.
      passed.check(line.args, where, passed.name, active);
      if (active) {
        options.passedOver ??= {};
        options.passedOver[keyword] ??= line.args;
        // Match tagged reads Tag: a -o Tag is used, not passed over.
        if (context.unused && keyword !== 'tag') context.unused.push(text.trim());
      }
      return active;
    }
    if (options.ignoreUnknown !== undefined && matchPatternList(keyword, options.ignoreUnknown, true))
      return active;
    // An unknown -o has always been a warning here (scripts rely on it); ssh refuses it.
    if (context.commandLine && context.unknown) {
      context.unknown.push(text.trim());
      return active;
    }
    throw new OptionError(
      `${where}: unknown option ${keyword} (ssh would refuse it too; IgnoreUnknown ${keyword} lets both pass over it)`,
    );
  }
  handler(
    options,
    {
      ...line,
      applies: active,
      userConfig: context.userConfig || context.commandLine,
      commandLine: context.commandLine,
    },
    (key, value) => {
      if (active && options[key] === undefined) options[key] = value;
    },
    where,
  );
  return active;
}

function include(options: SshOptions, args: string[], context: ReadContext, active: boolean): void {
  const where = context.where;
  for (const arg of args) {
    if (arg === '') throw new OptionError(`${where}: keyword Include empty argument`);
    if (arg.startsWith('~') && !context.userConfig)
      throw new OptionError(`${where}: bad include path ${arg}`);
    let pattern = arg;
    if (!path.isAbsolute(arg) && !arg.startsWith('~'))
      pattern = context.userConfig ? `~/.ssh/${arg}` : path.join(context.systemDirectory, arg);
    if (pattern === '~' || pattern.startsWith('~/')) pattern = path.join(context.home, pattern.slice(1));
    for (const file of globFiles(pattern)) {
      const depth = (context.includeDepth ?? 0) + 1;
      if (depth > MAX_INCLUDE_DEPTH) throw new OptionError('Too many recursive configuration includes');
      // A Match in an included file does not change whether the including file's lines apply.
      const included = {...context, includeDepth: depth};
      readConfigFile(options, file, included, {checkPermissions: true, neverMatch: !active});
      context.wantFinalPass ||= included.wantFinalPass;
    }
  }
}

function isDevNull(stats: fs.Stats): boolean {
  try {
    return fs.statSync('/dev/null').rdev === stats.rdev;
  } catch {
    return false;
  }
}

/**
 * Reads one config file into `options`. Returns false when it does not exist. A file that cannot be
 * trusted (another user's, or writable by others) is refused as ssh refuses it.
 */
export function readConfigFile(
  options: SshOptions,
  file: string,
  context: ReadContext,
  flags: {checkPermissions: boolean; neverMatch?: boolean},
): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw new OptionError(`cannot read ${file}: ${(error as Error).message}`);
  }
  let text = '';
  try {
    const stats = fs.fstatSync(fd);
    // readconf.c's check, with Debian's: a group-writable file is fine when the group is the user alone.
    const writableByOthers = () =>
      (stats.mode & 0o002) !== 0 ||
      ((stats.mode & 0o020) !== 0 && !systemGroupIsUserAlone(stats.gid, context.uid, stats.uid));
    if (flags.checkPermissions && ((stats.uid !== 0 && stats.uid !== context.uid) || writableByOthers()))
      throw new OptionError(
        `Bad owner or permissions on ${file}: it must be yours (or root's) and not writable by others; fix it with chmod go-w ${file}`,
      );
    // ssh reads a directory, or /dev/null, as an empty file; a FIFO or a device could hold the read forever.
    if (stats.isDirectory() || (stats.isCharacterDevice() && isDevNull(stats))) return true;
    if (!stats.isFile()) throw new OptionError(`${file} is not a regular file; give a config file`);
    text = fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
  let active = !flags.neverMatch;
  for (const [index, line] of text.split('\n').entries()) {
    const lineContext = {...context, where: `${file} line ${index + 1}`, commandLine: false};
    const next = processLine(options, line, lineContext, active);
    context.wantFinalPass ||= lineContext.wantFinalPass;
    active = flags.neverMatch ? false : next;
  }
  return true;
}

/** ssh's process_config_files: -F (or "none"), else ~/.ssh/config then the system-wide file. */
export function readConfigFiles(
  options: SshOptions,
  configFile: string | undefined,
  context: ReadContext,
  systemConfig: string | undefined,
): void {
  // A Match final seen in any file asks for the second pass.
  const read = (file: string, userConfig: boolean, checkPermissions: boolean) => {
    const fileContext = {...context, userConfig};
    const found = readConfigFile(options, file, fileContext, {checkPermissions});
    context.wantFinalPass ||= fileContext.wantFinalPass;
    return found;
  };
  if (configFile !== undefined) {
    if (configFile.toLowerCase() === 'none') return;
    const file = expandTilde(configFile, context.home, '-F');
    if (!read(file, true, false))
      throw new OptionError(`cannot open the config file ${file} given with -F: no such file`);
    return;
  }
  read(`${context.home}/.ssh/config`, true, true);
  read(systemConfig ?? '/etc/ssh/ssh_config', false, false);
}
