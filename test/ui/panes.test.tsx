import {render} from 'ink-testing-library';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {initialState, store} from '../../source/store/state.js';
import {App} from '../../source/ui/app.js';
import {ForwardsPane} from '../../source/ui/panes.js';
import {frameMatching, renderAt} from '../helpers/ink-frames.js';
import {forwardRow as forward, sessionRow} from '../helpers/rows.js';

const session = sessionRow;

const twelveForwards = Array.from({length: 12}, (_, index) => forward(8001 + index));

describe('panes with more rows than lines', () => {
  beforeEach(() => store.setState(initialState()));
  afterEach(() => store.setState(initialState()));

  it('show a 9th forward selected, with "↑ N more" above it', async () => {
    store.setState({sessions: [session(1, twelveForwards)], focus: 'forwards', selectedForward: 8});
    const {lastFrame, unmount} = render(<App />);
    const frame = await frameMatching(lastFrame, /8009:db:5432/);
    expect(frame).toMatch(/↑ \d+ more/);
    expect(frame).toMatch(/↓ 3 more/);
    expect(frame).not.toContain('8001:db:5432');
    unmount();
  });

  it('keep the selected forward on screen while ↓ walks to the last one and ↑ back', async () => {
    store.setState({sessions: [session(1, twelveForwards)], focus: 'forwards'});
    const {lastFrame, stdin, unmount} = render(<App />);
    await frameMatching(lastFrame, /8001:db:5432/);
    for (let index = 1; index < 12; index++) {
      stdin.write('j');
      await frameMatching(lastFrame, new RegExp(`${8001 + index}:db:5432`));
      expect(store.getState().selectedForward).toBe(index);
    }
    expect(lastFrame()).toMatch(/↑ \d+ more/);
    expect(lastFrame()).not.toMatch(/↓ \d+ more/);
    for (let index = 10; index >= 0; index--) {
      stdin.write('k');
      await frameMatching(lastFrame, new RegExp(`${8001 + index}:db:5432`));
    }
    expect(lastFrame()).not.toMatch(/↑ \d+ more/);
    unmount();
  });

  it('show a long host name whole on a wide terminal while the states are short, and cut it when a failure needs the room', async () => {
    const long = 'very-long-bastion-name.eu-central-1.compute.internal-example.com';
    store.setState({sessions: [session(1, [], {name: long, address: 'root@127.0.0.1:2312'})]});
    const wide = renderAt(<App />, 160, 50);
    expect(await frameMatching(wide.lastFrame, /● connected/, {columns: 160})).toContain(
      `› ${long} root@127.0.0.1:2312`,
    );
    wide.unmount();
    const failure = 'cannot connect to 127.0.0.1:2399: connection refused (is sshd running there?)';
    store.setState({
      sessions: [
        session(1, [], {name: long, address: 'root@127.0.0.1:2312'}),
        session(2, [], {name: 'db', state: 'failed', failure}),
      ],
      // The Forwards pane's heading names the selected session: db's, so the long name is only in its row.
      selectedSession: 1,
    });
    const narrow = renderAt(<App />, 100, 30);
    const frame = await frameMatching(narrow.lastFrame, /● failed/, {columns: 100});
    expect(frame).not.toContain(long);
    expect(frame).toContain('very-long-bastion-nam');
    narrow.unmount();
  });

  it('show a 12th session selected, with "↑ N more" above it', async () => {
    // Twelve: more than the Sessions pane gets of 24 rows (its height comes from the terminal's).
    store.setState({
      sessions: Array.from({length: 12}, (_, index) => session(index + 1)),
      selectedSession: 11,
    });
    const {lastFrame, unmount} = render(<App />);
    const frame = await frameMatching(lastFrame, /host-12/);
    expect(frame).toMatch(/↑ \d+ more/);
    expect(frame).not.toContain('host-1 ');
    unmount();
  });

  it('keep a failed forward and its reason together, and show the first line alone when that is all that fits', () => {
    const failing = forward(8009, {state: 'failed', failure: 'port 8009 is in use by another program'});
    const rows = [...twelveForwards.slice(0, 8), failing, ...twelveForwards.slice(9)];
    const tall = render(
      <ForwardsPane session={session(1, rows)} selected={8} focused={true} width={100} height={8} />,
    );
    const frame = tall.lastFrame() ?? '';
    expect(frame).toMatch(/8009:db:5432\s+failed/);
    expect(frame).toContain('↳ port 8009 is in use by another program');
    tall.unmount();
    // One line for rows: the selected row alone, without its reason.
    const short = render(
      <ForwardsPane session={session(1, rows)} selected={8} focused={true} width={100} height={5} />,
    );
    expect(short.lastFrame()).toMatch(/8009:db:5432\s+failed/);
    expect(short.lastFrame()).not.toContain('↳');
    short.unmount();
  });
});
