import {render} from 'ink-testing-library';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {initialState, store} from '../../source/store/state.js';
import {uiPrompter} from '../../source/store/ui-prompter.js';
import {App} from '../../source/ui/app.js';
import {ForwardsPane} from '../../source/ui/panes.js';
import {frameMatching} from '../helpers/ink-frames.js';
import {forwardRow, NO_COUNTERS, sessionRow} from '../helpers/rows.js';

describe('the lifecycle on screen', () => {
  beforeEach(() => store.setState(initialState()));
  afterEach(() => store.setState(initialState()));

  it('shows a forward whose clients are refused as refusing, with why, and counts them in CONNS', () => {
    const refusing = forwardRow(8080, {
      state: 'refusing',
      failure: 'the session is reconnecting; try again in a moment',
      counters: {...NO_COUNTERS, openConnections: 1, totalConnections: 4, failedConnections: 3},
    });
    const {lastFrame, unmount} = render(
      <ForwardsPane
        session={sessionRow(1, [forwardRow(9090), refusing])}
        selected={0}
        focused={true}
        width={100}
        height={10}
      />,
    );
    const frame = lastFrame() ?? '';
    expect(frame).toMatch(/CONNS/);
    // 4 got through (1 still open) and 3 were refused: 7 came.
    expect(frame).toMatch(/L\s+8080:db:5432\s+refusing\s+1\/7 ✗3\s/);
    expect(frame).toContain('↳ the session is reconnecting; try again in a moment');
    expect(frame).toMatch(/L\s+9090:db:5432\s+listening\s+0\/0\s/);
    unmount();
  });

  it('x on a failed session with no forwards offers to take it off the list, not to stop its forwards', async () => {
    store.setState({
      sessions: [sessionRow(1, [], {name: 'prod', state: 'failed', failure: 'connection refused'})],
    });
    const {lastFrame, stdin, unmount} = render(<App />);
    await frameMatching(lastFrame, /prod/);
    stdin.write('x');
    const frame = await frameMatching(lastFrame, /Remove prod\?/);
    expect(frame).toContain('It is not connected (failed); it is taken off the list.');
    expect(frame).not.toContain('Its forwards will stop');
    unmount();
  });

  it('R says why it cannot act on a connected session', async () => {
    store.setState({sessions: [sessionRow(1, [forwardRow(8080)], {name: 'staging'})]});
    const {lastFrame, stdin, unmount} = render(<App />);
    await frameMatching(lastFrame, /staging/);
    stdin.write('R');
    expect(await frameMatching(lastFrame, /nothing to reconnect/)).toContain(
      'nothing to reconnect: staging is connected',
    );
    unmount();
  });

  it('the host-key question asked again keeps the host and the fingerprint in its dialog', async () => {
    const {lastFrame, unmount} = render(<App />);
    await frameMatching(lastFrame, /No sessions/);
    const about =
      "The authenticity of host 'db.example:2222' can't be established.\nED25519 key fingerprint is SHA256:abcdefghijklmnop.";
    const asked = uiPrompter.ask("Please type 'yes', 'no' or the fingerprint: ", {
      secret: false,
      shownBefore: about,
    });
    const frame = await frameMatching(lastFrame, /Please type/);
    expect(frame).toContain("The authenticity of host 'db.example:2222' can't be established.");
    expect(frame).toContain('ED25519 key fingerprint is SHA256:abcdefghijklmnop.');
    unmount();
    const {cancelPrompt} = await import('../../source/store/ui-prompter.js');
    cancelPrompt();
    await expect(asked).rejects.toThrow('cancelled');
  });
});
