import {FORWARD_KIND_NAMES} from '../core/forwards/kinds.js';
import type {ForwardKind} from '../core/protocols/forward-spec.js';

/**
 * A forward as the user names it, the way the add dialog takes it, with the port actually bound: "L
 * 41234:db:5432", "D 40291", "R 1080", "ftp/2121:ftp:21" (its spec says what it is). Log lines and
 * messages use it rather than the forward's id (L1) or the spec as typed (-D 0).
 */
export function forwardName(forward: {kind: ForwardKind; display: string}): string {
  if (forward.kind === 'ftp') return forward.display;
  return `${FORWARD_KIND_NAMES[forward.kind].letter} ${forward.display}`;
}
