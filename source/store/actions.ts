import {readFile} from 'node:fs/promises';
import {Readable} from 'node:stream';
import {type CommandLineOptions, ConfigError, destinationOnly} from '../config/command-line.js';
import {type ResolvedInvocation, resolveInvocation} from '../config/session-options.js';
import {listHostAliases} from '../config/ssh-config/host-aliases.js';
import type {ForwardSpec} from '../core/protocols/forward-spec.js';
import {runRemoteCommand} from '../core/session/remote-command.js';
import {expandHome} from '../text/home-path.js';
import {lineWriter} from '../text/line-writer.js';
import {appendLog, flush, trackSession, trackStarting, untrackSession} from './bridge.js';
import {checkForwardEntry} from './forward-entry-check.js';
import {forwardName} from './forward-name.js';
import {isAttached, serviceLink} from './remote-sessions.js';
import {handles} from './session-handles.js';
import {type AppState, openConnections, selectedForward, selectedSession, store} from './state.js';
import {openDialog, setHosts, showMessage} from './ui-actions.js';
import {uiPrompter} from './ui-prompter.js';

/** The command line a session came from, and its forwards now (but failed ones), to save it as a favorite. */
export function sessionOrigin(sessionId: number): {
  origin: CommandLineOptions | undefined;
  forwards: string[];
} {
  const row = store.getState().sessions.find((session) => session.id === sessionId);
  return {
    origin: handles.get(sessionId)?.origin ?? serviceLink.originOf(sessionId),
    forwards:
      row?.forwards.filter((forward) => forward.state !== 'failed').map((forward) => forward.label) ?? [],
  };
}

const set = (partial: Partial<AppState>) => store.setState(partial);

/**
 * Connects a resolved invocation (command line, ~/.ssh/config host) and brings up its forwards. Its row
 * is in the store, connecting, before this first awaits: the UI's first frame shows it while the
 * connection code (the core, with ssh2) loads, which it does only now.
 */
export async function connect(
  name: string,
  invocation: ResolvedInvocation,
  origin?: CommandLineOptions,
): Promise<void> {
  if (isAttached()) {
    if (origin) await serviceLink.up(name, invocation, origin);
    else
      showMessage(
        'error',
        `${name}: this session cannot be handed to the service (it did not start from a host)`,
      );
    return;
  }
  const id = handles.add(invocation, origin);
  trackStarting(id, name, invocation.session);
  store.setState((state) => ({selectedSession: state.sessions.length - 1, selectedForward: 0}));
  await openTracked(id, invocation, invocation.forwards);
}

/**
 * Makes the Session of a row already in the store (connect, or a reconnect of a failed one), connects it
 * and adds `forwards`. The connection code (the core, with ssh2) loads only now.
 */
export async function openTracked(
  id: number,
  invocation: ResolvedInvocation,
  forwards: ForwardSpec[],
): Promise<void> {
  const [{Session}, {openSession}] = await Promise.all([
    import('../core/session/session.js'),
    import('../core/session/open-session.js'),
  ]);
  // Disconnected, or the app quit, while that loaded.
  if (!handles.get(id) || store.getState().quitting) {
    handles.remove(id);
    untrackSession(id);
    flush();
    return;
  }
  // In the UI a dropped session comes back unless -o Reconnect=no said otherwise.
  const session = new Session(
    {...invocation.session, reconnect: invocation.session.reconnect ?? true},
    uiPrompter,
  );
  handles.setSession(id, session);
  trackSession(id, session.events);
  // No flush before connect: the new session is 'idle' until connect() says 'connecting', which it does
  // at once; the row meanwhile still shows connecting.
  try {
    // The UI keeps a session whose forward failed (ExitOnForwardFailure is for a headless run).
    await openSession(session, {forwards, warnings: invocation.warnings});
  } catch (error) {
    showMessage('error', (error as Error).message);
  }
  flush();
}

/** The -F of the UI's command line: every connection of the run reads it, as every ssh of one would. */
let runConfigFile: string | undefined;

/** The -F the connect dialog's connections read (undefined: ~/.ssh/config). */
export function connectConfigFile(): string | undefined {
  return runConfigFile;
}

/**
 * Takes the run's ssh config (~/.ssh/config unless -F said): its Host aliases for the connect dialog's
 * completion, and the file itself for what the dialog connects to.
 */
export async function loadHostAliases(configFile: string | undefined): Promise<void> {
  runConfigFile = configFile;
  const configText = await readFile(expandHome(configFile ?? '~/.ssh/config'), 'utf8').catch(() => '');
  setHosts(listHostAliases(configText));
}

/** Connects to what was typed in the connect dialog: a Host alias, user@host, or ssh://... */
export async function connectTo(destination: string): Promise<void> {
  let invocation: ResolvedInvocation;
  const origin: CommandLineOptions = destinationOnly(destination, runConfigFile);
  try {
    invocation = await resolveInvocation(origin);
  } catch (error) {
    if (error instanceof ConfigError) {
      set({dialog: {kind: 'connect', text: destination, error: error.message}});
      return;
    }
    throw error;
  }
  set({dialog: undefined});
  await connect(destination, invocation, origin);
}

export async function addForward(sessionId: number, text: string): Promise<void> {
  const session = handles.control(sessionId);
  if (session?.state !== 'connected') {
    set({dialog: {kind: 'add-forward', sessionId, text, error: 'the session is not connected'}});
    return;
  }
  const row = store.getState().sessions.find((candidate) => candidate.id === sessionId);
  const {spec, error} = checkForwardEntry(text, row);
  if (!spec) {
    set({dialog: {kind: 'add-forward', sessionId, text, error}});
    return;
  }
  set({dialog: undefined});
  const forward = await session.addForward(spec);
  flush();
  const forwards = store.getState().sessions.find((candidate) => candidate.id === sessionId)?.forwards ?? [];
  set({selectedForward: Math.max(0, forwards.length - 1), focus: 'forwards'});
  const added = forwards.find((candidate) => candidate.id === forward.id);
  const name = added ? forwardName(added) : forward.label;
  if (forward.state === 'failed') showMessage('error', `${name}: ${forward.failure}`);
  else showMessage('info', `${name}: listening`);
}

export async function removeForward(sessionId: number, forwardId: string): Promise<void> {
  const session = handles.control(sessionId);
  if (!session) return;
  const row = store.getState().sessions.find((candidate) => candidate.id === sessionId);
  const forward = row?.forwards.find((candidate) => candidate.id === forwardId);
  // Named as its row shows it ("D 40291"), not as typed ("-D 0").
  const name = forward ? forwardName(forward) : forwardId;
  await session.removeForward(forwardId);
  flush();
  showMessage('info', `${name}: removed`);
}

export async function disconnect(sessionId: number): Promise<void> {
  const remote = handles.remote(sessionId);
  if (remote) {
    await remote.close();
    handles.remove(sessionId);
    untrackSession(sessionId);
    return;
  }
  const handle = handles.get(sessionId);
  if (!handle) return;
  // Still starting: dropped here, connect() makes no Session for it.
  if (!handle.session) {
    handles.remove(sessionId);
    untrackSession(sessionId);
    return;
  }
  await handle.session.close();
  handles.remove(sessionId);
  untrackSession(sessionId);
}

/** Closes every forward and session of this process (an attached UI's stay up in the service). */
export async function shutdown(): Promise<void> {
  set({quitting: true});
  await Promise.all(handles.takeSessions().map((session) => session.close()));
}

/** The run-command dialog for a session, with its -X / -A choices as it was started with them. */
export function openRunCommand(sessionId: number): void {
  if (handles.remote(sessionId)) {
    showMessage('error', NO_COMMANDS_IN_THE_SERVICE);
    return;
  }
  const invocation = handles.get(sessionId)?.invocation;
  openDialog({
    kind: 'run-command',
    sessionId,
    text: '',
    x11: invocation?.forwardX11 ?? false,
    agent: invocation?.session.forwardAgent ?? false,
  });
}

/** Runs a command on the server; its output and exit status go to the session's log. */
export async function runCommand(
  sessionId: number,
  command: string,
  options: {x11: boolean; agent: boolean},
): Promise<number> {
  const session = handles.session(sessionId);
  if (session?.state !== 'connected') {
    showMessage('error', 'cannot run a command: the session is not connected');
    return 255;
  }
  appendLog(sessionId, 'info', `$ ${command}`);
  const stdout = lineWriter((line) => appendLog(sessionId, 'info', line));
  const stderr = lineWriter((line) => appendLog(sessionId, 'error', line));
  const status = await runRemoteCommand(session, command, {
    ...options,
    stdin: Readable.from([]),
    stdout,
    stderr,
    display: process.env.DISPLAY,
  }).catch((error: Error) => {
    appendLog(sessionId, 'error', error.message);
    return 255;
  });
  stdout.end();
  stderr.end();
  appendLog(sessionId, status === 0 ? 'info' : 'error', `exit status ${status}`);
  showMessage(status === 0 ? 'info' : 'error', `${command}: exit status ${status}`);
  return status;
}

/** Remove the selected forward; ask first when it has open connections. */
export function requestRemoveForward(): void {
  const state = store.getState();
  const session = selectedSession(state);
  const forward = selectedForward(state);
  if (!session || !forward) return;
  if (forward.counters.openConnections > 0) {
    openDialog({
      kind: 'confirm',
      title: `Remove ${forwardName(forward)}?`,
      message: `It has ${forward.counters.openConnections} open connection${forward.counters.openConnections === 1 ? '' : 's'}, which will be closed.`,
      action: {kind: 'remove-forward', sessionId: session.id, forwardId: forward.id},
    });
    return;
  }
  void removeForward(session.id, forward.id);
}

/** Why r cannot act on a session of the service's. */
const NO_COMMANDS_IN_THE_SERVICE =
  "r: the service's sessions run no commands; tunnels --no-service (a session of its own) or ssh runs one";

/**
 * Quit; ask first while connections are open. Attached to the service, q asks whether to leave the
 * tunnels up (the default) or stop them; Ctrl-C (force) leaves them up. Resolves true when the app
 * should exit now.
 */
export async function requestQuit(force = false): Promise<boolean> {
  if (isAttached() && !force) {
    openDialog({
      kind: 'confirm',
      title: 'Detach from the service?',
      message:
        'Enter or y: the tunnels stay up (tunnels ls, tunnels attach). s stops every tunnel and the service.',
      action: {kind: 'detach'},
    });
    return false;
  }
  const open = openConnections(store.getState());
  if (open > 0 && !force) {
    openDialog({
      kind: 'confirm',
      title: 'Quit tunnels?',
      message: `${open} connection${open === 1 ? ' is' : 's are'} open and will be closed.`,
      action: {kind: 'quit'},
    });
    return false;
  }
  await shutdown();
  return true;
}

/** s in the attached UI's quit question: every tunnel of the service stops, and then the UI. */
export async function stopServiceAndQuit(): Promise<void> {
  set({dialog: undefined});
  await serviceLink.stopService();
  await shutdown();
}
