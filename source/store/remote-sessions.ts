/**
 * The UI attached to the background service (tunnels attach): each of the service's sessions is a row,
 * folded from the events the service streams exactly as an in-process session's are (bridge.ts,
 * reducer.ts), and the actions' commands to it go to the service (RemoteSession). The service's client
 * is not imported here (the store sits beside the service, not above it): the UI's entry hands in a
 * ServiceTransport, which source/service/client.ts's ServiceClient is.
 */
import type {CommandLineOptions} from '../config/command-line.js';
import type {ResolvedInvocation} from '../config/session-options.js';
import {Emitter} from '../core/emitter.js';
import type {ForwardCounters, ForwardState, TunnelEvent} from '../core/events.js';
import {parseForwardEntry} from '../core/protocols/forward-entry.js';
import type {ForwardSpec} from '../core/protocols/forward-spec.js';
import {formatForwardFlag} from '../core/protocols/forward-spec-format.js';
import type {SessionState} from '../core/session/session.js';
import {userAtHostPort} from '../text/address.js';
import {flush, sessionAddress, trackSession} from './bridge.js';
import {forwardName} from './forward-name.js';
import {addSessionRow, restartSessionRow} from './reducer.js';
import type {ListedSession, ServiceCommand, ServiceResult, ServiceTransport} from './service-transport.js';
import type {ForwardOutcome, SessionControl} from './session-control.js';
import {handles} from './session-handles.js';
import {type AppState, type ForwardRow, type SessionRow, store} from './state.js';
import {showMessage} from './ui-actions.js';
import {uiPrompter} from './ui-prompter.js';

const isOver = (state: SessionState) => state === 'failed' || state === 'closed';

/** A session's state after one of its events. */
function stateAfter(state: SessionState, event: TunnelEvent): SessionState {
  switch (event.event) {
    case 'session-connecting':
      return state === 'reconnecting' ? state : 'connecting';
    case 'session-connected':
      return 'connected';
    case 'session-reconnecting':
      return 'reconnecting';
    case 'session-failed':
      return 'failed';
    case 'session-closed':
      return 'closed';
    default:
      return state;
  }
}

/** One of the service's sessions, as a row of this UI: its commands go to the service by its name. */
class RemoteSession implements SessionControl {
  readonly events = new Emitter<{event: TunnelEvent; time: number | undefined}>();
  rowId = 0;
  /** The command line it was opened with, when this UI opened it: R opens it again once it ended. */
  origin: CommandLineOptions | undefined;

  constructor(
    readonly name: string,
    public state: SessionState,
    private readonly link: ServiceLink,
  ) {}

  private row(): SessionRow | undefined {
    return store.getState().sessions.find((row) => row.id === this.rowId);
  }

  /**
   * The service answers once the forward listens or failed; its events came before the answer, so the
   * new forward is in the row by then.
   */
  async addForward(spec: ForwardSpec): Promise<ForwardOutcome> {
    const label = formatForwardFlag(spec);
    flush();
    const before = new Set(this.row()?.forwards.map((forward) => forward.id));
    const result = await this.link.request({command: 'add', name: this.name, forward: label});
    flush();
    const added = this.row()?.forwards.find((forward) => !before.has(forward.id));
    if (added)
      return {
        id: added.id,
        label: added.label,
        state: added.state === 'refusing' ? 'listening' : added.state,
        failure: added.failure,
      };
    return {id: '', label, state: 'failed', failure: result.error ?? 'the service added no forward'};
  }

  async removeForward(forwardId: string): Promise<void> {
    const result = await this.link.request({command: 'rm', name: this.name, forward: forwardId});
    if (!result.ok) showMessage('error', result.error ?? `cannot remove ${forwardId}`);
  }

  /** Takes the session down in the service; one that ended there already (or was replaced) is only let go here. */
  async close(): Promise<void> {
    if (!isOver(this.state) && this.link.current(this.name) === this)
      await this.link.request({command: 'down', name: this.name});
    this.link.forget(this);
  }
}

/** The forwards `ls` lists that the replayed events no longer hold (the service keeps its recent events only). */
function withListedForwards(row: SessionRow, listed: ListedSession): SessionRow {
  const forwards = listed.forwards.map((summary): ForwardRow | undefined => {
    const known = row.forwards.find((forward) => forward.id === summary.id);
    const counters: ForwardCounters = {
      openConnections: summary.openConnections,
      totalConnections: summary.totalConnections,
      failedConnections: known?.counters.failedConnections ?? 0,
      bytesIn: summary.bytesIn,
      bytesOut: summary.bytesOut,
    };
    if (known) return {...known, counters};
    let kind: ForwardRow['kind'];
    try {
      kind = parseForwardEntry(summary.label).kind;
    } catch {
      return undefined;
    }
    return {
      id: summary.id,
      kind,
      label: summary.label,
      display: summary.label.replace(/^-[LRD] /, ''),
      state: summary.state as ForwardState,
      failure: summary.failure,
      listeningOn: summary.listening,
      counters,
      rateIn: 0,
      rateOut: 0,
    };
  });
  return {
    ...row,
    state: isOver(row.state) ? row.state : (listed.state as SessionState),
    forwards: forwards.filter((forward): forward is ForwardRow => forward !== undefined),
  };
}

/** The attached UI's one connection to the service, and its sessions by name. */
class ServiceLink {
  private transport: ServiceTransport | undefined;
  /** The service closed the connection: a command now would wait for an answer that never comes. */
  private gone = false;
  private readonly byName = new Map<string, RemoteSession>();

  /**
   * Shows what the service holds: a row per session, the events since each started (the rows, counters
   * and log), then what `ls` says of it now; from then on, every event as it comes. An error sentence
   * when the service would not stream its events.
   */
  async attach(transport: ServiceTransport): Promise<string | undefined> {
    this.transport = transport;
    this.gone = false;
    store.setState({attached: true});
    transport.onEvent(({session, event, time}) => this.receive(session, event, time));
    transport.onPrompt((message) => {
      if ('inform' in message) uiPrompter.inform(`${message.session}: ${message.inform}`);
      else
        uiPrompter
          .ask(message.text, {
            secret: message.secret,
            ...(message.shownBefore !== undefined ? {shownBefore: message.shownBefore} : {}),
          })
          .then(
            (answer) => transport.answer(message.prompt, answer),
            () => transport.answer(message.prompt, undefined),
          );
    });
    void transport.closed.then(() => {
      this.gone = true;
      if (store.getState().quitting) return;
      // Its tunnels went with it: each row says so, and nothing is left to detach from.
      for (const [name, session] of this.byName)
        if (!isOver(session.state))
          this.receive(name, {event: 'session-closed', reason: 'the service is gone (stopped, or it died)'});
      flush();
      store.setState((state) => ({
        attached: false,
        sessions: state.sessions.map((row) => ({
          ...row,
          forwards: row.forwards.map((forward) => ({
            ...forward,
            counters: {...forward.counters, openConnections: 0},
          })),
        })),
      }));
      showMessage(
        'error',
        'the service is gone (stopped, or it died), and its tunnels with it: q leaves; tunnels attach starts one',
      );
    });
    const before = await this.request({command: 'ls'});
    for (const listed of before.sessions ?? []) this.addRow(listed.name, listed.destination, 'connecting');
    const watching = await this.request({command: 'watch', replay: true});
    if (!watching.ok) return watching.error;
    const now = await this.request({command: 'ls'});
    flush();
    store.setState((state) => this.withListed(state, now.sessions ?? []));
    return undefined;
  }

  request(command: ServiceCommand): Promise<ServiceResult> {
    if (!this.transport || this.gone)
      return Promise.resolve({ok: false, error: 'the service is gone: q leaves; tunnels attach starts one'});
    return this.transport.request(command);
  }

  current(name: string): RemoteSession | undefined {
    return this.byName.get(name);
  }

  forget(session: RemoteSession): void {
    if (this.byName.get(session.name) === session) this.byName.delete(session.name);
  }

  /**
   * Opens a session in the service from this UI (connect, a favorite): its prompts come to this UI's
   * dialog over the socket. In the UI every session reconnects unless -o Reconnect=no, as a favorite does
   * in the service.
   */
  async up(wanted: string, invocation: ResolvedInvocation, origin: CommandLineOptions): Promise<void> {
    const listed = await this.request({command: 'ls'});
    const taken = new Set([
      ...(listed.sessions ?? []).map((session) => session.name),
      ...[...this.byName.values()].filter((session) => !isOver(session.state)).map((session) => session.name),
    ]);
    let name = wanted;
    for (let n = 2; taken.has(name); n++) name = `${wanted}-${n}`;
    const session = this.addRow(name, sessionAddress(invocation.session), 'connecting');
    session.origin = origin;
    store.setState((state) => ({selectedSession: state.sessions.length - 1, selectedForward: 0}));
    await this.open(session);
  }

  /** Sends the up of a session this UI opened (again: R once it ended, under the same name). */
  private async open(session: RemoteSession): Promise<void> {
    const {name, origin} = session;
    if (!origin) return;
    const result = await this.request({command: 'up', name, origin, favorite: true, prompts: true});
    flush();
    if (result.ok || result.told) return;
    if (this.byName.get(name) === session && !isOver(session.state))
      this.receive(name, {
        event: 'session-failed',
        reason: result.error ?? 'the service refused it',
        level: 'config',
      });
    showMessage('error', result.error ?? 'the service refused it');
  }

  /**
   * R on a row of the service: a reconnecting session tries now; one that ended, opened from this UI, is
   * opened again under its name; one that ended opened elsewhere (tunnels up) is left to be opened there.
   */
  async reconnect(sessionId: number): Promise<void> {
    const session = this.sessionOf(sessionId);
    if (!session) return;
    if (session.state === 'reconnecting') {
      const result = await this.request({command: 'reconnect', name: session.name});
      if (result.ok) showMessage('info', `${session.name}: reconnecting now`, {untilConnected: true});
      else showMessage('error', result.error ?? '');
      return;
    }
    if (!isOver(session.state)) return;
    if (!session.origin || this.byName.get(session.name) !== session) {
      showMessage(
        'error',
        `${session.name} was opened outside this UI: tunnels up opens it again (or c here)`,
      );
      return;
    }
    showMessage('info', `${session.name}: reconnecting`, {untilConnected: true});
    await this.open(session);
  }

  /** R on a failed forward of the service's: started again, with the same spec and id. */
  async retry(sessionId: number, forwardId: string): Promise<void> {
    const session = this.sessionOf(sessionId);
    if (!session) return;
    const result = await this.request({command: 'retry', name: session.name, forward: forwardId});
    flush();
    const row = store.getState().sessions.find((candidate) => candidate.id === sessionId);
    const forward = row?.forwards.find((candidate) => candidate.id === forwardId);
    const name = forward ? forwardName(forward) : forwardId;
    if (result.ok) showMessage('info', `${name}: ${forward?.state ?? 'retried'}`);
    else
      showMessage(
        'error',
        result.told && forward?.failure ? `${name}: ${forward.failure}` : (result.error ?? ''),
      );
  }

  /** The command line a session of the service was opened with, when this UI opened it (s saves it). */
  originOf(sessionId: number): CommandLineOptions | undefined {
    return this.sessionOf(sessionId)?.origin;
  }

  private sessionOf(sessionId: number): RemoteSession | undefined {
    const control = handles.remote(sessionId);
    return control instanceof RemoteSession ? control : undefined;
  }

  /** q's other answer: every tunnel of the service stops, and the service with them. */
  async stopService(): Promise<void> {
    await this.request({command: 'stop'});
  }

  detach(): void {
    this.transport?.close();
    this.transport = undefined;
  }

  private receive(name: string, event: TunnelEvent, time?: number): void {
    let session = this.byName.get(name);
    // A session's first event makes its row (one started by tunnels up, another UI, or this one); a
    // name used again after its session ended starts that row over.
    if (event.event === 'session-connecting' && (!session || isOver(session.state))) {
      const address = `${userAtHostPort(event.user, event.host, event.port)}${event.via ? ` via ${event.via}` : ''}`;
      if (session && this.rowExists(session)) {
        session.state = 'connecting';
        const {rowId} = session;
        store.setState((state) => restartSessionRow(state, rowId));
      } else session = this.addRow(name, address, 'connecting');
    }
    if (!session) return;
    session.state = stateAfter(session.state, event);
    session.events.emit({event, time});
  }

  private rowExists(session: RemoteSession): boolean {
    return store.getState().sessions.some((row) => row.id === session.rowId);
  }

  private addRow(name: string, address: string, state: SessionState): RemoteSession {
    const session = new RemoteSession(name, state, this);
    session.rowId = handles.addRemote(session);
    this.byName.set(name, session);
    const {rowId} = session;
    store.setState((current) => addSessionRow(current, rowId, name, address));
    trackSession(rowId, {
      on: (listener) => session.events.on(({event, time}) => listener(event, time)),
    });
    return session;
  }

  private withListed(state: AppState, listed: ListedSession[]): AppState {
    const sessions = state.sessions.map((row) => {
      const summary = listed.find((candidate) => this.byName.get(candidate.name)?.rowId === row.id);
      if (!summary) return row;
      const session = this.byName.get(summary.name);
      if (session && !isOver(session.state)) session.state = summary.state as SessionState;
      return withListedForwards(row, summary);
    });
    return {...state, sessions};
  }
}

export type {ListedSession, ServiceCommand, ServiceResult, ServiceTransport} from './service-transport.js';

export const serviceLink = new ServiceLink();

export const attachService = (transport: ServiceTransport) => serviceLink.attach(transport);
export const detachService = (): void => serviceLink.detach();
export const isAttached = (): boolean => store.getState().attached;
