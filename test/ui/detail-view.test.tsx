import {render} from 'ink-testing-library';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {type AppState, initialState, store} from '../../source/store/state.js';
import {App} from '../../source/ui/app.js';
import {clipboardSequence, osc52} from '../../source/ui/clipboard.js';
import {sparkline} from '../../source/ui/detail-lines.js';
import {detailWindow} from '../../source/ui/detail-view.js';
import {frameMatching} from '../helpers/ink-frames.js';
import {forwardRow, sessionRow} from '../helpers/rows.js';

/** The App in a terminal of this size, with this state. */
function renderAt(columns: number, rows: number, state: Partial<AppState>) {
  store.setState({...initialState(), ...state});
  const rendered = render(<App />);
  Object.defineProperty(rendered.stdout, 'columns', {value: columns, configurable: true});
  Object.defineProperty(rendered.stdout, 'rows', {value: rows, configurable: true});
  rendered.stdout.emit('resize');
  return rendered;
}

/** The text inside the view's border, line by line, without the label column. */
function valueLines(frame: string, from: RegExp, to: RegExp): string[] {
  const lines = frame.split('\n').map((line) => line.replace(/^│ ?/, '').replace(/ *│$/, ''));
  const start = lines.findIndex((line) => from.test(line));
  const end = lines.findIndex((line, index) => index > start && to.test(line));
  return lines.slice(start, end).map((line) => line.slice(13).trim());
}

const ENTER = '\r';
const DOWN = '\u001b[B';
const ESC = '\u001b';
const PAGE_DOWN = '\u001b[6~';

/** 300 characters of words: the view wraps at blanks, so its lines joined by one blank are the text. */
const REASON = Array.from({length: 40}, (_, index) => `reason${String(index).padStart(2, '0')}`)
  .join(' ')
  .slice(0, 300);

describe('the detail view (Enter)', () => {
  beforeEach(() => store.setState(initialState()));
  afterEach(() => store.setState(initialState()));

  it("shows a failed forward's 300-character reason whole at 80x24, scrolls to the rest, and Esc closes it", async () => {
    expect(REASON).toHaveLength(300);
    const failed = forwardRow(80, {state: 'failed', failure: REASON, listeningOn: undefined});
    const {lastFrame, stdin, unmount} = renderAt(80, 24, {
      sessions: [sessionRow(1, [forwardRow(8080), failed])],
      focus: 'forwards',
      selectedForward: 1,
    });
    await frameMatching(lastFrame, /Forwards of host-1/, {lines: 23});
    stdin.write(ENTER);
    const frame = await frameMatching(lastFrame, /Why/, {lines: 23});
    expect(frame).toContain('-L 80:db:5432');
    expect(frame).toMatch(/State\s+failed/);
    expect(valueLines(frame, /^Why/, /^Listening/).join(' ')).toBe(REASON);
    for (const line of frame.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(frame).toMatch(/↓ \d+ more/);
    expect(frame).not.toContain('Open connections');
    // The footer offers the detail's keys, not the main screen's (which do not act under it).
    expect(frame.split('\n').at(-1)).toBe('↑↓ PgUp PgDn scroll · y copy · Enter Esc close');
    stdin.write(DOWN);
    await frameMatching(lastFrame, /↑ 1 more/, {lines: 23});
    stdin.write(PAGE_DOWN);
    const scrolled = await frameMatching(lastFrame, /Open connections \(0\)/, {lines: 23});
    expect(scrolled).toMatch(/↑ \d+ more/);
    stdin.write(ESC);
    await frameMatching(lastFrame, /Forwards of host-1/, {lines: 23});
    unmount();
  });

  it("shows the listening addresses, counters, the open connections with their age, and an ftp/ forward's data channels", async () => {
    const now = Date.now();
    const ftp = forwardRow(2121, {
      id: 'F1',
      kind: 'ftp',
      label: '-L ftp/2121:ftp:21',
      display: 'ftp/2121:ftp:21',
      listeningAddresses: ['127.0.0.1:2121', '[::1]:2121'],
      counters: {
        openConnections: 1,
        totalConnections: 9,
        failedConnections: 2,
        bytesIn: 2048,
        bytesOut: 3 << 20,
      },
      rateIn: 1024,
      rateOut: 3072,
      connections: [{id: 4, from: '127.0.0.1:50123', to: 'ftp:21', openedAt: now - 75_000}],
      dataChannels: [
        {id: 1, mode: 'passive', local: '127.0.0.1:40001', remote: '127.0.0.1:50001'},
        {id: 2, mode: 'active', local: '127.0.0.1:40002', remote: '127.0.0.1:50002', openedAt: now - 5000},
      ],
    });
    const {lastFrame, stdin, unmount} = renderAt(100, 40, {
      sessions: [sessionRow(1, [ftp])],
      focus: 'forwards',
    });
    await frameMatching(lastFrame, /Forwards of host-1/);
    stdin.write(ENTER);
    const frame = await frameMatching(lastFrame, /Data channels/);
    expect(frame).toMatch(/Listening\s+127\.0\.0\.1:2121/);
    expect(frame).toMatch(/^│\s+\[::1\]:2121/m);
    expect(frame).toContain('1 open · 9 total · 2 refused or failed');
    expect(frame).toContain('in 2.0 KiB · out 3.0 MiB');
    expect(frame).toContain('4.0 KiB/s (in 1.0 KiB/s · out 3.0 KiB/s)');
    expect(frame).toMatch(/127\.0\.0\.1:50123 -> ftp:21 1m1[5-7]s/);
    expect(frame).toContain('Data channels (2)');
    expect(frame).toContain('#1 passive 127.0.0.1:40001 <-> 127.0.0.1:50001');
    expect(frame).toMatch(/#2 active 127\.0\.0\.1:40002 <-> 127\.0\.0\.1:50002 [5-7]s/);
    unmount();
  });

  it('shows a session: its address, state, whole reason, reconnects, the next try and its forwards', async () => {
    const reason = 'connection reset by 10.0.0.1:22 (the server closed it); retrying '.repeat(3).trim();
    const reconnecting = sessionRow(1, [forwardRow(8080), forwardRow(9090, {state: 'waiting'})], {
      state: 'reconnecting',
      failure: reason,
      reconnects: 3,
      retryIn: 7,
    });
    const {lastFrame, stdin, unmount} = renderAt(80, 24, {sessions: [reconnecting]});
    await frameMatching(lastFrame, /Sessions/, {lines: 23});
    stdin.write(ENTER);
    const frame = await frameMatching(lastFrame, /Address/, {lines: 23});
    expect(frame).toMatch(/Address\s+deploy@10\.0\.0\.1:22/);
    expect(frame).toMatch(/State\s+reconnecting in 7s/);
    expect(valueLines(frame, /^Why/, /^Reconnects/).join(' ')).toBe(reason);
    expect(frame).toMatch(/Reconnects\s+3/);
    expect(frame).toMatch(/Next try\s+in 7s/);
    expect(frame).toContain('Forwards (2)');
    expect(frame).toMatch(/L\s+8080:db:5432\s+listening\s+0\/0 connections/);
    expect(frame).toMatch(/L\s+9090:db:5432\s+waiting/);
    // Enter closes it too.
    stdin.write(ENTER);
    await frameMatching(lastFrame, /Forwards of host-1/, {lines: 23});
    unmount();
  });

  it('keeps the sparkline of the last minute: one column a second, scaled to the highest', () => {
    const now = 100_000;
    const history = [
      {time: now - 5000, rate: 1000},
      {time: now - 3000, rate: 4000},
      {time: now - 1000, rate: 0},
    ];
    const {bars, peak} = sparkline(history, now, 8);
    expect(peak).toBe(4000);
    // 7..6 s ago nothing, 5..4 s ago a quarter, 3..2 s ago the highest, then nothing again.
    expect(bars).toBe('▁▁▃▃██▁▁');
    expect(sparkline([], now, 5)).toEqual({bars: '▁▁▁▁▁', peak: 0});
  });

  it('in the view: a "more" line only where lines are hidden', () => {
    expect(detailWindow(5, 10, 3)).toMatchObject({first: 0, end: 5, above: 0, below: 0});
    expect(detailWindow(20, 10, 0)).toMatchObject({first: 0, end: 9, above: 0, below: 11});
    expect(detailWindow(20, 10, 5)).toMatchObject({first: 5, end: 13, above: 5, below: 7});
    expect(detailWindow(20, 10, 99)).toMatchObject({first: 11, end: 20, above: 11, below: 0});
  });
});

describe('y copies with OSC 52', () => {
  beforeEach(() => store.setState(initialState()));
  afterEach(() => store.setState(initialState()));

  const sequence = (text: string) => `\u001b]52;c;${Buffer.from(text).toString('base64')}\u0007`;

  it("writes the selected forward's listening address to the terminal and says so", async () => {
    const {lastFrame, stdin, stdout, unmount} = renderAt(100, 30, {
      sessions: [sessionRow(1, [forwardRow(8080)])],
      focus: 'forwards',
    });
    await frameMatching(lastFrame, /Forwards of host-1/);
    stdin.write('y');
    await frameMatching(lastFrame, /copied 127\.0\.0\.1:8080/);
    expect(stdout.frames.join('')).toContain(sequence('127.0.0.1:8080'));
    // In the detail, too; on the sessions pane, the session's address.
    stdin.write(ENTER);
    await frameMatching(lastFrame, /Connections/);
    stdin.write(ESC);
    await frameMatching(lastFrame, /Forwards of host-1/);
    stdin.write('\t');
    await frameMatching(lastFrame, /Forwards of host-1/);
    stdin.write('y');
    await frameMatching(lastFrame, /copied deploy@10\.0\.0\.1:22/);
    expect(stdout.frames.join('')).toContain(sequence('deploy@10.0.0.1:22'));
    unmount();
  });

  it('says why when there is nothing to copy, and writes nothing', async () => {
    const {lastFrame, stdin, stdout, unmount} = renderAt(100, 30, {
      sessions: [
        sessionRow(1, [forwardRow(80, {state: 'failed', failure: 'denied', listeningOn: undefined})]),
      ],
      focus: 'forwards',
    });
    await frameMatching(lastFrame, /Forwards of host-1/);
    stdin.write('y');
    await frameMatching(lastFrame, /nothing to copy: this forward failed/);
    expect(stdout.frames.join('')).not.toContain('\u001b]52;');
    unmount();
  });

  it('inside tmux, also wraps it for passthrough', () => {
    expect(osc52('127.0.0.1:8080')).toBe(sequence('127.0.0.1:8080'));
    expect(clipboardSequence('a', false)).toBe(sequence('a'));
    // The sequence again inside DCS tmux; ... ESC \, its ESC doubled.
    expect(clipboardSequence('a', true)).toBe(
      '\u001b]52;c;YQ==\u0007\u001bPtmux;\u001b\u001b]52;c;YQ==\u0007\u001b\\',
    );
  });
});
