import type {ForwardSpec} from '../protocols/forward-spec.js';
import type {Session} from './session.js';

/** What a session is opened with, besides its connection settings. */
export interface SessionPlan {
  forwards: ForwardSpec[];
  /** Problems of the configuration that did not stop it: said as warnings before connecting. */
  warnings: string[];
  /** ssh's ExitOnForwardFailure: a forward that fails closes the session. */
  exitOnForwardFailure?: boolean;
}

/**
 * "Connect, then add the forwards", as the headless run and the UI both do it: the warnings first, then
 * the connection (rejecting as connect() does), then each forward one at a time, as ssh does, so ports
 * are taken in the order given. Resolves false when a forward failed under ExitOnForwardFailure, after
 * closing the session; a forward that fails otherwise stays, failed, and the session is open.
 */
export async function openSession(session: Session, plan: SessionPlan): Promise<boolean> {
  for (const message of plan.warnings) session.warn(message);
  await session.connect();
  for (const spec of plan.forwards) {
    try {
      await session.addForward(spec);
    } catch (error) {
      session.warn((error as Error).message);
      if (plan.exitOnForwardFailure) {
        await session.close();
        return false;
      }
    }
  }
  if (plan.exitOnForwardFailure && session.forwards().some((forward) => forward.state === 'failed')) {
    session.warn('a forward failed and ExitOnForwardFailure is set: exiting');
    await session.close();
    return false;
  }
  return true;
}
