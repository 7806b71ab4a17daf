import {describe, expect, it} from 'vitest';
import {Emitter} from '../../../source/core/emitter.js';
import type {TunnelEvent} from '../../../source/core/events.js';
import {DynamicForward} from '../../../source/core/forwards/dynamic-forward.js';
import {FtpForward} from '../../../source/core/forwards/ftp-forward.js';
import {LocalForward} from '../../../source/core/forwards/local-forward.js';
import {LocalUnixForward} from '../../../source/core/forwards/local-unix-forward.js';
import type {PermitRemoteOpen} from '../../../source/core/forwards/permit-remote-open.js';
import {
  createForward,
  FORWARD_KINDS,
  type ForwardHost,
  forwardId,
  forwardKindLabel,
} from '../../../source/core/forwards/registry.js';
import {RemoteDynamicForward} from '../../../source/core/forwards/remote-dynamic-forward.js';
import {RemoteForward} from '../../../source/core/forwards/remote-forward.js';
import type {ForwardFlag} from '../../../source/core/protocols/forward-spec.js';
import {parseForwardSpec} from '../../../source/core/protocols/forward-spec-parse.js';

/** A host that no forward made here reaches: they are created, never started. */
function idleHost(config: ForwardHost['config'] = {}): ForwardHost {
  const unused = () => {
    throw new Error('a forward that was not started reached the session');
  };
  return {
    events: new Emitter<TunnelEvent>(),
    config,
    openChannel: unused,
    openLink: unused,
    adoptChannel: unused,
    requestRemoteForward: unused,
    cancelRemoteForward: unused,
    openStreamLocalLink: unused,
    requestRemoteStreamLocal: unused,
    cancelRemoteStreamLocal: unused,
    channelRefusal: () => undefined,
  };
}

const cases: Array<{
  flag: ForwardFlag;
  text: string;
  kind: string;
  type: unknown;
  id: string;
  label: string;
}> = [
  {flag: 'L', text: '8080:db:5432', kind: 'local', type: LocalForward, id: 'L1', label: 'L'},
  {flag: 'R', text: '9090:localhost:80', kind: 'remote', type: RemoteForward, id: 'R2', label: 'R'},
  {flag: 'D', text: '1080', kind: 'dynamic', type: DynamicForward, id: 'D3', label: 'D'},
  {flag: 'L', text: 'ftp/2121:ftp.example:21', kind: 'ftp', type: FtpForward, id: 'F4', label: 'FTP'},
  {
    flag: 'L',
    text: '/tmp/db.sock:/run/db.sock',
    kind: 'local-unix',
    type: LocalUnixForward,
    id: 'L5',
    label: 'L',
  },
  {
    flag: 'R',
    text: '/tmp/x.sock:localhost:80',
    kind: 'remote-unix',
    type: RemoteForward,
    id: 'R6',
    label: 'R',
  },
  {flag: 'R', text: '1080', kind: 'remote-dynamic', type: RemoteDynamicForward, id: 'R7', label: 'RD'},
];

describe('forward kind registry', () => {
  it('has one entry for each kind the spec parser makes, and no other', () => {
    expect(Object.keys(FORWARD_KINDS).sort()).toEqual(cases.map(({kind}) => kind).sort());
  });

  it.each(cases)('makes a $kind forward from -$flag $text, with id $id and label $label', (example) => {
    const spec = parseForwardSpec(example.flag, example.text);
    expect(spec.kind).toBe(example.kind);
    const sequence = Number(example.id.slice(1));
    const id = forwardId(spec.kind, sequence);
    expect(id).toBe(example.id);
    const forward = createForward(id, spec, idleHost());
    expect(forward).toBeInstanceOf(example.type);
    expect(forward).toMatchObject({id: example.id, kind: example.kind, spec, state: 'starting'});
    expect(forwardKindLabel(spec.kind)).toBe(example.label);
  });

  it("gives the kinds with settings of their own the session's", () => {
    const permitRemoteOpen: PermitRemoteOpen = [{host: 'localhost', port: 80}];
    const host = idleHost({streamLocalBindMask: 0o077, streamLocalBindUnlink: true, permitRemoteOpen});
    const unix = createForward('L1', parseForwardSpec('L', '/tmp/a.sock:db:5432'), host);
    expect(unix).toMatchObject({socketOptions: {mask: 0o077, unlink: true}});
    const socks = createForward('R1', parseForwardSpec('R', '1080'), host);
    expect(socks).toMatchObject({permitRemoteOpen});
  });
});
