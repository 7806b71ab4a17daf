/**
 * The shell commands that drive the background service (`tunnels ls`, `up`, `down`, `add`, `rm`, `logs`,
 * `stop`), and `tunnels service` itself (hidden: the commands start it). Each prints what the headless
 * run prints for the same events, and fails with ssh's status 255 as it does.
 */
import fs from 'node:fs';
import path from 'node:path';
import {type CommandLineOptions, ConfigError, type ParsedArguments} from '../config/command-line.js';
import type {TunnelEvent} from '../core/events.js';
import type {Prompter} from '../core/session/prompter.js';
import {NoServiceError, ServiceClient, ServiceError} from '../service/client.js';
import type {Command, Result, SessionEvent, SessionSummary} from '../service/protocol.js';
import {type HeldSession, LOG_NAME, stateDirectory} from '../service/runtime.js';
import {formatBytes} from '../text/format.js';
import {safeJson, safeLines, safeText} from '../text/safe-text.js';
import {COMMANDS} from './command-table.js';
import {EventPrinter} from './event-printer.js';
import {EXIT_FAILURE} from './exit-status.js';

/** Each command's --help and usage, from the command table. */
const HELP: Record<string, string> = Object.fromEntries(
  COMMANDS.map((command) => [command.name, command.help]),
);

// Every text is made safe for the terminal where it is made: EventPrinter's lines (safeText, safeJson),
// the rows of ls (safeText), err() (safeLines); the rest is fixed text.
const stdout = (text: string) => process.stdout.write(text);
const stderr = (text: string) => process.stderr.write(text);
const err = (text: string) => stderr(`tunnels: ${safeLines(text)}\n`);

/** `tunnels VERB ...` for a service command; the exit status. */
export async function runServiceCommand(verb: string, args: string[]): Promise<number> {
  if (verb === 'service') {
    const {runService} = await import('../service/server.js');
    return runService();
  }
  if (args.includes('--help') || args.includes('-h')) {
    stdout(`${HELP[verb]}\n`);
    return 0;
  }
  try {
    switch (verb) {
      case 'ls':
        return await list(args);
      case 'up':
        return await up(args);
      case 'down':
        return await simple('down', args, 1, ([name]) => ({command: 'down', name: name!}));
      case 'add':
        return await addForwards(args);
      case 'rm':
        return await simple('rm', args, 2, ([name, ...forward]) => ({
          command: 'rm',
          name: name!,
          forward: forward.join(' '),
        }));
      case 'logs':
        return await logs(args);
      default:
        return await stop(args);
    }
  } catch (error) {
    if (!(error instanceof ServiceError || error instanceof ConfigError)) throw error;
    err(error.message);
    return EXIT_FAILURE;
  }
}

function usageError(verb: string, problem: string): number {
  err(`${problem}\n${HELP[verb]}`);
  return EXIT_FAILURE;
}

/** A result: 0, or its error told (unless the events already told it) and 255. */
function statusOf(result: Result): number {
  if (result.ok) return 0;
  if (!result.told) err(result.error);
  return EXIT_FAILURE;
}

/** Says what a service that died without stopping held: those tunnels are gone. */
function tellLost(lost: HeldSession[]): void {
  const what = lost.length
    ? `; its sessions were lost: ${lost.map(({name, destination}) => `${name} (${destination})`).join(', ')}`
    : '';
  err(
    `the background service ended without stopping (killed, or see ${path.join(stateDirectory(), LOG_NAME)})${what}`,
  );
}

async function withService<T>(start: boolean, use: (client: ServiceClient) => Promise<T>): Promise<T> {
  const client = await ServiceClient.connect({start, onStale: tellLost});
  try {
    return await use(client);
  } finally {
    client.close();
  }
}

/** A command of fixed arguments (at least `count`), sent as it is. */
function simple(
  verb: string,
  args: string[],
  count: number,
  command: (args: string[]) => Command,
): Promise<number> {
  if (args.length < count || (verb === 'down' && args.length > 1) || args.some((arg) => arg.startsWith('--')))
    return Promise.resolve(usageError(verb, `${verb} takes ${count === 1 ? 'NAME' : 'NAME FORWARD'}`));
  return withService(false, async (client) => statusOf(await client.request(command(args))));
}

/**
 * From now on, the events of session `name` as the headless run prints them (a human line on stderr;
 * with `json`, the JSON line on stdout). The watch's result.
 */
function printSessionEvents(
  client: ServiceClient,
  name: string,
  options: {json: boolean; verbose: number},
): Promise<Result> {
  const printer = new EventPrinter(
    {
      stderr: (line) => stderr(`${line}\n`),
      stdout: (line) => stdout(`${line}\n`),
    },
    options,
  );
  client.onEvent((event) => {
    if (event.session === name) printer.handle(event.event);
  });
  return client.request({command: 'watch', name});
}

async function up(args: string[]): Promise<number> {
  const rest = [...args];
  let name: string | undefined;
  const at = rest.findIndex((arg) => arg === '--name' || arg.startsWith('--name='));
  if (at >= 0) {
    const word = rest[at]!;
    name = word.includes('=') ? word.slice('--name='.length) : rest[at + 1];
    rest.splice(at, word.includes('=') ? 1 : 2);
    if (!name) return usageError('up', '--name needs a NAME');
  }
  const {parseArguments} = await import('./arguments.js');
  const parsed = parseArguments(rest);
  if (typeof parsed === 'number') return parsed;
  if (parsed.destination === undefined)
    return usageError('up', 'up needs a destination: @FAVORITE or [user@]host');
  if (parsed.command.length > 0)
    return usageError(
      'up',
      'a remote command is not kept in the background; run it with tunnels HOST COMMAND',
    );
  if (parsed.printConfig)
    return usageError('up', '-G prints a configuration: use it with tunnels -G, not up');
  return upSession(parsed as ParsedArguments & {destination: string}, {name});
}

/**
 * Brings the session `parsed` gives up in the service (started if none runs), prints its events as the
 * headless run does until it is up or failed, and returns the status. `name`: the session's (default:
 * the favorite, or the destination as given; `unique` adds -2, -3... when that one is taken). `prompter`:
 * the session's prompts are answered here while it comes up (tunnels -f), else it runs as with BatchMode.
 */
export async function upSession(
  parsed: ParsedArguments & {destination: string},
  options: {name?: string | undefined; unique?: boolean; prompter?: Prompter | undefined},
): Promise<number> {
  const [{commandLineOptions}, {favoriteCommandLine}] = await Promise.all([
    import('../config/command-line.js'),
    import('./favorites-command.js'),
  ]);
  const favorite = parsed.destination.startsWith('@');
  const given = commandLineOptions(parsed, parsed.destination);
  const origin = fromHere(favorite ? favoriteCommandLine(parsed.destination.slice(1), given) : given);
  const wanted = options.name ?? parsed.destination.replace(/^@/, '');
  return withService(true, async (client) => {
    const sessionName = options.unique ? await freeName(client, wanted) : wanted;
    const {prompter} = options;
    if (prompter) {
      client.onPrompt((message) => {
        if ('inform' in message) prompter.inform(message.inform);
        else
          prompter.ask(message.text, {secret: message.secret}).then(
            (answer) => client.answer(message.prompt, answer),
            () => client.answer(message.prompt, undefined),
          );
      });
    }
    const watching = await printSessionEvents(client, sessionName, {
      json: parsed.json,
      verbose: parsed.verbose,
    });
    if (!watching.ok) return statusOf(watching);
    return statusOf(
      await client.request({
        command: 'up',
        name: sessionName,
        origin,
        favorite,
        ...(prompter ? {prompts: true} : {}),
      }),
    );
  });
}

/** `wanted`, or the first of wanted-2, wanted-3... that names no session the service holds. */
async function freeName(client: ServiceClient, wanted: string): Promise<string> {
  const listed = await client.request({command: 'ls'});
  const taken = new Set(listed.ok ? (listed.sessions ?? []).map((session) => session.name) : []);
  let name = wanted;
  for (let n = 2; taken.has(name); n++) name = `${wanted}-${n}`;
  return name;
}

/**
 * The command line with its relative -i and -F paths made absolute from here, as ssh reads them: the
 * service runs elsewhere. (~ and %-token paths are left to the config's own expansion.)
 */
function fromHere(origin: CommandLineOptions): CommandLineOptions {
  const absolute = (file: string) =>
    /^[~%]/.test(file) || path.isAbsolute(file) || file.toLowerCase() === 'none' ? file : path.resolve(file);
  return {
    ...origin,
    identityFiles: origin.identityFiles.map(absolute),
    ...(origin.configFile !== undefined ? {configFile: absolute(origin.configFile)} : {}),
    // The words in order, which resolve-options reads first.
    ...(origin.sequence
      ? {
          sequence: origin.sequence.map((word) =>
            (word.flag === 'i' || word.flag === 'F') && word.value !== undefined
              ? {...word, value: absolute(word.value)}
              : word,
          ),
        }
      : {}),
  };
}

/** "-L SPEC" and "-LSPEC" words, as "-L SPEC" each; or the word that is not one. */
function forwardWords(words: string[]): string[] | {wrong: string} {
  const forwards: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const match = /^-([LRD])(.*)$/.exec(word);
    if (!match) return {wrong: word};
    const spec = match[2] || words[++i];
    if (!spec) return {wrong: word};
    forwards.push(`-${match[1]} ${spec}`);
  }
  return forwards;
}

async function addForwards(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  const forwards = forwardWords(rest);
  if (!Array.isArray(forwards))
    return usageError('add', `expected -L, -R or -D and a forward, not ${forwards.wrong}`);
  if (!name || name.startsWith('-') || forwards.length === 0)
    return usageError('add', 'add takes NAME and forwards');
  return withService(false, async (client) => {
    const watching = await printSessionEvents(client, name, {json: false, verbose: 0});
    if (!watching.ok) return statusOf(watching);
    let status = 0;
    for (const forward of forwards)
      status = Math.max(status, statusOf(await client.request({command: 'add', name, forward})));
    return status;
  });
}

function forwardLine(forward: SessionSummary['forwards'][number]): string {
  const where = forward.listening ? `on ${forward.listening}` : (forward.failure ?? '');
  const traffic = `${forward.openConnections} open, ${forward.totalConnections} in all, ${formatBytes(forward.bytesIn)} in, ${formatBytes(forward.bytesOut)} out`;
  return `  ${forward.label.padEnd(30)} ${forward.state.padEnd(10)} ${where}  (${traffic})`;
}

async function list(args: string[]): Promise<number> {
  const json = args.includes('--json');
  if (args.some((arg) => arg !== '--json'))
    return usageError('ls', `unknown argument ${args.find((a) => a !== '--json')}`);
  let sessions: SessionSummary[] = [];
  try {
    const result = await withService(false, (client) => client.request({command: 'ls'}));
    if (!result.ok) return statusOf(result);
    sessions = result.sessions ?? [];
  } catch (error) {
    // No service: nothing runs in the background, which is an answer, not a failure.
    if (!(error instanceof NoServiceError)) throw error;
  }
  if (json) {
    stdout(`${safeJson({sessions})}\n`);
    return 0;
  }
  if (sessions.length === 0) stderr('tunnels: no sessions in the background (tunnels up starts one)\n');
  // Columns as wide as their longest entry, so long names and routes stay aligned.
  const nameWidth = Math.max(16, ...sessions.map((session) => safeText(session.name).length));
  const destinationWidth = Math.max(32, ...sessions.map((session) => safeText(session.destination).length));
  for (const session of sessions) {
    const retry =
      session.retryAt === undefined
        ? ' now'
        : ` in ${Math.max(0, Math.ceil((session.retryAt - Date.now()) / 1000))}s`;
    const state =
      session.reason === undefined ? session.state : `${session.state}${retry}: ${session.reason}`;
    stdout(
      `${safeText(session.name).padEnd(nameWidth)} ${safeText(session.destination).padEnd(destinationWidth)} ${safeText(state)}\n`,
    );
    for (const forward of session.forwards) stdout(`${safeText(forwardLine(forward))}\n`);
  }
  return 0;
}

/** Prints one session's events as `tunnels logs` shows them. */
function logPrinter(json: boolean): (tagged: SessionEvent) => void {
  const printers = new Map<string, EventPrinter>();
  return ({session, event}) => {
    let printer = printers.get(session);
    if (!printer) {
      printer = new EventPrinter(
        {
          stderr: (line) => {
            if (!json) stdout(`${safeText(session)}: ${line.replace(/^tunnels: /, '')}\n`);
          },
          // The event as tunnels -N --json prints it, in an envelope that names its session.
          stdout: (line) => stdout(`{"session":${safeJson(session)},"event":${line}}\n`),
        },
        {json, verbose: 1},
      );
      printers.set(session, printer);
    }
    printer.handle(event as TunnelEvent);
  };
}

async function logs(args: string[]): Promise<number> {
  const follow = args.includes('-f');
  const json = args.includes('--json');
  const names = args.filter((arg) => arg !== '-f' && arg !== '--json');
  if (names.length > 1 || names[0]?.startsWith('-'))
    return usageError('logs', `unknown argument ${names.at(-1)}`);
  const name = names[0];
  const print = logPrinter(json);
  const following = withService(false, async (client) => {
    if (!follow) {
      const result = await client.request({command: 'logs', ...(name !== undefined ? {name} : {})});
      if (result.ok) for (const event of result.events ?? []) print(event);
      return statusOf(result);
    }
    client.onEvent(print);
    const result = await client.request({
      command: 'watch',
      replay: true,
      ...(name !== undefined ? {name} : {}),
    });
    if (!result.ok) return statusOf(result);
    const interrupted = new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await Promise.race([client.closed, interrupted]);
    return 0;
  });
  try {
    return await following;
  } catch (error) {
    // The service has gone (it stops 10 s after its last session): what its sessions said is in its log.
    const serviceLog = path.join(stateDirectory(), LOG_NAME);
    if (error instanceof NoServiceError && fs.existsSync(serviceLog)) {
      err(`no service is running; what its sessions said is in ${serviceLog}`);
      return EXIT_FAILURE;
    }
    throw error;
  }
}

async function stop(args: string[]): Promise<number> {
  if (args.length > 0) return usageError('stop', `stop takes no arguments`);
  let client: ServiceClient;
  try {
    client = await ServiceClient.connect({start: false, onStale: tellLost});
  } catch (error) {
    if (error instanceof NoServiceError) {
      err('no service is running');
      return 0;
    }
    throw error;
  }
  const result = await client.request({command: 'stop'});
  // The service closes the connection once its sessions are closed: then the ports are free.
  if (result.ok) await client.closed;
  client.close();
  return statusOf(result);
}
