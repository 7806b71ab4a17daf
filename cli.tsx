import {EXIT_FAILURE} from './source/cli/exit-status.js';
import type {CommandLineOptions} from './source/config/command-line.js';
import {safeLines, safeText} from './source/text/safe-text.js';

/**
 * Loads the full-screen UI. Ink (is-in-ci) and chalk decide once, when they load, whether this is CI, and
 * then draw no frames or no colour; we only get here with a real terminal on both stdin and stdout, so
 * those variables are dropped from this process first. (Any CI value, even "false", turns chalk off.)
 */
async function loadUi() {
  for (const key of Object.keys(process.env)) {
    if (key === 'CI' || key === 'CONTINUOUS_INTEGRATION' || key.startsWith('CI_')) delete process.env[key];
  }
  // With the UI loaded the old generation starts above V8's 8 MB threshold for incremental marking, and
  // V8 then keeps its limit tight (growth 1.1-1.3): under traffic the churn of socket buffers started
  // marking cycles one after another, many full GCs per GiB where headless runs next to none, and CPU
  // went to them. Without incremental marking, a full GC runs only when the old generation really reaches
  // its limit, and with a heap this small its pause is short. Set before anything has been marked.
  const v8 = await import('node:v8');
  v8.setFlagsFromString('--no-incremental-marking');
  return import('./source/ui/run-ui.js');
}

/**
 * @NAME: the favorite's command line, then this one's additions (flags given now win). Loaded only when
 * used: conf's file writer hooks the process's signals.
 */
async function withFavorite(name: string, given: CommandLineOptions): Promise<CommandLineOptions> {
  const {favoriteCommandLine} = await import('./source/cli/favorites-command.js');
  return favoriteCommandLine(name, given);
}

type Parsed = Exclude<ReturnType<typeof import('./source/cli/arguments.js').parseArguments>, number>;

/** `tunnels favorites …` and the background service's commands; undefined for anything else. */
async function runSubcommand(argv: string[]): Promise<number | undefined> {
  if (argv[0] === 'favorites') {
    const {runFavoritesCommand} = await import('./source/cli/favorites-command.js');
    return runFavoritesCommand(argv.slice(1));
  }
  if (argv[0] === 'attach') return runAttached(argv.slice(1));
  if (argv[0] === 'completions') {
    const {runCompletionsCommand} = await import('./source/cli/completions.js');
    return runCompletionsCommand(argv.slice(1));
  }
  // The background service's commands (a host of one of these names: tunnels -- ls, or user@ls).
  if (['ls', 'up', 'down', 'add', 'rm', 'logs', 'stop', 'service'].includes(argv[0] ?? '')) {
    const {runServiceCommand} = await import('./source/cli/service-commands.js');
    return runServiceCommand(argv[0]!, argv.slice(1));
  }
  return undefined;
}

type UiOptions = Parameters<Awaited<ReturnType<typeof loadUi>>['runUi']>[0];

/**
 * The full-screen UI attached to the background service (started if none runs), so its tunnels outlive
 * it. `fallBack`: when the service cannot be reached, the UI runs with its sessions in this process and
 * says why, rather than not at all (tunnels attach, which asks for the service by name, fails instead).
 */
async function runAttachedUi(ui: Omit<UiOptions, 'attach'>, fallBack: boolean): Promise<number> {
  const {ServiceClient, ServiceError} = await import('./source/service/client.js');
  // The UI's code loads while the service starts (or answers).
  const uiLoaded = loadUi();
  try {
    // A service that died without stopping: the UI says which sessions went with it.
    let lost: string[] = [];
    const client = await ServiceClient.connect({
      start: true,
      onStale: (held) => {
        lost = held.map(({name, destination}) => `${name} (${destination})`);
      },
    });
    return (await uiLoaded).runUi({...ui, attach: {transport: client, lost}});
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    if (fallBack)
      return (await uiLoaded).runUi({
        ...ui,
        notice: `the background service could not be reached, so these tunnels end with this UI: ${error.message}`,
      });
    process.stderr.write(`tunnels: ${safeLines(error.message)}\n`);
    return EXIT_FAILURE;
  }
}

/**
 * `tunnels attach`: the full-screen UI on the background service's sessions (the service started if none
 * runs); leaving it leaves them up. What plain `tunnels` does, but never in-process.
 */
async function runAttached(args: string[]): Promise<number> {
  const {commandNamed} = await import('./source/cli/command-table.js');
  const help = commandNamed('attach')!.help;
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${safeLines(help)}\n`);
    return 0;
  }
  const problem =
    args.length > 0
      ? `attach takes no arguments\n${help}`
      : !process.stdout.isTTY || !process.stdin.isTTY
        ? 'attach is the full-screen UI and needs a terminal; tunnels ls and tunnels logs -f print what the service holds'
        : undefined;
  if (problem) {
    process.stderr.write(`tunnels: ${safeLines(problem)}\n`);
    return EXIT_FAILURE;
  }
  return runAttachedUi({}, false);
}

/** The UI as the command line asks: attached to the service, or with --no-service in this process. */
async function runFullScreen(parsed: Parsed, ui: Omit<UiOptions, 'attach'>): Promise<number> {
  if (parsed.noService) return (await loadUi()).runUi(ui);
  return runAttachedUi(ui, true);
}

/** The command line as typed, with @NAME's favorite under it. */
async function originOf(parsed: Parsed & {destination: string}): Promise<CommandLineOptions> {
  const {commandLineOptions} = await import('./source/config/command-line.js');
  const given = commandLineOptions(parsed, parsed.destination);
  return parsed.destination.startsWith('@') ? withFavorite(parsed.destination.slice(1), given) : given;
}

/** A config error (it quotes config values, so made safe for the terminal) as the exit status it means. */
async function told(error: unknown): Promise<number> {
  const {ConfigError} = await import('./source/config/command-line.js');
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`tunnels: ${safeText(error.message)}\n`);
  return EXIT_FAILURE;
}

/** -G: what ssh -G prints, for the options tunnels acts on; nothing is connected. */
async function printConfig(parsed: Parsed & {destination: string}): Promise<number> {
  const [{resolveOptions}, {dumpOptions}] = await Promise.all([
    import('./source/config/resolve-options.js'),
    import('./source/config/ssh-dump.js'),
  ]);
  try {
    const {options, warnings} = await resolveOptions(await originOf(parsed));
    for (const warning of warnings) process.stderr.write(`tunnels: ${safeText(warning)}\n`);
    // Config values may hold control characters: shown escaped, as everywhere else.
    process.stdout.write(safeLines(dumpOptions(options)));
    return 0;
  } catch (error) {
    return told(error);
  }
}

/** The headless run: until the forwards end, the remote command exits, or a signal asks it to stop. */
async function runHeadlessFrom(
  parsed: Parsed,
  invocation: Awaited<ReturnType<typeof import('./source/config/session-options.js').resolveInvocation>>,
): Promise<number> {
  let firstSignalAt: number | undefined;
  const stopRequested = new Promise<void>((resolve) => {
    const onSignal = () => {
      // A second Ctrl-C does not wait for a clean close. One within a second is not a person's: a
      // library's exit hook re-raises the signal it caught.
      if (firstSignalAt !== undefined && Date.now() - firstSignalAt > 1000) process.exit(EXIT_FAILURE);
      firstSignalAt ??= Date.now();
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  const [{runHeadless}, {openTerminalPrompter}] = await Promise.all([
    import('./source/cli/headless.js'),
    import('./source/cli/tty-prompter.js'),
  ]);
  return runHeadless(invocation, {
    json: parsed.json,
    verbose: parsed.verbose,
    prompter: invocation.session.batchMode ? undefined : openTerminalPrompter(),
    stopRequested,
    // As ssh: the words after the host are the command, joined by spaces.
    command: parsed.command.length > 0 ? parsed.command.join(' ') : undefined,
  });
}

async function main(argv: string[]): Promise<number> {
  // (`--version` alone is answered by the launcher, dist/cli.js, before this loads: see scripts/build.mjs.)
  // Everything else is loaded on demand, so each path pays only for what it uses.
  const subcommand = await runSubcommand(argv);
  if (subcommand !== undefined) return subcommand;
  const {parseArguments} = await import('./source/cli/arguments.js');
  const parsed = parseArguments(argv);
  if (typeof parsed === 'number') return parsed;
  // The full-screen UI on a terminal, unless -N, --json or a remote command asks for a headless run.
  const interactive =
    process.stdout.isTTY &&
    process.stdin.isTTY &&
    !parsed.noCommand &&
    !parsed.json &&
    parsed.command.length === 0;
  if (parsed.background && parsed.noService) {
    process.stderr.write(
      'tunnels: -f hands the session to the background service and --no-service keeps it out of it; drop one\n',
    );
    return EXIT_FAILURE;
  }
  // -f: up in the foreground, then in the background service.
  if (parsed.background && !parsed.printConfig)
    return (await import('./source/cli/background.js')).runInBackground(parsed);
  const {destination} = parsed;
  if (destination === undefined) {
    if (interactive) return runFullScreen(parsed, {configFile: parsed.configFile});
    process.stderr.write(
      'tunnels: give a host to connect to, e.g. tunnels -N -L 8080:db:5432 user@host (see tunnels --help)\n',
    );
    return EXIT_FAILURE;
  }
  if (parsed.printConfig) return printConfig({...parsed, destination});
  if (parsed.command.length > 0 && parsed.noCommand) {
    process.stderr.write('tunnels: -N means no remote command, but one was given; drop one of them\n');
    return EXIT_FAILURE;
  }
  const {resolveInvocation} = await import('./source/config/session-options.js');
  let invocation: Awaited<ReturnType<typeof resolveInvocation>>;
  let origin: CommandLineOptions;
  try {
    origin = await originOf({...parsed, destination});
    invocation = await resolveInvocation(origin);
    // A favorite is a tunnel meant to stay up: it reconnects unless -o Reconnect=no.
    if (destination.startsWith('@')) invocation.session.reconnect ??= true;
  } catch (error) {
    return told(error);
  }
  if (interactive)
    return runFullScreen(parsed, {
      configFile: parsed.configFile,
      initial: {name: destination.replace(/^@/, ''), invocation, origin},
    });
  return runHeadlessFrom(parsed, invocation);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`tunnels: unexpected error: ${safeLines(error.stack ?? error.message)}\n`);
    process.exit(EXIT_FAILURE);
  },
);
