import {servicePort} from '../config/ssh-config/values.js';
import {parseForwardEntry} from '../core/protocols/forward-entry.js';
import {type ForwardSpec, tcpListenerOf} from '../core/protocols/forward-spec.js';
import {FORWARD_EXAMPLES} from '../text/examples.js';
import {addDialogProblem} from './forward-field-checks.js';
import {forwardName} from './forward-name.js';
import type {ForwardRow, SessionRow} from './state.js';

/**
 * The add-forward dialog's syntax checks, as it is typed and again on Enter: the entry parses, a flag alone
 * says what it needs, and a port on the server is not one this session already forwards (a second `R 8080`
 * would only sit there failed). The listeners here are checked against every session by
 * forward-field-checks.ts (see addForwardProblem).
 */
export function checkForwardEntry(
  text: string,
  session: SessionRow | undefined,
): {spec: ForwardSpec; error?: undefined} | {spec?: undefined; error: string} {
  const flagAlone = /^-?([LRD])$/i.exec(text.trim());
  if (flagAlone) return {error: FLAG_ALONE[flagAlone[1]!.toUpperCase() as 'L' | 'R' | 'D']};
  let spec: ForwardSpec;
  try {
    spec = parseForwardEntry(text, servicePort);
  } catch (problem) {
    return {error: (problem as Error).message};
  }
  const taken = isRemote(spec.kind)
    ? session?.forwards.find((forward) => holdsListenerOf(forward, spec))
    : undefined;
  if (!taken) return {spec};
  const port = tcpListenerOf(spec)?.port;
  return {
    error: `port ${port} on the server is already forwarded by ${forwardName(taken)}`,
  };
}

const FLAG_ALONE = {
  L: `L needs a spec, e.g. L ${FORWARD_EXAMPLES.L}`,
  R: `R needs a spec, e.g. R ${FORWARD_EXAMPLES.R}, or a port alone for SOCKS on the server, e.g. R 1080`,
  D: `D needs a port, e.g. D ${FORWARD_EXAMPLES.D}`,
} as const;

const isRemote = (kind: ForwardSpec['kind']) => kind.startsWith('remote');

/** True when `forward` (not failed or closed) listens on the port `spec` asks for, on the same side. */
function holdsListenerOf(forward: ForwardRow, spec: ForwardSpec): boolean {
  if (forward.state === 'failed' || forward.state === 'closed') return false;
  if (isRemote(forward.kind) !== isRemote(spec.kind)) return false;
  const wanted = tcpListenerOf(spec);
  // Port 0 is a new port each time; a unix socket's path is checked where it is made.
  if (!wanted || wanted.port === 0) return false;
  const held = listenerOf(forward);
  if (!held || held.port !== wanted.port) return false;
  const [a, b] = [bindGroup(held.bindAddress), bindGroup(wanted.bindAddress)];
  return a === 'any' || b === 'any' || a === b;
}

/** Where a forward row listens: the port it was given (for port 0, the one bound), and its bind address. */
function listenerOf(forward: ForwardRow): {bindAddress: string | undefined; port: number} | undefined {
  let listener: {bindAddress: string | undefined; port: number} | undefined;
  try {
    listener = tcpListenerOf(parseForwardEntry(forward.label));
  } catch {
    return undefined;
  }
  if (!listener) return undefined;
  const bound = /:(\d+)$/.exec(forward.listeningOn ?? '');
  return listener.port === 0 && bound ? {...listener, port: Number(bound[1])} : listener;
}

/** Bind addresses that take the same port: loopback (the default), every interface, or one address. */
function bindGroup(address: string | undefined): string {
  if (address === undefined || ['localhost', '127.0.0.1', '::1'].includes(address)) return 'loopback';
  if (['', '*', '0.0.0.0', '::'].includes(address)) return 'any';
  return address;
}

/**
 * Every check of the add dialog's entry, typed or on Enter: its syntax and the server's ports of this
 * session (above), then the ports here of every session and a privileged port (forward-field-checks.ts).
 * The forward an edit replaces is left out: its port is the new one's to take.
 */
export function addForwardProblem(
  dialog: {sessionId: number; replacing?: {forwardId: string} | undefined},
  text: string,
  sessions: SessionRow[],
): string | undefined {
  const session = sessions.find((row) => row.id === dialog.sessionId);
  const others = session && {
    ...session,
    forwards: session.forwards.filter((forward) => forward.id !== dialog.replacing?.forwardId),
  };
  return checkForwardEntry(text, others).error ?? addDialogProblem(dialog, text, sessions);
}
