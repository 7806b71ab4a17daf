/**
 * The sessions the service holds, by name, and what the commands do to them. Each session's events go
 * out as they are (tagged with its name) to whoever listens, and the recent ones are kept for `logs`.
 */
import {type CommandLineOptions, ConfigError, destinationOnly} from '../config/command-line.js';
import {resolveInvocation} from '../config/session-options.js';
import {servicePort} from '../config/ssh-config/values.js';
import {Emitter} from '../core/emitter.js';
import type {TunnelEvent} from '../core/events.js';
import {parseForwardEntry} from '../core/protocols/forward-entry.js';
import {ForwardSpecError} from '../core/protocols/forward-spec.js';
import {openSession} from '../core/session/open-session.js';
import type {Prompter} from '../core/session/prompter.js';
import {Session} from '../core/session/session.js';
import {hostPort} from '../text/address.js';
import type {ForwardSummary, SessionEvent, SessionSummary} from './protocol.js';

/** How many recent events each session keeps for `logs`. */
export const RECENT_EVENTS = 500;
/** How many sessions that ended by themselves keep their events for `logs`. */
const ENDED_KEPT = 20;

/** What a command comes to: done, or a sentence that says what to do. `told`: the events said it. */
export type Outcome = {ok: true} | {ok: false; error: string; told?: boolean};

interface Held {
  session: Session;
  recent: SessionEvent[];
  /** Taken down (down, stop): its end is not one to keep lines of for logs. */
  takenDown?: boolean;
}

const failure = (error: string, told = false): Outcome => ({ok: false, error, ...(told ? {told} : {})});

export class SessionTable {
  readonly events = new Emitter<SessionEvent>();
  /** Called when a session is added or gone (the service keeps a list, and may wind down when empty). */
  onChange: () => void = () => {};
  private readonly held = new Map<string, Held>();
  /** The recent events of sessions that ended by themselves, oldest first: `logs NAME` still says why. */
  private readonly ended = new Map<string, SessionEvent[]>();

  get size(): number {
    return this.held.size;
  }

  /**
   * Resolves the command line as a headless run does, and opens the session with BatchMode: the service
   * has nobody to ask for a host key or a password, unless `prompter` (the client that asked, on its
   * terminal) answers while it comes up. Resolves once it is connected and its forwards are
   * listening or failed, or it failed (the events say why).
   */
  async up(
    name: string,
    origin: CommandLineOptions,
    prompter?: Prompter,
    /** The SSH_AUTH_SOCK of the command that asked ('' for none); undefined: this process's. */
    agent?: string,
  ): Promise<Outcome> {
    if (this.held.has(name))
      return failure(
        `a session named ${name} is already up; take it down first (tunnels down ${name}) or pick another --name`,
      );
    let invocation: Awaited<ReturnType<typeof resolveInvocation>>;
    try {
      invocation = await resolveInvocation(
        // Another client's command line may leave out the lists it has nothing in; tunnels' own sends them.
        {...destinationOnly(origin.destination, undefined), ...origin},
        agent === undefined ? {} : {agentEnvironment: {...process.env, SSH_AUTH_SOCK: agent}},
      );
    } catch (error) {
      if (error instanceof ConfigError) return failure(error.message);
      throw error;
    }
    // A tunnel handed to the service is meant to stay up when the terminal is gone: it reconnects after a
    // drop unless -o Reconnect=no (where ssh -f would end), as a favorite does everywhere.
    invocation.session.reconnect ??= true;
    if (prompter === undefined) invocation.session.batchMode = true;
    // (Checked again: another up with this name may have come while the config was read.)
    if (this.held.has(name)) return failure(`a session named ${name} is already up; pick another --name`);
    const session = new Session(invocation.session, prompter);
    const held: Held = {session, recent: []};
    this.held.set(name, held);
    this.ended.delete(name);
    this.onChange();
    session.events.on((event) => this.record(name, held, event));
    try {
      if (!(await openSession(session, invocation)))
        return failure('a forward failed and ExitOnForwardFailure is set', true);
    } catch (error) {
      this.forget(name, held);
      return failure((error as Error).message, true);
    }
    return {ok: true};
  }

  async down(name: string): Promise<Outcome> {
    const held = this.held.get(name);
    if (!held) return this.noSession(name);
    // Held until closed (its ports and name are still its own), but not kept for logs once it ends.
    held.takenDown = true;
    await held.session.close();
    this.forget(name, held);
    return {ok: true};
  }

  async add(name: string, forward: string): Promise<Outcome> {
    const held = this.held.get(name);
    if (!held) return this.noSession(name);
    try {
      const spec = parseForwardEntry(forward, servicePort);
      // A forward asked for while the connection is down would only fail (and a -R stay failed): refused.
      if (held.session.state !== 'connected')
        return failure(`${name} is ${held.session.state}; add forwards once it is connected (tunnels ls)`);
      const added = await held.session.addForward(spec);
      // As ssh -O forward: a forward that failed is a failure (its events said why).
      if (added.state === 'failed') return failure(`${added.label}: ${added.failure ?? 'failed'}`, true);
    } catch (error) {
      return failure((error as Error).message, !(error instanceof ForwardSpecError));
    }
    return {ok: true};
  }

  async rm(name: string, forward: string): Promise<Outcome> {
    const found = this.forwardOf(name, forward);
    if ('ok' in found) return found;
    await found.session.removeForward(found.forward.id);
    return {ok: true};
  }

  /** A reconnecting session tries again now. */
  reconnect(name: string): Outcome {
    const held = this.held.get(name);
    if (!held) return this.noSession(name);
    if (held.session.reconnectNow()) return {ok: true};
    return failure(
      held.session.state === 'reconnecting'
        ? `${name}: a reconnect attempt is already under way`
        : `${name} is ${held.session.state}, not waiting to reconnect`,
    );
  }

  /** A failed forward started again; `told` when it failed again (its events said why). */
  async retry(name: string, forward: string): Promise<Outcome> {
    const found = this.forwardOf(name, forward);
    if ('ok' in found) return found;
    const retried = await found.session.retryForward(found.forward.id);
    if (!retried)
      return failure(`${found.forward.label}: only a failed forward of a connected session can be retried`);
    return retried.state === 'failed' ? failure(`${retried.label}: ${retried.failure}`, true) : {ok: true};
  }

  /** A forward of a session, by its id, its label or its spec alone; or why there is none. */
  private forwardOf(
    name: string,
    forward: string,
  ): {session: Session; forward: ReturnType<Session['forwards']>[number]} | Outcome {
    const held = this.held.get(name);
    if (!held) return this.noSession(name);
    const wanted = forward.trim();
    const found = held.session
      .forwards()
      .find((f) => f.id === wanted || f.label === wanted || f.label.replace(/^-[LRD] /, '') === wanted);
    if (found) return {session: held.session, forward: found};
    const labels = held.session.forwards().map((f) => f.label);
    return failure(
      `session ${name} has no forward ${wanted}; ${labels.length ? `it has ${labels.join(', ')}` : 'it has none'} (see tunnels ls)`,
    );
  }

  list(): SessionSummary[] {
    return [...this.held].map(([name, {session}]) => ({
      name,
      destination: session.displayName,
      state: session.state,
      ...(session.state === 'reconnecting'
        ? {
            ...(session.failure !== undefined ? {reason: session.failure} : {}),
            ...(session.nextAttemptAt !== undefined ? {retryAt: session.nextAttemptAt} : {}),
          }
        : {}),
      forwards: session.forwards().map((forward): ForwardSummary => {
        const counters = forward.counters();
        const on = forward.listeningOn;
        return {
          id: forward.id,
          label: forward.label,
          state: forward.state,
          ...(forward.failure ? {failure: forward.failure} : {}),
          ...(on ? {listening: on.path ?? hostPort(on.address, on.port)} : {}),
          openConnections: counters.openConnections,
          totalConnections: counters.totalConnections,
          bytesIn: counters.bytesIn,
          bytesOut: counters.bytesOut,
        };
      }),
    }));
  }

  /** The recent events of one session or all, oldest first within each. */
  recent(name?: string): SessionEvent[] | Outcome {
    if (name !== undefined) {
      const events = this.held.get(name)?.recent ?? this.ended.get(name);
      return events ? [...events] : this.noSession(name);
    }
    return [...this.ended.values(), ...[...this.held.values()].map((held) => held.recent)].flat();
  }

  /** Each session's name and where it goes. */
  names(): {name: string; destination: string}[] {
    return [...this.held].map(([name, {session}]) => ({name, destination: session.displayName}));
  }

  has(name: string): boolean {
    return this.held.has(name);
  }

  async closeAll(): Promise<void> {
    await Promise.all(
      [...this.held].map(([name, held]) => {
        held.takenDown = true;
        return held.session.close().finally(() => this.forget(name, held));
      }),
    );
  }

  private record(name: string, held: Held, event: TunnelEvent): void {
    const tagged = {session: name, event, time: Date.now()};
    // The traffic samples are for live views, not a log: kept out of the recent lines.
    if (event.event !== 'forward-traffic') {
      held.recent.push(tagged);
      if (held.recent.length > RECENT_EVENTS) held.recent.shift();
    }
    this.events.emit(tagged);
    // A session that ended by itself (its reconnects gave up, the server closed it) is not held; its
    // events are kept a while, for logs.
    if (event.event === 'session-failed' || event.event === 'session-closed') {
      if (this.held.get(name) === held && !held.takenDown) {
        this.ended.delete(name);
        this.ended.set(name, held.recent);
        if (this.ended.size > ENDED_KEPT) this.ended.delete(this.ended.keys().next().value!);
      }
      this.forget(name, held);
    }
  }

  private forget(name: string, held: Held): void {
    if (this.held.get(name) !== held) return;
    this.held.delete(name);
    this.onChange();
  }

  private noSession(name: string): Outcome {
    if (this.ended.has(name)) return failure(`${name} has ended (tunnels logs ${name} says why)`);
    const names = [...this.held.keys()];
    const ended =
      this.ended.size > 0 ? `; ended, their lines kept for logs: ${[...this.ended.keys()].join(', ')}` : '';
    return failure(
      `no session named ${name}; ${names.length ? `the service holds ${names.join(', ')}` : 'the service holds none'} (see tunnels ls)${ended}`,
    );
  }
}
