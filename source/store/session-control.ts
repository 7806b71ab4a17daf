import type {ForwardState} from '../core/events.js';
import type {ForwardSpec} from '../core/protocols/forward-spec.js';
import type {SessionState} from '../core/session/session.js';

/** A forward as a command left it: what the status line says about it. */
export interface ForwardOutcome {
  id: string;
  /** "-L 8080:db:5432" */
  label: string;
  state: ForwardState;
  failure: string | undefined;
}

/**
 * What the store's actions ask of a session wherever it runs: in this process (core's Session, which
 * has this shape as it is) or in the background service (remote-sessions.ts, which sends each as a
 * command). What only an in-process session can do (reconnect now, retry a forward, run a command) is
 * asked of the Session itself; an attached UI's keys say why they cannot act.
 */
export interface SessionControl {
  readonly state: SessionState;
  addForward(spec: ForwardSpec): Promise<ForwardOutcome>;
  removeForward(forwardId: string): Promise<void>;
  close(): Promise<void>;
}
