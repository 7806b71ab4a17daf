/**
 * The commands of tunnels' command line (the first word: ls, up, favorites...), once: their --help, the
 * main --help's list, the man page and the completions are made from this table.
 */

/** What a shell may offer for a command's words after its name. */
export type ArgumentCompletion = 'sessions' | 'destinations' | 'favorites' | 'shells' | 'files' | 'none';

export interface CommandEntry {
  name: string;
  /** One line for the main --help and the man page. */
  summary: string;
  /** Its --help: "usage: tunnels NAME ..." and what it does, each line within 80 columns. */
  help: string;
  /** The flags it takes of its own (besides --help). */
  flags: string[];
  /** What its first argument is. */
  completes: ArgumentCompletion;
  /** Its own subcommands (favorites list, add...). */
  subcommands?: CommandEntry[];
}

const favoriteVerb = (
  name: string,
  usage: string,
  summary: string,
  completes: ArgumentCompletion,
  flags: string[] = [],
): CommandEntry => ({
  name,
  summary,
  help: `usage: tunnels favorites ${usage}\n  ${summary}.`,
  flags,
  completes,
});

const FAVORITE_VERBS: CommandEntry[] = [
  favoriteVerb('list', 'list [--json]', 'List the favorites (--json: as JSON)', 'none', ['--json']),
  favoriteVerb(
    'add',
    'add NAME [options] [user@]host',
    'Save a favorite: the options of tunnels itself (-L -R -D -p -l -i -o -A -X)',
    'none',
  ),
  favoriteVerb('rm', 'rm NAME', 'Delete the favorite NAME', 'favorites'),
  favoriteVerb('ssh', 'ssh NAME', 'Print the ssh command that does what the favorite NAME does', 'favorites'),
  favoriteVerb('export', 'export', 'Print every favorite as JSON on stdout', 'none'),
  favoriteVerb('import', 'import FILE', 'Add the favorites of a file made by export', 'files'),
  favoriteVerb(
    'import-ssh-config',
    'import-ssh-config [-F FILE]',
    'Turn the Hosts of ~/.ssh/config (or FILE) that have forwards into favorites',
    'none',
    ['-F'],
  ),
];

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'ls',
    summary: 'the background sessions and their forwards',
    help: `usage: tunnels ls [--json]
  The background service's sessions and their forwards: state, where each
  listens, connections and bytes. --json: one JSON object, {"sessions": [...]}.`,
    flags: ['--json'],
    completes: 'none',
  },
  {
    name: 'up',
    summary: 'open a session in the background service',
    help: `usage: tunnels up [options] @FAVORITE|[user@]host [--name NAME]
  Opens a session in the background service (started if none runs) with the
  forwards given (-L, -R, -D, and any option of tunnels -N), waits until it
  is connected and its forwards listen or fail, prints what tunnels -N would
  print for that, and exits; the session stays up. NAME (default: the
  favorite, or the destination as given) is how ls, down, add and rm name
  it. Nobody is asked anything: the session runs as with -o BatchMode=yes.
  --json: the events as JSON lines on stdout, as tunnels -N --json prints.`,
    flags: ['--name', '--json'],
    completes: 'destinations',
  },
  {
    name: 'down',
    summary: 'close a background session',
    help: `usage: tunnels down NAME
  Closes the session NAME in the background service, with its forwards.`,
    flags: [],
    completes: 'sessions',
  },
  {
    name: 'add',
    summary: 'add forwards to a background session',
    help: `usage: tunnels add NAME -L|-R|-D SPEC [...]
  Adds forwards to the session NAME, as ssh -O forward does:
    tunnels add db -L 5432:db.internal:5432`,
    flags: ['-L', '-R', '-D'],
    completes: 'sessions',
  },
  {
    name: 'rm',
    summary: 'remove a forward of a background session',
    help: `usage: tunnels rm NAME FORWARD
  Removes a forward of the session NAME, as ssh -O cancel does. FORWARD is
  as tunnels ls shows it ("-L 5432:db.internal:5432"), its spec alone, or
  its id.`,
    flags: [],
    completes: 'sessions',
  },
  {
    name: 'logs',
    summary: 'the recent events of the background sessions',
    help: `usage: tunnels logs [-f] [--json] [NAME]
  The recent events of every session (or of NAME), one line each.
  -f: then keep following them until Ctrl-C.
  --json: {"session": NAME, "event": {...}} lines, each event as
  tunnels -N --json prints it.`,
    flags: ['-f', '--json'],
    completes: 'sessions',
  },
  {
    name: 'attach',
    summary: 'the full-screen UI on the background sessions',
    help: `usage: tunnels attach
  The full-screen UI on the background service's sessions (the service is
  started if none runs), with their forwards, counters and log since each
  started; its keys act on them in the service, and what it connects goes
  there too (its prompts come to this UI). q asks whether to leave them up
  (the default) or stop them; Ctrl-C leaves them up. Plain tunnels does
  the same, but falls back to keeping its sessions itself when the service
  cannot be reached.`,
    flags: [],
    completes: 'none',
  },
  {
    name: 'stop',
    summary: 'stop the background service and all in it',
    help: `usage: tunnels stop
  Stops the background service and every session and forward in it.`,
    flags: [],
    completes: 'none',
  },
  {
    name: 'favorites',
    summary: 'list, add, remove, export and import favorites',
    help: `usage: tunnels favorites [COMMAND] ...
  Favorites are named sessions kept in tunnels' config file: tunnels @NAME
  opens one (in the UI on a terminal; tunnels -N @NAME, up @NAME, -f @NAME
  too). The commands (each has --help):
${FAVORITE_VERBS.map((verb) => `    ${verb.help.split('\n')[0]!.replace('usage: tunnels favorites ', '').padEnd(28)}`.trimEnd()).join('\n')}`,
    flags: [],
    completes: 'none',
    subcommands: FAVORITE_VERBS,
  },
  {
    name: 'completions',
    summary: 'print the completion script of bash, zsh or fish',
    help: `usage: tunnels completions bash|zsh|fish
  Prints the shell's completion script for tunnels: its options, commands,
  the Hosts of ~/.ssh/config, favorites (@NAME) and background sessions.
    bash: save it as ~/.local/share/bash-completion/completions/tunnels
    zsh:  save it as _tunnels in a directory of $fpath
    fish: save it as ~/.config/fish/completions/tunnels.fish`,
    flags: [],
    completes: 'shells',
  },
];

export function commandNamed(name: string): CommandEntry | undefined {
  return COMMANDS.find((command) => command.name === name);
}
