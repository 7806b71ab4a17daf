import type {ResolvedInvocation} from '../config/session-options.js';
import {openSession} from '../core/session/open-session.js';
import type {Prompter} from '../core/session/prompter.js';
import {runRemoteCommand} from '../core/session/remote-command.js';
import {Session} from '../core/session/session.js';
import {EventPrinter} from './event-printer.js';
import {EXIT_FAILURE} from './exit-status.js';
import {LineBatcher} from './line-batcher.js';

export interface HeadlessOptions {
  json: boolean;
  verbose: number;
  prompter: Prompter | undefined;
  /** Resolves when the user asks to stop (SIGINT/SIGTERM). */
  stopRequested: Promise<void>;
  /** A command to run on the server; the run ends with it, and its exit status is ours. */
  command?: string | undefined;
}

/** Connects, brings up every forward, holds them until asked to stop. Returns the exit status. */
export async function runHeadless(invocation: ResolvedInvocation, options: HeadlessOptions): Promise<number> {
  // With a remote command its output shares the terminal: lines go at once, in step with it.
  const batched = options.command === undefined;
  const stderr = new LineBatcher((text) => process.stderr.write(text));
  const stdout = new LineBatcher((text) => process.stdout.write(text));
  process.on('exit', () => {
    stdout.flush();
    stderr.flush();
  });
  const printer = new EventPrinter(
    {
      stderr: (line, batchable) => stderr.line(line, batchable && batched),
      stdout: (line, batchable) => stdout.line(line, batchable && batched),
    },
    {...options, command: options.command !== undefined},
  );
  const session = new Session(invocation.session, options.prompter);
  session.events.on(printer.handle);

  // The end of the session: it closed, or (reconnecting) the loop stopped on a failure it cannot mend.
  // (A failure of the first connect settles this too, unawaited: connect() has already returned 255.)
  const closed = new Promise<void>((resolve) => {
    session.events.on((event) => {
      if (event.event === 'session-closed' || event.event === 'session-failed') resolve();
    });
  });

  try {
    if (!(await openSession(session, invocation))) return EXIT_FAILURE;
  } catch {
    return EXIT_FAILURE;
  }

  if (options.command !== undefined) {
    const status = await Promise.race([
      runRemoteCommand(session, options.command, {
        x11: invocation.forwardX11,
        agent: invocation.session.forwardAgent,
        stdin: process.stdin,
        stdout: process.stdout,
        stderr: process.stderr,
        display: process.env.DISPLAY,
      }).catch((error: Error) => {
        session.warn(error.message);
        return EXIT_FAILURE;
      }),
      options.stopRequested.then(() => EXIT_FAILURE),
      closed.then(() => EXIT_FAILURE),
    ]);
    await session.close();
    return status;
  }

  const outcome = await Promise.race([
    options.stopRequested.then(() => 'stop' as const),
    closed.then(() => 'closed' as const),
  ]);
  if (outcome === 'stop') {
    await session.close();
    return 0;
  }
  return EXIT_FAILURE;
}
