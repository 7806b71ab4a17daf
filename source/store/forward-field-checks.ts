/**
 * Checks of a forward spec typed in the add dialog that need more than its syntax: what this machine and
 * the forwards already here allow. Pure: the caller passes the rows and whether it runs as root.
 */

import {servicePort} from '../config/ssh-config/values.js';
import {parseForwardEntry} from '../core/protocols/forward-entry.js';
import {type ForwardSpec, tcpListenerOf} from '../core/protocols/forward-spec.js';
import {forwardName} from './forward-name.js';
import type {ForwardRow, SessionRow} from './state.js';

/** The kinds whose listener is on this machine (the others listen on the server). */
const LOCAL_KINDS = new Set<ForwardSpec['kind']>(['local', 'dynamic', 'ftp', 'local-unix']);

/** Where a spec listens here on TCP, when it does: its bind address as written and its port (0: any). */
export function localListener(
  spec: ForwardSpec,
): {bindAddress: string | undefined; port: number} | undefined {
  if (!LOCAL_KINDS.has(spec.kind)) return undefined;
  return tcpListenerOf(spec);
}

/** A bind address as the clash check compares them: every interface, loopback (the default), or itself. */
function bindScope(bindAddress: string | undefined): string {
  if (bindAddress === undefined || bindAddress === 'localhost') return 'loopback';
  if (['', '*', '0.0.0.0', '::'].includes(bindAddress)) return 'any';
  if (/^127\./.test(bindAddress) || bindAddress === '::1') return `loopback ${bindAddress}`;
  return bindAddress;
}

/** Whether two listeners on one port would take each other's place. */
function sameListener(a: string, b: string): boolean {
  if (a === b || a === 'any' || b === 'any') return true;
  // The default listens on 127.0.0.1 and ::1 both.
  return (
    (a === 'loopback' && /^loopback (127\.0\.0\.1|::1)$/.test(b)) ||
    (b === 'loopback' && /^loopback (127\.0\.0\.1|::1)$/.test(a))
  );
}

/** Where a forward row listens here: with the port it bound (its display) when it asked for port 0. */
function rowListener(row: ForwardRow): {scope: string; port: number} | undefined {
  if (row.state === 'failed' || row.state === 'closed') return undefined;
  const flag = row.label.slice(0, 2);
  for (const text of [`${flag} ${row.display}`, row.label]) {
    try {
      const listener = localListener(parseForwardEntry(text, servicePort));
      if (listener?.port) return {scope: bindScope(listener.bindAddress), port: listener.port};
    } catch {
      // A display that is not a spec (a socket path shown shortened, say): the label says it.
    }
  }
  return undefined;
}

export interface FieldCheckContext {
  sessions: SessionRow[];
  /** Root may listen below 1024, as ssh lets it. */
  isRoot: boolean;
  /** The forward an edit replaces: its own port is no clash. */
  except?: {sessionId: number; forwardId: string} | undefined;
}

/** What stops the spec from working here, as a sentence; undefined when nothing does. */
export function forwardFieldProblem(spec: ForwardSpec, context: FieldCheckContext): string | undefined {
  const listener = localListener(spec);
  if (!listener?.port) return undefined;
  const {port} = listener;
  const scope = bindScope(listener.bindAddress);
  if (port < 1024 && !context.isRoot) {
    return `port ${port} is privileged (below 1024): only root can listen on it, as ssh says; pick a port of 1024 or above`;
  }
  for (const session of context.sessions) {
    for (const row of session.forwards) {
      if (context.except?.sessionId === session.id && context.except.forwardId === row.id) continue;
      const held = rowListener(row);
      if (held?.port === port && sameListener(held.scope, scope)) {
        return `port ${port} is already used here by ${session.name}'s ${forwardName(row)}; pick another port`;
      }
    }
  }
  return undefined;
}

/** The whole check of a typed entry beyond its syntax, for the store (which knows the rows). */
export function entryProblem(text: string, context: FieldCheckContext): string | undefined {
  let spec: ForwardSpec;
  try {
    spec = parseForwardEntry(text, servicePort);
  } catch {
    return undefined;
  }
  return forwardFieldProblem(spec, context);
}

export function runningAsRoot(): boolean {
  return process.getuid?.() === 0;
}

/** The add dialog's entry against the forwards here (but the one an edit replaces), as this process runs. */
export function addDialogProblem(
  dialog: {sessionId: number; replacing?: {forwardId: string} | undefined},
  text: string,
  sessions: SessionRow[],
): string | undefined {
  const except = dialog.replacing && {sessionId: dialog.sessionId, forwardId: dialog.replacing.forwardId};
  return entryProblem(text, {sessions, isRoot: runningAsRoot(), except});
}
