/**
 * `tunnels -f`: as ssh -f, the session connects and binds its forwards while this command waits in the
 * foreground (its prompts on this terminal, its errors here, ExitOnForwardFailure's status 255), then it
 * goes on in the background. Node cannot fork a process that carries a live connection on, so the
 * session is brought up inside the per-user background service (as tunnels up does, its prompts relayed
 * here) and this command exits: the forwards outlive it and the terminal, and tunnels ls shows them.
 */
import type {ParsedArguments} from '../config/command-line.js';
import {safeLines} from '../text/safe-text.js';
import {EXIT_FAILURE} from './exit-status.js';

export async function runInBackground(parsed: ParsedArguments): Promise<number> {
  const fail = (text: string) => {
    process.stderr.write(`tunnels: ${safeLines(text)}\n`);
    return EXIT_FAILURE;
  };
  const {destination} = parsed;
  if (destination === undefined)
    return fail('-f needs a host: tunnels -f -N -L 8080:db:5432 user@host (see tunnels --help)');
  if (parsed.command.length > 0)
    return fail(
      '-f keeps forwards in the background, not a remote command; run the command without -f, or drop it',
    );
  const [{upSession}, {openTerminalPrompter}] = await Promise.all([
    import('./service-commands.js'),
    import('./tty-prompter.js'),
  ]);
  // The prompts go to the terminal, as ssh -f asks them before it forks; with none, BatchMode's sentences.
  return upSession({...parsed, destination}, {unique: true, prompter: openTerminalPrompter()});
}
