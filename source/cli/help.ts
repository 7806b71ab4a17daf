/**
 * tunnels --help, made from the option and command tables (option-table.ts, command-table.ts), every
 * line within 80 columns.
 */
import {OPTIONS, type OptionEntry, optionWords, SSH_OPTION_KEYS} from '../config/option-table.js';
import {COMMANDS} from './command-table.js';

export const HELP_WIDTH = 80;

/** `text` broken at spaces into lines of at most `width` columns, each after `indent`. */
export function wrap(text: string, width: number, indent = ''): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(indent + line);
  return lines;
}

/** "-L [bind_address:]port:host:hostport", "-V, --version". */
export function optionTerm(entry: OptionEntry): string {
  return `${optionWords(entry).join(', ')}${entry.value !== undefined ? ` ${entry.value}` : ''}`;
}

/** Two columns: terms that do not fit the first column put their text on the next line. */
function columns(rows: Array<[string, string]>, first = 18): string[] {
  const lines: string[] = [];
  const indent = ' '.repeat(first + 4);
  for (const [term, text] of rows) {
    const body = wrap(text, HELP_WIDTH, indent);
    if (term.length <= first)
      lines.push(`  ${term.padEnd(first)}  ${body[0]!.trimStart()}`, ...body.slice(1));
    else lines.push(`  ${term}`, ...body);
  }
  return lines;
}

const FORWARD_EXAMPLES: Array<[string, string]> = [
  ['-L 8080:db.internal:5432', '127.0.0.1:8080 here -> db.internal:5432 from the server'],
  ["-L '*:8080:db.internal:5432'", 'the same on every interface'],
  ['-R 9000:localhost:3000', 'port 9000 on the server -> localhost:3000 here'],
  ['-D 1080', 'SOCKS proxy on 127.0.0.1:1080; connections leave from the server'],
  ["-L '[::1]:8080:[2001:db8::5]:80'", 'IPv6 addresses in brackets'],
  ['-L 5432:/run/postgresql/.s.PGSQL.5432', 'a port here -> a unix socket on the server'],
  ['-L /tmp/docker.sock:/var/run/docker.sock', 'a socket here (mode 0600) -> a socket there'],
  ['-R 1080', 'SOCKS proxy on the server; connections leave from here'],
  ['-L ftp/2121:ftp.internal:21', 'FTP, its data connections through the session too'],
];

/** The main --help. */
export function mainHelp(): string {
  const lines = [
    'usage: tunnels                         the full-screen UI (on a terminal)',
    '       tunnels [options] [user@]host [command...]',
    '       tunnels [options] @NAME         a favorite (see tunnels favorites)',
    '       tunnels COMMAND [...]           background sessions, favorites (below)',
    '',
    ...wrap(
      'SSH sessions and their port forwards: local (-L), remote (-R), dynamic SOCKS (-D). On a terminal, ' +
        'with a host or without, tunnels opens its full-screen UI on the background service (started if none ' +
        'runs), so the tunnels stay up when it is left; --no-service keeps them in the UI. -N (or --json, or a ' +
        'remote command) runs headless instead, in the foreground, printing what happens until Ctrl-C. -f ' +
        'brings the session up here and then hands it to the background service, as the up command does.',
      HELP_WIDTH,
    ),
    '',
    'Options:',
    ...columns(
      OPTIONS.filter((entry) => !entry.hidden).map((entry) => [optionTerm(entry), entry.description]),
    ),
    '',
    'Commands (each has --help):',
    ...columns(COMMANDS.map((command) => [command.name, command.summary])),
    '',
    'Forward syntax (as ssh):',
    ...columns(FORWARD_EXAMPLES, 30),
    ...wrap(
      'Forwards listen on localhost (127.0.0.1, ::1) unless a bind address is given. Port 0 picks a free port.',
      HELP_WIDTH,
    ),
    '',
    '-o keys tunnels acts on (in ~/.ssh/config too; others are read and passed over):',
    ...wrap(SSH_OPTION_KEYS.join(' '), HELP_WIDTH, '  '),
    '',
    ...wrap(
      'Exit status: 0 after SIGINT/SIGTERM, 255 when the connection, authentication or ' +
        '(with -o ExitOnForwardFailure=yes) a forward fails; with a remote command, its status.',
      HELP_WIDTH,
    ),
    'See tunnels(1) for more.',
  ];
  return `${lines.join('\n')}\n`;
}
