import {render} from 'ink-testing-library';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {initialState, store} from '../../source/store/state.js';
import {App} from '../../source/ui/app.js';
import {frameMatching} from '../helpers/ink-frames.js';
import {forwardRow as forward, sessionRow} from '../helpers/rows.js';

const session = sessionRow;

/** The App in a terminal of this size (ink-testing-library's is 100 columns and has no rows). */
function renderAt(columns: number, rows: number) {
  const rendered = render(<App />);
  resizeTo(rendered.stdout, columns, rows);
  return rendered;
}

function resizeTo(stdout: NodeJS.EventEmitter, columns: number, rows: number): void {
  Object.defineProperty(stdout, 'columns', {value: columns, configurable: true});
  Object.defineProperty(stdout, 'rows', {value: rows, configurable: true});
  stdout.emit('resize');
}

const forwards = (count: number) => Array.from({length: count}, (_, index) => forward(8001 + index));

describe('the screen divided by the terminal size', () => {
  beforeEach(() => store.setState(initialState()));
  afterEach(() => store.setState(initialState()));

  for (const [columns, rows] of [
    [60, 20],
    [80, 24],
    [100, 30],
    [160, 50],
  ] as const) {
    it(`at ${columns}x${rows} is one line shorter than the terminal, no line wider, the selected forward shown`, async () => {
      store.setState({
        sessions: Array.from({length: 12}, (_, index) => session(index + 1, index === 0 ? forwards(30) : [])),
        focus: 'forwards',
        selectedForward: 29,
      });
      const {lastFrame, unmount} = renderAt(columns, rows);
      const frame = await frameMatching(lastFrame, /8030:db:/, {columns, lines: rows - 1});
      const lines = frame.split('\n');
      expect(lines).toHaveLength(rows - 1);
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(columns);
      expect(frame).toMatch(/↑ \d+ more/);
      expect(frame).toMatch(/╰─+╯\n.*\nc connect/);
      unmount();
    });
  }

  // The dialog's own "Enter to confirm" line gives way first on a short terminal: the footer says the same.
  it('at 60x20 with 12 forwards, the add dialog has room for its field, its whole error and its keys, over no border', async () => {
    store.setState({sessions: [session(1, forwards(12))], focus: 'forwards'});
    const {lastFrame, stdin, unmount} = renderAt(60, 20);
    await frameMatching(lastFrame, /8001:db/, {columns: 60, lines: 19});
    stdin.write('a');
    await frameMatching(lastFrame, /Add a forward/, {columns: 60, lines: 19});
    stdin.write('L 99999:db:5432');
    const frame = await frameMatching(lastFrame, /> L 99999:db:5432 *║\n.*out of range/, {
      columns: 60,
      lines: 19,
    });
    const lines = frame.split('\n');
    expect(store.getState().dialog).toMatchObject({error: expect.any(String)});
    const error = (store.getState().dialog as {error: string}).error;
    // Every word of the error, over the lines it wraps to.
    const drawn = lines.map((line) => line.replace(/^║ (.*?) *║$/, '$1')).join(' ');
    expect(drawn).toContain(error);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(60);
    // Under the dialog, the footer has the dialog's keys.
    expect(lines.at(-1)).toBe('Enter add · Esc cancel');
    expect(frame).toMatch(/╚═+╝\n.*\nEnter add · Esc cancel/);
    unmount();
  });

  it('shows more forwards in a taller terminal, instead of a fixed eight', async () => {
    store.setState({sessions: [session(1, forwards(12))], focus: 'forwards'});
    const {lastFrame, unmount} = renderAt(100, 40);
    const frame = await frameMatching(lastFrame, /8012:db:5432/, {columns: 100, lines: 39});
    expect(frame).not.toMatch(/↓ \d+ more/);
    unmount();
  });

  it('gives the log the lines the panes leave', async () => {
    store.setState({
      sessions: [session(1)],
      log: Array.from({length: 30}, (_, index) => ({
        id: index + 1,
        time: 0,
        sessionId: 1,
        kind: 'info' as const,
        text: `log line ${index + 1}`,
      })),
    });
    const {lastFrame, unmount} = renderAt(100, 30);
    const frame = await frameMatching(lastFrame, /log line 30/, {columns: 100, lines: 29});
    // 29 lines: title, Sessions (1 row + 3), Forwards (1 row + 4), status, footer; the Log has the rest.
    expect(frame.match(/log line \d+/g)).toHaveLength(29 - 3 - 4 - 5 - 3);
    unmount();
  });

  it('shows the too-small screen below the smallest size, and the panes again once larger', async () => {
    store.setState({sessions: [session(1, forwards(3))]});
    const {lastFrame, stdout, unmount} = renderAt(50, 15);
    await frameMatching(lastFrame, /terminal too small: 50×15, needs at least 60×18/);
    resizeTo(stdout, 80, 24);
    const frame = await frameMatching(lastFrame, /Forwards of host-1/, {columns: 80, lines: 23});
    expect(frame.split('\n')).toHaveLength(23);
    unmount();
  });

  it('wraps a long status message so that it is read whole, above the footer, the frame keeping its height', async () => {
    const text =
      'the background service could not be reached, so these tunnels end with this UI: /run/user/1000/tunnels is open to other users (mode 0777); fix it with chmod 700 /run/user/1000/tunnels';
    store.setState({sessions: [session(1, forwards(3))], message: {kind: 'error', text}});
    const {lastFrame, unmount} = renderAt(80, 24);
    const frame = await frameMatching(lastFrame, /chmod 700/, {columns: 80, lines: 23});
    const lines = frame.split('\n');
    expect(lines).toHaveLength(23);
    expect(lines.at(-1)).toMatch(/^c connect/);
    expect(lines.slice(-4, -1).join(' ').replace(/\s+/g, ' ').trim()).toBe(text);
    unmount();
  });
});
