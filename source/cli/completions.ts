/**
 * `tunnels completions bash|zsh|fish`: the shell's completion script, made from the same tables as the
 * parser (option-table.ts, command-table.ts), so it offers exactly the options tunnels takes. What
 * changes while the script is loaded (the Hosts of ~/.ssh/config, favorites, background sessions) the
 * script asks of `tunnels completions words KIND` when it completes.
 */
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {OPTIONS, type OptionEntry, optionWords, SSH_OPTION_KEYS} from '../config/option-table.js';
import {homeDirectory} from '../text/home-path.js';
import {safeLines, safeText} from '../text/safe-text.js';
import {type ArgumentCompletion, COMMANDS, commandNamed} from './command-table.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

const visible = (): OptionEntry[] => OPTIONS.filter((entry) => !entry.hidden);
const flagsOf = (entries: OptionEntry[]) => entries.flatMap(optionWords);
const valueFlags = (completion?: OptionEntry['completion']) =>
  flagsOf(
    OPTIONS.filter(
      (entry) => entry.value !== undefined && (completion === undefined || entry.completion === completion),
    ),
  );
const FAVORITE_VERBS = () => (commandNamed('favorites')?.subcommands ?? []).map((sub) => sub.name);

/** The shell words that complete an argument of this kind (bash): a compgen word list or command. */
function bashArgument(kind: ArgumentCompletion): string {
  switch (kind) {
    case 'sessions':
      return 'COMPREPLY=($(compgen -W "$(_tunnels_words sessions)" -- "$cur"))';
    case 'destinations':
      return 'COMPREPLY=($(compgen -W "$(_tunnels_words hosts) $(_tunnels_words favorites | sed \'s/^/@/\')" -- "$cur"))';
    case 'favorites':
      return 'COMPREPLY=($(compgen -W "$(_tunnels_words favorites)" -- "$cur"))';
    case 'shells':
      return `COMPREPLY=($(compgen -W "${SHELLS.join(' ')}" -- "$cur"))`;
    case 'files':
      return 'COMPREPLY=($(compgen -f -- "$cur"))';
    case 'none':
      return 'COMPREPLY=()';
  }
}

function bashScript(): string {
  const commandCases = COMMANDS.map((command) => {
    const flags = [...command.flags, '--help'].join(' ');
    const subcommands = command.subcommands;
    if (subcommands) {
      const inner = subcommands
        .map((sub) => `        ${sub.name}) ${bashArgument(sub.completes)} ;;`)
        .join('\n');
      return `    ${command.name})
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "--help" -- "$cur")); return; fi
      if (( COMP_CWORD == 2 )); then COMPREPLY=($(compgen -W "${FAVORITE_VERBS().join(' ')}" -- "$cur")); return; fi
      case "\${COMP_WORDS[2]}" in
${inner}
      esac
      return ;;`;
    }
    // up takes every option of tunnels itself.
    const allFlags = command.completes === 'destinations' ? `${flags} $options` : flags;
    return `    ${command.name})
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "${allFlags}" -- "$cur")); return; fi
      ${command.completes === 'destinations' ? '' : 'if (( COMP_CWORD == 2 )); then '}${bashArgument(command.completes)}${command.completes === 'destinations' ? '' : '; fi'}
      return ;;`;
  }).join('\n');
  return `# bash completion for tunnels; made by \`tunnels completions bash\` from its option table.
_tunnels_words() {
  command "\${TUNNELS_COMMAND:-tunnels}" completions words "$1" 2>/dev/null
}

_tunnels() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev=""
  (( COMP_CWORD > 0 )) && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local options="${flagsOf(visible()).join(' ')}"
  COMPREPLY=()
  case "$prev" in
    ${valueFlags('files').join('|')}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    ${valueFlags('ssh-options').join('|')})
      COMPREPLY=($(compgen -S = -W "${SSH_OPTION_KEYS.join(' ')}" -- "$cur"))
      compopt -o nospace 2>/dev/null
      return ;;
    ${valueFlags('hosts').join('|')}) COMPREPLY=($(compgen -W "$(_tunnels_words hosts)" -- "$cur")); return ;;
    ${valueFlags().join('|')}) return ;;
  esac
  if (( COMP_CWORD > 1 )); then
    case "\${COMP_WORDS[1]}" in
${commandCases}
    esac
  fi
  if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$options" -- "$cur")); return; fi
  local first=""
  (( COMP_CWORD == 1 )) && first="${COMMANDS.map((command) => command.name).join(' ')}"
  COMPREPLY=($(compgen -W "$first $(_tunnels_words hosts) $(_tunnels_words favorites | sed 's/^/@/')" -- "$cur"))
}
complete -F _tunnels tunnels
`;
}

/** An option's description for zsh's _arguments: its first clause, brackets and colons escaped. */
const zshText = (text: string) =>
  text
    .split(/[;(]/)[0]!
    .trim()
    .replace(/([[\]:\\])/g, '\\$1')
    .replaceAll("'", "'\\''");

function zshOption(entry: OptionEntry): string {
  const action =
    entry.completion === 'files'
      ? '_files'
      : entry.completion === 'hosts'
        ? '_tunnels_hosts'
        : entry.completion === 'ssh-options'
          ? `(${SSH_OPTION_KEYS.map((key) => `${key}=`).join(' ')})`
          : ' ';
  const value = entry.value !== undefined ? `:${zshText(entry.value)}:${action}` : '';
  const repeat = entry.repeatable ? '*' : '';
  return optionWords(entry)
    .map((word) => `'${repeat}${word}[${zshText(entry.description)}]${value}'`)
    .join(' ');
}

function zshScript(): string {
  const commands = COMMANDS.map((command) => `'${command.name}:${zshText(command.summary)}'`).join(' ');
  const zshArgument = (kind: ArgumentCompletion) =>
    ({
      sessions: `compadd -- \${(f)"$(_tunnels_words sessions)"}`,
      destinations: '_tunnels_destinations',
      favorites: `compadd -- \${(f)"$(_tunnels_words favorites)"}`,
      shells: `compadd -- ${SHELLS.join(' ')}`,
      files: '_files',
      none: ':',
    })[kind];
  const cases = COMMANDS.map((command) => {
    if (command.subcommands)
      return `    ${command.name})
      if (( CURRENT == 3 )); then compadd -- ${FAVORITE_VERBS().join(' ')}; return; fi
      case $words[3] in
${command.subcommands.map((sub) => `        ${sub.name}) ${zshArgument(sub.completes)} ;;`).join('\n')}
      esac
      return ;;`;
    return `    ${command.name})
      if [[ $PREFIX == -* ]]; then compadd -- ${[...command.flags, '--help'].join(' ')}; return; fi
      ${zshArgument(command.completes)}; return ;;`;
  }).join('\n');
  return `#compdef tunnels
# zsh completion for tunnels; made by \`tunnels completions zsh\` from its option table.
_tunnels_words() { command \${TUNNELS_COMMAND:-tunnels} completions words $1 2>/dev/null }
_tunnels_hosts() { compadd -- \${(f)"$(_tunnels_words hosts)"} }
_tunnels_destinations() {
  _tunnels_hosts
  compadd -P @ -- \${(f)"$(_tunnels_words favorites)"}
}
_tunnels_first() {
  local -a commands
  commands=(${commands})
  _describe -t commands command commands
  _tunnels_destinations
}
_tunnels() {
  if (( CURRENT > 2 )); then
    case $words[2] in
${cases}
    esac
  fi
  _arguments -s -S ${visible().map(zshOption).join(' \\\n    ')} \\
    '1: :_tunnels_first' '*:: :_files'
}
_tunnels "$@"
`;
}

function fishScript(): string {
  const names = COMMANDS.map((command) => command.name).join(' ');
  const optionLines = visible().map((entry) => {
    const words = optionWords(entry)
      .map((word) => (word.startsWith('--') ? `-l ${word.slice(2)}` : `-s ${word.slice(1)}`))
      .join(' ');
    const value =
      entry.value === undefined
        ? ''
        : entry.completion === 'files'
          ? ' -r -F'
          : entry.completion === 'hosts'
            ? " -x -a '(__tunnels_words hosts)'"
            : entry.completion === 'ssh-options'
              ? ` -x -a '${SSH_OPTION_KEYS.map((key) => `${key}=`).join(' ')}'`
              : ' -x';
    return `complete -c tunnels ${words}${value} -d ${fishQuote(entry.description.split(/[;(]/)[0]!.trim())}`;
  });
  const fishArgument = (kind: ArgumentCompletion) =>
    ({
      sessions: "'(__tunnels_words sessions)'",
      destinations: '\'(__tunnels_words hosts) (__tunnels_words favorites | string replace -r "^" @)\'',
      favorites: "'(__tunnels_words favorites)'",
      shells: `'${SHELLS.join(' ')}'`,
      files: "'(__fish_complete_path)'",
      none: "''",
    })[kind];
  const commandLines = COMMANDS.flatMap((command) => [
    `complete -c tunnels -n '__fish_use_subcommand' -f -a ${command.name} -d ${fishQuote(command.summary)}`,
    ...(command.completes === 'none'
      ? []
      : [
          `complete -c tunnels -n '__fish_seen_subcommand_from ${command.name}' -f -a ${fishArgument(command.completes)}`,
        ]),
    ...command.flags
      .filter((flag) => flag.startsWith('--'))
      .map(
        (flag) => `complete -c tunnels -n '__fish_seen_subcommand_from ${command.name}' -l ${flag.slice(2)}`,
      ),
    ...(command.subcommands ?? []).map(
      (sub) =>
        `complete -c tunnels -n '__fish_seen_subcommand_from ${command.name}; and not __fish_seen_subcommand_from ${FAVORITE_VERBS().join(' ')}' -f -a ${sub.name} -d ${fishQuote(sub.summary)}`,
    ),
  ]);
  return `# fish completion for tunnels; made by \`tunnels completions fish\` from its option table.
function __tunnels_words
    command tunnels completions words $argv[1] 2>/dev/null
end
${optionLines.join('\n')}
complete -c tunnels -n 'not __fish_seen_subcommand_from ${names}' -f -a '(__tunnels_words hosts) (__tunnels_words favorites | string replace -r "^" @)'
${commandLines.join('\n')}
`;
}

const fishQuote = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export function completionScript(shell: Shell): string {
  return shell === 'bash' ? bashScript() : shell === 'zsh' ? zshScript() : fishScript();
}

/** The words a completion offers that change: Hosts of ~/.ssh/config, favorites, background sessions. */
export async function completionWords(kind: string): Promise<string[]> {
  if (kind === 'hosts') {
    const {listHostAliases} = await import('../config/ssh-config/host-aliases.js');
    try {
      return listHostAliases(readFileSync(path.join(homeDirectory(), '.ssh', 'config'), 'utf8'));
    } catch {
      return [];
    }
  }
  if (kind === 'favorites') {
    const {openFavorites} = await import('../config/favorites/favorites-file.js');
    try {
      const file = openFavorites();
      return file.refusal === undefined ? file.list().map((favorite) => favorite.name) : [];
    } catch {
      return [];
    }
  }
  if (kind === 'sessions') {
    const {ServiceClient} = await import('../service/client.js');
    try {
      const client = await ServiceClient.connect({start: false});
      const result = await client.request({command: 'ls'});
      client.close();
      return result.ok ? (result.sessions ?? []).map((session) => session.name) : [];
    } catch {
      return [];
    }
  }
  return [];
}

/** `tunnels completions SHELL` (and `completions words KIND`, which the scripts call); the status. */
export async function runCompletionsCommand(args: string[]): Promise<number> {
  const [shell, kind] = args;
  if (shell === '--help' || shell === '-h') {
    process.stdout.write(`${safeLines(commandNamed('completions')!.help)}\n`);
    return 0;
  }
  if (shell === 'words' && kind !== undefined) {
    // One word a line: a name with spaces or control characters is not offered.
    for (const word of await completionWords(kind))
      if (!/\s/.test(word) && safeText(word) === word) process.stdout.write(`${safeText(word)}\n`);
    return 0;
  }
  if (!SHELLS.includes(shell as Shell) || args.length > 1) {
    process.stderr.write(
      safeLines(
        `tunnels: completions takes one of ${SHELLS.join(', ')}\n${commandNamed('completions')!.help}\n`,
      ),
    );
    return 255;
  }
  // The script is made from the option and command tables alone; safeLines keeps it as it is (a test checks).
  process.stdout.write(safeLines(completionScript(shell as Shell)));
  return 0;
}
