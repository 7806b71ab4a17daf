/**
 * Examples and key hints that more than one place shows (help, dialogs, messages, usage): written once
 * here, so they cannot drift apart. Text only; every layer may use it.
 */

/** One forward of each kind, as its flag takes it. */
export const FORWARD_EXAMPLES = {
  L: '8080:db:5432',
  R: '9000:localhost:3000',
  D: '1080',
  ftp: 'ftp/2121:ftp:21',
} as const;

/** A forward as written after its flag: "-L 8080:db:5432"; an FTP forward is a -L. */
export function forwardExample(kind: keyof typeof FORWARD_EXAMPLES): string {
  return `-${kind === 'ftp' ? 'L' : kind} ${FORWARD_EXAMPLES[kind]}`;
}

/** The options of tunnels itself that a favorite keeps, as `favorites add` and the favorite editor take them. */
export const FAVORITE_OPTION_FLAGS = '-L -R -D -p -l -i -o -A -X';

/** The favorites picker's keys, each with what it does (joined with ", " in help, " · " in the picker). */
export const FAVORITES_PICKER_KEYS = [
  'Space to choose several',
  'Enter or 1-9 to connect',
  'Ctrl-N to connect again',
  'Ctrl-E edit',
  'Ctrl-D delete',
] as const;
