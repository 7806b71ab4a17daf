/** A favorite as text: the summary line, the equivalent ssh command, and the options of tunnels itself. */
import {splitForwardFlag} from '../../core/protocols/forward-spec-format.js';
import type {Favorite} from './favorite.js';

/**
 * A favorite's -o options as text ("ServerAliveInterval=15"), the way favorite-args.ts's keptOptions reads them; Reconnect
 * only with `reconnect` (it is tunnels' own: ssh refuses it). Agent and X11 are flags, not among these.
 */
export function keptOptionTexts(options: Favorite['options'], {reconnect}: {reconnect: boolean}): string[] {
  const yesNo = (flag: boolean) => (flag ? 'yes' : 'no');
  const texts: string[] = [];
  if (options.serverAliveInterval !== undefined)
    texts.push(`ServerAliveInterval=${options.serverAliveInterval}`);
  if (options.exitOnForwardFailure !== undefined)
    texts.push(`ExitOnForwardFailure=${yesNo(options.exitOnForwardFailure)}`);
  if (reconnect && options.reconnect !== undefined) texts.push(`Reconnect=${yesNo(options.reconnect)}`);
  if (options.streamLocalBindMask !== undefined)
    texts.push(`StreamLocalBindMask=${options.streamLocalBindMask}`);
  if (options.streamLocalBindUnlink !== undefined)
    texts.push(`StreamLocalBindUnlink=${yesNo(options.streamLocalBindUnlink)}`);
  if (options.permitRemoteOpen !== undefined) texts.push(`PermitRemoteOpen=${options.permitRemoteOpen}`);
  return texts;
}

const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One shell word: as is when safe, otherwise in single quotes. A leading "~/" stays unquoted. */
function shellQuote(word: string): string {
  if (SHELL_SAFE.test(word)) return word;
  if (word.startsWith('~/') && (word.length === 2 || SHELL_SAFE.test(word.slice(2)))) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Where a favorite connects, in a few words: "deploy@db1:2222 via bastion". */
export function favoriteAddress(favorite: Favorite): string {
  return `${favorite.user ? `${favorite.user}@` : ''}${favorite.host}${favorite.port ? `:${favorite.port}` : ''}${favorite.jumpHost ? ` via ${favorite.jumpHost}` : ''}`;
}

/** What a favorite brings up, in a line: its flags, a Reconnect=no, its forwards ("-A  -L 8080:db:5432"). */
export function favoriteSummary(favorite: Favorite): string {
  const {options} = favorite;
  return [
    options.forwardAgent ? '-A' : '',
    options.forwardX11 ? '-X' : '',
    options.reconnect === false ? '-o Reconnect=no' : '',
    ...favorite.forwards,
  ]
    .filter(Boolean)
    .join('  ');
}

/**
 * The equivalent ssh command line ("Copy as ssh command"): ssh [-p PORT] [-l USER] [-i FILE]...
 * [-o ServerAliveInterval=N] [-o ExitOnForwardFailure=yes|no] [-A|-a] [-X|-x] [-N] [-L ...]... host,
 * with shell quoting where needed. -a, -x and ExitOnForwardFailure=no appear only when the favorite says
 * false explicitly. Reconnect is left out: it is tunnels' own, and ssh would refuse it.
 */
export function sshCommandFor(favorite: Favorite): string {
  return ['ssh', ...optionWords(favorite, 'ssh')].join(' ');
}

/** The favorite as the options of tunnels itself, as its editor shows them: all it holds, Reconnect too. */
export function tunnelsOptionsFor(favorite: Favorite): string {
  return optionWords(favorite, 'tunnels').join(' ');
}

function optionWords(favorite: Favorite, tool: 'ssh' | 'tunnels'): string[] {
  const words: string[] = [];
  if (favorite.port !== undefined) words.push('-p', String(favorite.port));
  if (favorite.user !== undefined) words.push('-l', shellQuote(favorite.user));
  if (favorite.jumpHost !== undefined) words.push('-J', shellQuote(favorite.jumpHost));
  for (const file of favorite.identityFiles) words.push('-i', shellQuote(file));
  const {options} = favorite;
  for (const text of keptOptionTexts(options, {reconnect: tool === 'tunnels'}))
    words.push('-o', shellQuote(text));
  if (options.forwardAgent !== undefined) words.push(options.forwardAgent ? '-A' : '-a');
  if (options.forwardX11 !== undefined) words.push(options.forwardX11 ? '-X' : '-x');
  const forwards: string[] = [];
  for (const forward of favorite.forwards) {
    const split = splitForwardFlag(forward.trim());
    if (split) forwards.push(`-${split.flag}`, shellQuote(split.spec.trim()));
    else forwards.push(shellQuote(forward));
  }
  // ssh needs -N to hold forwards without a shell; a favorite's editor has no use for it.
  if (forwards.length > 0) words.push(...(tool === 'ssh' ? ['-N'] : []), ...forwards);
  words.push(shellQuote(favorite.host));
  return words;
}
