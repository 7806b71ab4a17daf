import type {ForwardKind} from '../protocols/forward-spec.js';

/**
 * How each forward kind is named: the letter of its ids and its label in the forwards table. Kept apart
 * from the registry's factories so the views can name a kind without loading the forwarding code.
 */
export const FORWARD_KIND_NAMES: {
  readonly [K in ForwardKind]: {readonly letter: string; readonly label: string};
} = {
  local: {letter: 'L', label: 'L'},
  remote: {letter: 'R', label: 'R'},
  dynamic: {letter: 'D', label: 'D'},
  ftp: {letter: 'F', label: 'FTP'},
  // A unix socket on either side: the spec shows which, so the letter and label are -L's and -R's.
  'local-unix': {letter: 'L', label: 'L'},
  'remote-unix': {letter: 'R', label: 'R'},
  // The server's SOCKS proxy, out through this machine.
  'remote-dynamic': {letter: 'R', label: 'RD'},
};
