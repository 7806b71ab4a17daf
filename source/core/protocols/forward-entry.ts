/** The add-forward entry the views take: a flag letter, then a forward spec. */

import {FORWARD_EXAMPLES} from '../../text/examples.js';
import {type ForwardFlag, type ForwardSpec, ForwardSpecError} from './forward-spec.js';
import type {ServicePort} from './forward-spec-fields.js';
import {parseForwardSpec} from './forward-spec-parse.js';

/**
 * Reads an add-forward entry: "L 8080:db:5432", "R 9000:localhost:3000", "D 1080", "ftp/2121:ftp:21",
 * and the ssh flags "-L ..." too. Throws ForwardSpecError.
 */
export function parseForwardEntry(text: string, servicePort?: ServicePort): ForwardSpec {
  const trimmed = text.trim();
  const match = /^-?([LRD])\s*(.*)$/i.exec(trimmed);
  if (match && (match[2] ?? '').length > 0)
    return parseForwardSpec(match[1]!.toUpperCase() as ForwardFlag, match[2]!, servicePort);
  if (/^ftp\//i.test(trimmed)) return parseForwardSpec('L', trimmed, servicePort);
  throw new ForwardSpecError(
    `"${trimmed}": start with L, R or D (e.g. L ${FORWARD_EXAMPLES.L}, R ${FORWARD_EXAMPLES.R}, D ${FORWARD_EXAMPLES.D}, L /tmp/x.sock:db:80, R 1080) or ftp/`,
    text,
    0,
    text.length,
  );
}
