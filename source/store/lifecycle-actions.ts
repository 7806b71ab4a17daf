import {openTracked} from './actions.js';
import {flush} from './bridge.js';
import {forwardName} from './forward-name.js';
import {restartSessionRow} from './reducer.js';
import {serviceLink} from './remote-sessions.js';
import {handles, type SessionHandle} from './session-handles.js';
import {store} from './state.js';
import {showMessage} from './ui-actions.js';

/**
 * A session's and a forward's lifecycle beyond connect and remove: reconnecting now, and trying a failed
 * forward again. A failed or disconnected session stays listed (with its reason) until `x` takes it off.
 */

const rowOf = (sessionId: number) => store.getState().sessions.find((row) => row.id === sessionId);

/**
 * Reconnects a session now: a reconnecting one skips the rest of its wait; a failed or disconnected one
 * is started again with the same options, and the forwards it had (those it was started with, when it
 * never connected).
 */
export async function reconnectSession(sessionId: number): Promise<void> {
  if (handles.remote(sessionId)) {
    await serviceLink.reconnect(sessionId);
    return;
  }
  const handle = handles.get(sessionId);
  const row = rowOf(sessionId);
  if (!handle || !row) return;
  const old = handle.session;
  if (row.state === 'reconnecting') {
    if (old?.reconnectNow()) showMessage('info', `${row.name}: reconnecting now`, {untilConnected: true});
    else showMessage('info', `${row.name}: a reconnect attempt is already under way`);
    return;
  }
  if ((row.state !== 'failed' && row.state !== 'closed') || restarting.has(sessionId)) return;
  restarting.add(sessionId);
  try {
    await restart(sessionId, row.name, handle, row.connectedAt !== undefined);
  } finally {
    restarting.delete(sessionId);
  }
}

/** Sessions being started again: a second R meanwhile must not make a second Session for one row. */
const restarting = new Set<number>();

async function restart(
  sessionId: number,
  name: string,
  handle: SessionHandle,
  wasConnected: boolean,
): Promise<void> {
  const old = handle.session;
  const forwards =
    old && wasConnected ? old.forwards().map((forward) => forward.spec) : handle.invocation.forwards;
  // Whatever the old one still held is let go, and what it still had to say folded, before the row starts over.
  await old?.close();
  flush();
  store.setState((state) => restartSessionRow(state, sessionId));
  showMessage('info', `${name}: reconnecting`, {untilConnected: true});
  // The configuration's warnings were said when it was first started.
  await openTracked(sessionId, {...handle.invocation, warnings: []}, forwards);
}

/** Starts a failed forward again with the same spec; says how it went. */
export async function retryForward(sessionId: number, forwardId: string): Promise<void> {
  if (handles.remote(sessionId)) {
    await serviceLink.retry(sessionId, forwardId);
    return;
  }
  const session = handles.session(sessionId);
  if (!session) return;
  const forward = await session.retryForward(forwardId);
  flush();
  const row = rowOf(sessionId)?.forwards.find((candidate) => candidate.id === forwardId);
  const name = row ? forwardName(row) : forwardId;
  if (!forward) showMessage('error', `${name}: cannot retry it now`);
  else if (forward.state === 'failed') showMessage('error', `${name}: ${forward.failure}`);
  else showMessage('info', `${name}: ${forward.state}`);
}
