import type {CommandLineOptions} from '../config/command-line.js';
import type {FavoritesFile} from '../config/favorites/index.js';
import type {ResolvedInvocation} from '../config/session-options.js';
import type {Session} from '../core/session/session.js';
import type {SessionControl} from './session-control.js';

/** A session the store started: what it was started from, and its handle once made. */
export interface SessionHandle {
  /** Undefined while the connection code loads (its row shows, connecting, meanwhile). */
  session: Session | undefined;
  /** What it was started with (X11 and the agent for its commands). */
  invocation: ResolvedInvocation;
  /** The command line it came from, for saving it as a favorite. */
  origin: CommandLineOptions | undefined;
}

/**
 * What the store's actions hold of the outside world, in one object made once: the sessions they send
 * commands to (add or remove a forward, run a command, close), the question of the core's that waits for
 * an answer, the favorites file. Nothing a view shows is kept here: that is all in the store's state,
 * folded from the core's events; views never see this.
 */
class SessionHandles {
  private readonly handles = new Map<number, SessionHandle>();
  /** Sessions of the background service, when the UI is attached to it (remote-sessions.ts). */
  private readonly remotes = new Map<number, SessionControl>();
  private nextSessionId = 1;
  /** The core's question on screen (the prompt dialog): how to answer it. */
  pendingPrompt: {resolve: (answer: string) => void; reject: (error: Error) => void} | undefined;
  /** The favorites file being opened or open: one promise, so uses that overlap open it once. */
  favorites: Promise<FavoritesFile> | undefined;

  /** A new session's id, with what it is started from; its Session comes later (see setSession). */
  add(invocation: ResolvedInvocation, origin: CommandLineOptions | undefined): number {
    const id = this.nextSessionId++;
    this.handles.set(id, {session: undefined, invocation, origin});
    return id;
  }

  /** A row for a session of the background service; its id, as the store's rows number them. */
  addRemote(control: SessionControl): number {
    const id = this.nextSessionId++;
    this.remotes.set(id, control);
    return id;
  }

  remote(id: number): SessionControl | undefined {
    return this.remotes.get(id);
  }

  /** What commands to a session go to: its Session here, or the service's session. */
  control(id: number): SessionControl | undefined {
    return this.handles.get(id)?.session ?? this.remotes.get(id);
  }

  get(id: number): SessionHandle | undefined {
    return this.handles.get(id);
  }

  /** The session's Session, now made; false when it was dropped meanwhile. */
  setSession(id: number, session: Session): boolean {
    const handle = this.handles.get(id);
    if (!handle) return false;
    handle.session = session;
    return true;
  }

  session(id: number): Session | undefined {
    return this.handles.get(id)?.session;
  }

  /** Forgets a session; returns its handle. */
  remove(id: number): SessionHandle | undefined {
    const handle = this.handles.get(id);
    this.handles.delete(id);
    this.remotes.delete(id);
    return handle;
  }

  /** Forgets every session made so far (to close them all); one still starting stays, to be dropped. */
  takeSessions(): Session[] {
    const sessions: Session[] = [];
    for (const [id, handle] of this.handles) {
      if (!handle.session) continue;
      sessions.push(handle.session);
      this.handles.delete(id);
    }
    return sessions;
  }
}

export const handles = new SessionHandles();
