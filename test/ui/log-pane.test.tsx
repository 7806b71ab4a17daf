import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {initialState, LOG_LIMIT, type LogEntry, store} from '../../source/store/state.js';
import {App} from '../../source/ui/app.js';
import {frameMatching, KEYS, renderAt} from '../helpers/ink-frames.js';
import {sessionRow} from '../helpers/rows.js';

const entry = (id: number, text = `line ${id}`): LogEntry => ({
  id,
  time: 0,
  sessionId: 1,
  kind: 'info',
  text,
});
const entries = (from: number, to: number) =>
  Array.from({length: to - from + 1}, (_, index) => entry(from + index));

/** The log lines on screen ("line 17"), in order. */
const shownLines = (frame: string) => [...frame.matchAll(/line (\d+)\b/g)].map((match) => Number(match[1]));

/** Entries arriving as the reducer adds them: at the end, the oldest dropped past LOG_LIMIT. */
function arrive(...added: LogEntry[]): void {
  store.setState((state) => ({log: [...state.log, ...added].slice(-LOG_LIMIT)}));
}

describe('the log pane', () => {
  beforeEach(() => store.setState({...initialState(), sessions: [sessionRow(1)]}));
  afterEach(() => store.setState(initialState()));

  it('scrolls back a page at a time through the whole log, and stays put while new entries arrive', async () => {
    store.setState({log: entries(1, LOG_LIMIT)});
    const {lastFrame, stdin, unmount} = renderAt(<App />, 80, 24);
    const following = await frameMatching(lastFrame, /line 500\b/, 80);
    expect(following).toContain('PgUp scrolls back');
    const rows = shownLines(following).length;
    expect(shownLines(following).at(-1)).toBe(500);

    stdin.write(KEYS.pageUp);
    const back = await frameMatching(lastFrame, /End follows/, 80);
    // One line of the last page stays for context.
    expect(shownLines(back).at(-1)).toBe(500 - rows + 1);
    const reading = shownLines(back);

    arrive(entry(501), entry(502), entry(503));
    const after = await frameMatching(lastFrame, /3 new · End follows/, 80);
    expect(shownLines(after)).toEqual(reading);

    // Home: the oldest entries; PgDn pages on from there.
    stdin.write(KEYS.home);
    const top = await frameMatching(lastFrame, /line 4\b/, 80);
    expect(shownLines(top)[0]).toBe(4);
    stdin.write(KEYS.pageDown);
    await frameMatching(lastFrame, new RegExp(`line ${4 + 2 * rows - 2}\\b`), 80);

    // End follows again: the newest entry at the bottom, and the ones arriving after it.
    stdin.write(KEYS.end);
    await frameMatching(lastFrame, /line 503\b/, 80);
    arrive(entry(504));
    const followed = await frameMatching(lastFrame, /line 504\b/, 80);
    expect(followed).not.toMatch(/new · End follows/);
    unmount();
  });

  it('G follows again too, and PgDn at the end of the log follows', async () => {
    store.setState({log: entries(1, 100)});
    const {lastFrame, stdin, unmount} = renderAt(<App />, 80, 24);
    await frameMatching(lastFrame, /line 100\b/, 80);
    stdin.write(KEYS.pageUp);
    await frameMatching(lastFrame, /End follows/, 80);
    stdin.write('G');
    await frameMatching(lastFrame, /PgUp scrolls back/, 80);
    expect(store.getState().logView.anchor).toBeUndefined();
    stdin.write(KEYS.pageUp);
    await frameMatching(lastFrame, /End follows/, 80);
    stdin.write(KEYS.pageDown);
    await frameMatching(lastFrame, /PgUp scrolls back/, 80);
    expect(store.getState().logView.anchor).toBeUndefined();
    unmount();
  });

  it('wraps a long line at 60 columns, its further lines under its text, every word readable', async () => {
    const long =
      'the server said: channel 3: open failed: administratively prohibited: open failed by policy';
    store.setState({log: [entry(1, long)]});
    const {lastFrame, unmount} = renderAt(<App />, 60, 20);
    const frame = await frameMatching(lastFrame, /policy/, 60);
    const inside = frame
      .split('\n')
      .filter((line) => /^│(\d\d:\d\d:\d\d| {9})/.test(line) && !/^│ {9} *│$/.test(line))
      .map((line) => line.slice(1, -1).trim());
    expect(inside[0]).toMatch(/^\d\d:\d\d:\d\d the server said/);
    const words = inside.map((line, index) => (index === 0 ? line.slice(9) : line)).join(' ');
    expect(words.split(/\s+/)).toEqual(long.split(' '));
    for (const line of frame.split('\n')) expect(line.length).toBeLessThanOrEqual(60);
    unmount();
  });

  it('/ filters the log as it is typed, "filter: xyz  N of M"; Enter keeps it, Esc clears it', async () => {
    store.setState({log: [...entries(1, 30), entry(31, 'exit status 1')]});
    const {lastFrame, stdin, unmount} = renderAt(<App />, 80, 24);
    await frameMatching(lastFrame, /exit status 1/, 80);
    stdin.write('/');
    await frameMatching(lastFrame, /filter: /, 80);
    expect(lastFrame()!.split('\n').at(-1)).toContain('Enter keep filter · Esc clear');
    stdin.write('line 2');
    // "line 2" and "line 20" to "line 29": 11 of the 31 entries.
    const filtered = await frameMatching(lastFrame, /filter: line 2 +11 of 31/, 80);
    expect(shownLines(filtered).every((n) => String(n).startsWith('2'))).toBe(true);
    expect(filtered).not.toContain('exit status 1');
    // Keys typed while filtering go to the field, not to the keymap (q does not quit).
    stdin.write('q');
    await frameMatching(lastFrame, /filter: line 2q +0 of 31/, 80);
    stdin.write('\u007f');
    await frameMatching(lastFrame, /11 of 31/, 80);
    stdin.write('\r');
    const kept = await frameMatching(lastFrame, /Esc clear filter/, 80);
    expect(kept).toMatch(/filter: line 2 +11 of 31/);
    expect(store.getState().quitting).toBe(false);
    stdin.write(KEYS.escape);
    const cleared = await frameMatching(lastFrame, /exit status 1/, 80);
    expect(cleared).not.toContain('filter:');
    expect(store.getState().logView.filter).toBeUndefined();
    unmount();
  });

  it('follows the newest entries of another session once it is selected', async () => {
    store.setState({
      sessions: [sessionRow(1), sessionRow(2)],
      log: [...entries(1, 60), ...entries(61, 120).map((row) => ({...row, sessionId: 2}))],
    });
    const {lastFrame, stdin, unmount} = renderAt(<App />, 80, 24);
    await frameMatching(lastFrame, /line 60\b/, 80);
    stdin.write(KEYS.pageUp);
    await frameMatching(lastFrame, /End follows/, 80);
    stdin.write('j');
    const other = await frameMatching(lastFrame, /line 120\b/, 80);
    expect(other).not.toContain('End follows');
    expect(store.getState().logView.anchor).toBeUndefined();
    unmount();
  });

  it('shows only the selected session’s entries, and the filter counts among them', async () => {
    store.setState({
      sessions: [sessionRow(1), sessionRow(2)],
      log: [entry(1, 'one a'), {...entry(2, 'two a'), sessionId: 2}, entry(3, 'one b')],
    });
    const {lastFrame, stdin, unmount} = renderAt(<App />, 80, 24);
    await frameMatching(lastFrame, /one b/, 80);
    stdin.write('/');
    stdin.write('a');
    const frame = await frameMatching(lastFrame, /filter: a +1 of 2/, 80);
    expect(frame).toContain('one a');
    expect(frame).not.toContain('two a');
    unmount();
  });
});
