import type {ForwardKind, ForwardSpec} from '../protocols/forward-spec.js';
import {DynamicForward} from './dynamic-forward.js';
import type {Forward} from './forward.js';
import type {ForwardContext} from './forward-context.js';
import {FtpForward} from './ftp-forward.js';
import {FORWARD_KIND_NAMES} from './kinds.js';
import {LocalForward} from './local-forward.js';
import {LocalUnixForward} from './local-unix-forward.js';
import type {PermitRemoteOpen} from './permit-remote-open.js';
import {RemoteDynamicForward} from './remote-dynamic-forward.js';
import {RemoteForward} from './remote-forward.js';

/** What a forward is made with: the session's channels, and the settings of the kinds that have some. */
export interface ForwardHost extends ForwardContext {
  readonly config: ForwardContext['config'] & {
    /** StreamLocalBindMask: the umask a local unix-socket listener is made with. */
    readonly streamLocalBindMask?: number | undefined;
    /** StreamLocalBindUnlink: remove a socket file that is in the way. */
    readonly streamLocalBindUnlink?: boolean | undefined;
    /** PermitRemoteOpen: where a remote dynamic forward's connections may go. */
    readonly permitRemoteOpen?: PermitRemoteOpen | undefined;
  };
}

/** One forward kind: how a forward of it is made, and how it is named. */
export interface ForwardKindEntry<K extends ForwardKind> {
  /** The letter of its forward ids (L1, R4, D3): ssh's flag for it, F for FTP. */
  readonly letter: string;
  /** Its name in the KIND column of the forwards table. */
  readonly label: string;
  create(id: string, spec: ForwardSpec & {kind: K}, host: ForwardHost): Forward;
}

/** Every forward kind. A new kind is a file of its own, one entry here and its names in kinds.ts. */
export const FORWARD_KINDS: {readonly [K in ForwardKind]: ForwardKindEntry<K>} = {
  local: {...FORWARD_KIND_NAMES.local, create: (id, spec, host) => new LocalForward(id, spec, host)},
  remote: {...FORWARD_KIND_NAMES.remote, create: (id, spec, host) => new RemoteForward(id, spec, host)},
  dynamic: {...FORWARD_KIND_NAMES.dynamic, create: (id, spec, host) => new DynamicForward(id, spec, host)},
  ftp: {...FORWARD_KIND_NAMES.ftp, create: (id, spec, host) => new FtpForward(id, spec, host)},
  'local-unix': {
    ...FORWARD_KIND_NAMES['local-unix'],
    create: (id, spec, host) =>
      new LocalUnixForward(id, spec, host, {
        mask: host.config.streamLocalBindMask,
        unlink: host.config.streamLocalBindUnlink,
      }),
  },
  'remote-unix': {
    ...FORWARD_KIND_NAMES['remote-unix'],
    create: (id, spec, host) => new RemoteForward(id, spec, host),
  },
  'remote-dynamic': {
    ...FORWARD_KIND_NAMES['remote-dynamic'],
    create: (id, spec, host) => new RemoteDynamicForward(id, spec, host, host.config.permitRemoteOpen),
  },
};

function entryOf(kind: ForwardKind): ForwardKindEntry<ForwardKind> {
  return FORWARD_KINDS[kind] as ForwardKindEntry<ForwardKind>;
}

/** The id of the session's `sequence`th forward, of this kind: "L1", "R4". */
export function forwardId(kind: ForwardKind, sequence: number): string {
  return `${entryOf(kind).letter}${sequence}`;
}

/** A forward of `spec`'s kind (not started). */
export function createForward(id: string, spec: ForwardSpec, host: ForwardHost): Forward {
  return entryOf(spec.kind).create(id, spec, host);
}

/** The kind's name in the KIND column of the forwards table. */
export function forwardKindLabel(kind: ForwardKind): string {
  return entryOf(kind).label;
}
