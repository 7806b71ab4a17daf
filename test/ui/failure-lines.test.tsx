import {render} from 'ink-testing-library';
import {describe, expect, it} from 'vitest';
import type {ForwardRow, SessionRow} from '../../source/store/state.js';
import {ForwardsPane, forwardLineCount, reasonLines} from '../../source/ui/panes.js';

const counters = {openConnections: 0, totalConnections: 0, failedConnections: 0, bytesIn: 0, bytesOut: 0};

const LONG =
  'port 8080 is already in use on 127.0.0.1 by another program; pick another port or stop that program, ' +
  'or give the forward a listen address of its own (127.0.0.2:8080:db:5432) if this one is taken for good';

function forward(port: number, partial: Partial<ForwardRow> = {}): ForwardRow {
  return {
    id: `L${port}`,
    kind: 'local',
    label: `-L ${port}:db:5432`,
    display: `${port}:db:5432`,
    state: 'listening',
    failure: undefined,
    listeningOn: `127.0.0.1:${port}`,
    counters,
    rateIn: 0,
    rateOut: 0,
    ...partial,
  };
}

const failed = forward(8080, {state: 'failed', failure: LONG, listeningOn: undefined});

function session(forwards: ForwardRow[]): SessionRow {
  return {
    id: 1,
    name: 'db',
    address: 'deploy@db1:22',
    state: 'connected',
    failure: undefined,
    connectedAt: Date.now(),
    reconnects: 0,
    retryIn: undefined,
    forwards,
  };
}

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
