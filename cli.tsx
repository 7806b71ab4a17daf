import {parseArguments} from './source/cli/arguments.js';
import {EXIT_FAILURE, runHeadless} from './source/cli/headless.js';
import {openTerminalPrompter} from './source/cli/tty-prompter.js';
import {ConfigError, resolveInvocation} from './source/config/session-options.js';

/**
 * Loads the full-screen UI. Ink (is-in-ci) and chalk decide once, when they load, whether this is CI, and
 * then draw no frames or no colour; we only get here with a real terminal on both stdin and stdout, so
 * those variables are dropped from this process first. (Any CI value, even "false", turns chalk off.)
 */
async function loadUi() {
  for (const key of Object.keys(process.env)) {
    if (key === 'CI' || key === 'CONTINUOUS_INTEGRATION' || key.startsWith('CI_')) delete process.env[key];
  }
  return import('./source/ui/run-ui.js');
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseArguments(argv);
  if (typeof parsed === 'number') return parsed;
  // The full-screen UI on a terminal, unless -N, --json or a remote command asks for a headless run.
  const interactive =
    process.stdout.isTTY &&
    process.stdin.isTTY &&
    !parsed.noCommand &&
    !parsed.json &&
    parsed.command.length === 0;
  if (parsed.destination === undefined) {
    if (interactive) {
      const {runUi} = await loadUi();
      return runUi({configFile: parsed.configFile});
    }
    process.stderr.write(
      'tunnels: give a host to connect to, e.g. tunnels -N -L 8080:db:5432 user@host (see tunnels --help)\n',
    );
    return EXIT_FAILURE;
  }
  if (parsed.command.length > 0 && parsed.noCommand) {
    process.stderr.write('tunnels: -N means no remote command, but one was given; drop one of them\n');
    return EXIT_FAILURE;
  }
  let invocation: Awaited<ReturnType<typeof resolveInvocation>>;
  try {
    invocation = await resolveInvocation({
      destination: parsed.destination,
      port: parsed.port,
      user: parsed.user,
      identityFiles: parsed.identityFiles ?? [],
      configFile: parsed.configFile,
      options: parsed.options ?? [],
      cipher: parsed.cipher,
      localForwards: parsed.localForwards ?? [],
      remoteForwards: parsed.remoteForwards ?? [],
      dynamicForwards: parsed.dynamicForwards ?? [],
      forwardAgent: parsed.forwardAgent,
      forwardX11: parsed.forwardX11,
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`tunnels: ${error.message}\n`);
      return EXIT_FAILURE;
    }
    throw error;
  }

  if (interactive) {
    const {runUi} = await loadUi();
    return runUi({configFile: parsed.configFile, initial: {name: parsed.destination, invocation}});
  }

  let signalled = 0;
  const stopRequested = new Promise<void>((resolve) => {
    const onSignal = () => {
      signalled++;
      if (signalled > 1) process.exit(EXIT_FAILURE); // a second Ctrl-C does not wait for a clean close
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  return runHeadless(invocation, {
    json: parsed.json,
    verbose: parsed.verbose,
    prompter: invocation.session.batchMode ? undefined : openTerminalPrompter(),
    stopRequested,
    // As ssh: the words after the host are the command, joined by spaces.
    command: parsed.command.length > 0 ? parsed.command.join(' ') : undefined,
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`tunnels: unexpected error: ${error.stack ?? error.message}\n`);
    process.exit(EXIT_FAILURE);
  },
);
