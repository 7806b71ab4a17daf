import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import type {ResolvedInvocation} from '../../source/config/session-options.js';
import type {ForwardSpec} from '../../source/core/protocols/forward-spec.js';
import {formatForwardFlag} from '../../source/core/protocols/forward-spec-format.js';
import type {Session} from '../../source/core/session/session.js';
import {submitDialog} from '../../source/store/dialog-actions.js';
import {editForwardDisabledReason, openForwardEdit} from '../../source/store/forward-edit.js';
import {handles} from '../../source/store/session-handles.js';
import {initialState, store} from '../../source/store/state.js';
import {editDialogText} from '../../source/store/ui-actions.js';
import {forwardRow, sessionRow} from '../helpers/rows.js';

/** A connected session that records what it was asked; a forward on `failingPort` fails. */
function fakeSession(failingPort: number) {
  const calls: string[] = [];
  let next = 10;
  const session = {
    state: 'connected',
    async removeForward(id: string) {
      calls.push(`remove ${id}`);
    },
    async addForward(spec: ForwardSpec) {
      const label = formatForwardFlag(spec);
      calls.push(`add ${label}`);
      const failed = 'port' in spec && spec.port === failingPort;
      return {
        id: `L${next++}`,
        label,
        state: failed ? 'failed' : 'listening',
        failure: failed ? `port ${failingPort} is already in use on 127.0.0.1 by another program` : undefined,
      };
    },
  };
  return {session: session as unknown as Session, calls};
}

describe('e edits a forward in place', () => {
  let id: number;
  beforeEach(() => {
    store.setState(initialState());
    id = handles.add({session: {}} as ResolvedInvocation, undefined);
  });
  afterEach(() => {
    handles.remove(id);
    store.setState(initialState());
  });

  const withRows = () =>
    store.setState({
      sessions: [sessionRow(id, [forwardRow(8080), forwardRow(9090)], {name: 'db'})],
      focus: 'forwards',
      selectedForward: 1,
    });

  it('opens the add dialog with the selected forward’s spec, and says why when it cannot', () => {
    expect(editForwardDisabledReason(store.getState())).toBe('no session yet: press c to connect');
    withRows();
    store.setState({focus: 'sessions'});
    expect(editForwardDisabledReason(store.getState())).toMatch(/^select a forward first/);
    store.setState({focus: 'forwards'});
    expect(editForwardDisabledReason(store.getState())).toBeUndefined();
    openForwardEdit();
    expect(store.getState().dialog).toEqual({
      kind: 'add-forward',
      sessionId: id,
      text: 'L 9090:db:5432',
      replacing: {forwardId: 'L9090', entry: 'L 9090:db:5432'},
    });
  });

  it('Enter removes the old forward, then adds the new one, and says so', async () => {
    const {session, calls} = fakeSession(7000);
    handles.setSession(id, session);
    withRows();
    openForwardEdit();
    // Its own port is no clash; another forward's is, while typing and on Enter.
    editDialogText(() => 'L 8080:db:1');
    expect(store.getState().dialog).toMatchObject({
      error: expect.stringMatching(/^port 8080 is already used here by db/),
    });
    await submitDialog();
    expect(calls).toEqual([]);
    editDialogText(() => 'L 9091:db:5433');
    expect(store.getState().dialog).toMatchObject({error: undefined});
    await submitDialog();
    expect(calls).toEqual(['remove L9090', 'add -L 9091:db:5433']);
    expect(store.getState().dialog).toBeUndefined();
    expect(store.getState().message).toEqual({
      kind: 'info',
      text: '-L 9090:db:5432: replaced by -L 9091:db:5433, listening',
    });
  });

  it('a new spec that fails is said so and taken away, and the old one is offered back in the field', async () => {
    const {session, calls} = fakeSession(7000);
    handles.setSession(id, session);
    withRows();
    openForwardEdit();
    editDialogText(() => 'L 7000:db:5432');
    await submitDialog();
    expect(calls).toEqual(['remove L9090', 'add -L 7000:db:5432', 'remove L10']);
    expect(store.getState().message).toEqual({
      kind: 'error',
      text: '-L 7000:db:5432 failed: port 7000 is already in use on 127.0.0.1 by another program',
    });
    expect(store.getState().dialog).toEqual({
      kind: 'add-forward',
      sessionId: id,
      text: 'L 9090:db:5432',
      error:
        'failed: port 7000 is already in use on 127.0.0.1 by another program. The old spec is back: Enter adds it again, Esc leaves it removed',
    });
  });
});
