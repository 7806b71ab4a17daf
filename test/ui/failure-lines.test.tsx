import {render} from 'ink-testing-library';
import {describe, expect, it} from 'vitest';
import type {ForwardRow} from '../../source/store/state.js';
import {ForwardsPane, forwardLineCount, reasonLines} from '../../source/ui/panes.js';
import {forwardRow as forward, sessionRow} from '../helpers/rows.js';

const LONG =
  'port 8080 is already in use on 127.0.0.1 by another program; pick another port or stop that program, ' +
  'or give the forward a listen address of its own (127.0.0.2:8080:db:5432) if this one is taken for good';

const failed = forward(8080, {state: 'failed', failure: LONG, listeningOn: undefined});

const session = (forwards: ForwardRow[]) => sessionRow(1, forwards, {name: 'db', address: 'deploy@db1:22'});

/** The reason's words as the pane shows them, its lines joined. */
const reasonShown = (frame: string) =>
  frame
    .split('\n')
    .filter((line) => /^│ {5}[↳ ] /.test(line))
    .map((line) => line.slice(8, -1).trim())
    .filter((text) => text !== '')
    .join(' ');

describe("a forward's failure reason in the Forwards pane", () => {
  it('wraps to two lines ending in … when the forward is not selected', () => {
    const {lastFrame, unmount} = render(
      <ForwardsPane
        session={session([forward(8079), failed])}
        selected={0}
        focused={true}
        width={80}
        height={12}
      />,
    );
    const frame = lastFrame() ?? '';
    expect(frame).toContain('↳ port 8080 is already in use on 127.0.0.1 by another program; pick');
    const shown = reasonShown(frame);
    expect(shown.endsWith('…')).toBe(true);
    expect(LONG.startsWith(shown.slice(0, -1))).toBe(true);
    for (const line of frame.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    unmount();
  });

  it('shows the whole reason of the selected forward, word for word', () => {
    const {lastFrame, unmount} = render(
      <ForwardsPane
        session={session([forward(8079), failed])}
        selected={1}
        focused={true}
        width={80}
        height={12}
      />,
    );
    expect(reasonShown(lastFrame() ?? '')).toBe(LONG);
    unmount();
  });

  it('counts the lines for the layout: a row, and its reason as wrapped', () => {
    expect(reasonLines(failed, 80, false)).toHaveLength(2);
    expect(reasonLines(failed, 80, true).length).toBeGreaterThan(2);
    expect(forwardLineCount([forward(8079), failed], 80, 0)).toBe(4);
    expect(forwardLineCount([forward(8079), failed], 80, 1)).toBe(2 + reasonLines(failed, 80, true).length);
    // A short reason takes one line, selected or not.
    const short = forward(8081, {state: 'failed', failure: 'refused'});
    expect(forwardLineCount([short], 80, 0)).toBe(2);
  });
});
