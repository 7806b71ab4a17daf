/**
 * tunnels(1), made from the same tables as the parser and --help (option-table.ts, command-table.ts);
 * the build writes it to dist/tunnels.1, which the package installs as its man page.
 */
import {OPTIONS, optionWords, SSH_OPTION_KEYS} from '../config/option-table.js';
import {COMMANDS} from './command-table.js';

declare const TUNNELS_VERSION: string;

/** Text as roff reads it: backslashes and dashes escaped, no line starting with a control character. */
function roff(text: string): string {
  return text
    .replaceAll('\\', '\\e')
    .replaceAll('-', '\\-')
    .split('\n')
    .map((line) => (/^[.']/.test(line) ? `\\&${line}` : line))
    .join('\n');
}

function optionItem(entry: (typeof OPTIONS)[number]): string {
  const words = optionWords(entry)
    .map((word) => `\\fB${roff(word)}\\fR`)
    .join(', ');
  const value = entry.value !== undefined ? ` \\fI${roff(entry.value)}\\fR` : '';
  return `.TP\n${words}${value}\n${roff(entry.description)}`;
}

/** A command's --help: its usage line bold, its text filled, its indented examples kept as they are. */
function commandItem(command: (typeof COMMANDS)[number]): string {
  const [usage = '', ...body] = command.help.split('\n');
  const text = body.map((line) =>
    line.startsWith('    ') ? `.nf\n${roff(line.slice(2))}\n.fi` : roff(line.trimStart()),
  );
  return `.TP\n\\fB${roff(usage.replace(/^usage: /, ''))}\\fR\n${text.join('\n')}`;
}

export function renderManPage(version = typeof TUNNELS_VERSION === 'string' ? TUNNELS_VERSION : ''): string {
  const visible = OPTIONS.filter((entry) => !entry.hidden);
  const ignored = OPTIONS.filter((entry) => entry.hidden);
  return `${[
    `.TH TUNNELS 1 "" "tunnels ${roff(version)}" "User Commands"`,
    // Option values and ssh_config keys are not words to hyphenate.
    '.nh',
    '.SH NAME',
    'tunnels \\- SSH sessions and their port forwards, in a terminal UI or headless',
    '.SH SYNOPSIS',
    '.B tunnels',
    '.br',
    '.B tunnels',
    `[\\fIoptions\\fR] [\\fIuser\\fB@\\fR]\\fIhost\\fR [\\fIcommand\\fR ...]`,
    '.br',
    '.B tunnels',
    `[\\fIoptions\\fR] \\fB@\\fR\\fINAME\\fR`,
    '.br',
    '.B tunnels',
    `\\fICOMMAND\\fR ...`,
    '.SH DESCRIPTION',
    roff(
      "tunnels opens SSH sessions with ssh's own flags and holds their port forwards: local (-L), remote (-R), dynamic SOCKS (-D) and FTP (-L ftp/...). " +
        'On a terminal it opens a full-screen UI, with the host given or without one. With -N, --json or a remote command it runs headless, printing one line (or JSON object) per event until SIGINT or SIGTERM. ' +
        'With -f, or the up command, the session is brought up in a per-user background service, which keeps it after the command, the terminal or the login it ran in are gone.',
    ),
    '.PP',
    roff(
      '@NAME is a favorite: a named session kept in the config file (see the favorites command); the options given with it are added to its own.',
    ),
    '.SH OPTIONS',
    ...visible.map(optionItem),
    '.PP',
    roff(`ssh's ${ignored.map((entry) => entry.flag).join(' ')} are accepted, and ignored or warned about.`),
    '.SH COMMANDS',
    roff(
      'The first word may be a command; a host of one of these names is reached with tunnels -- NAME or tunnels user@NAME.',
    ),
    ...COMMANDS.flatMap((command) => [commandItem(command), ...(command.subcommands ?? []).map(commandItem)]),
    '.SH SSH OPTIONS',
    roff(
      'The ssh_config keys tunnels acts on, given with -o or in ~/.ssh/config (others are read and passed over):',
    ),
    '.PP',
    SSH_OPTION_KEYS.map((key) => `\\fB${key}\\fR`).join(',\n'),
    '.SH EXIT STATUS',
    roff(
      '0 after SIGINT or SIGTERM; 255 when the connection, the authentication, or (with -o ExitOnForwardFailure=yes) a forward fails; with a remote command, its exit status.',
    ),
    '.SH FILES',
    '.TP',
    '.I ~/.ssh/config',
    'the ssh client configuration, read as ssh reads it',
    '.TP',
    '.I $XDG_RUNTIME_DIR/tunnels/control.sock',
    roff("the background service's control socket (without XDG_RUNTIME_DIR: /tmp/tunnels-UID/)"),
    '.TP',
    '.I ~/.local/state/tunnels/service.log',
    roff("the background service's log (under XDG_STATE_HOME when set)"),
    '.SH SEE ALSO',
    '.BR ssh (1),',
    '.BR ssh_config (5)',
  ].join('\n')}\n`;
}
