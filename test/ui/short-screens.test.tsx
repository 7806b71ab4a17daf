import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {type Dialog, type FavoriteRow, initialState, store} from '../../source/store/state.js';
import {App} from '../../source/ui/app.js';
import {fitDialogLines, RANK} from '../../source/ui/dialog-fit.js';
import {bordersIntact, frameMatching, renderAt} from '../helpers/ink-frames.js';
import {forwardRow as forward, sessionRow as session} from '../helpers/rows.js';

const FINGERPRINT = 'SHA256:67T4HbK+snIDWUNr9/Eubvbtqg67WKCJP0O+VMYFvyw';

/** The host-key question as the core asks it (host-key-check.ts). */
const hostKeyQuestion = (host: string): Dialog => ({
  kind: 'prompt',
  secret: false,
  text: '',
  lines: [
    `The authenticity of host '${host}' can't be established.`,
    `ED25519 key fingerprint is ${FINGERPRINT}.`,
    'Are you sure you want to continue connecting (yes/no/[fingerprint])? ',
  ],
});

/** The lines inside a dialog's double border, without it, the padding and blank lines. */
const dialogLines = (frame: string) =>
  frame
    .split('\n')
    .filter((line) => /^║.*║$/.test(line))
    .map((line) => line.slice(2, -2).trimEnd())
    .filter((line) => line !== '');

const favoriteRow = (name: string): FavoriteRow => ({
  name,
  address: `deploy@${name}`,
  summary: '-L 8080:db:5432',
  args: `-L 8080:db:5432 deploy@${name}`,
});

describe('dialogs on the smallest terminals, as frames', () => {
  beforeEach(() => store.setState(initialState()));
  afterEach(() => store.setState(initialState()));

  for (const [columns, rows] of [
    [60, 18],
    [60, 20],
    [80, 18],
    [80, 20],
    [100, 22],
  ] as const) {
    it(`at ${columns}x${rows}: the host-key question keeps the host, the whole fingerprint and the > line`, async () => {
      store.setState({
        sessions: [session(1, [], {state: 'connecting'})],
        dialog: hostKeyQuestion('[127.0.0.1]:2312'),
      });
      const {lastFrame, unmount} = renderAt(<App />, columns, rows);
      const frame = await frameMatching(lastFrame, /║ > /, {columns, lines: rows - 1});
      const lines = dialogLines(frame);
      expect(lines.some((line) => line.includes("host '[127.0.0.1]:2312'"))).toBe(true);
      expect(lines.some((line) => line.includes(FINGERPRINT))).toBe(true);
      // The field is last, but for the hint when there is room for it.
      expect(lines.filter((line) => !line.startsWith('Enter to')).at(-1)).toBe('>');
      // No line drawn over another: each is a line of the question as wrapped, or the field.
      for (const line of lines.filter((line) => line !== '>'))
        expect(line).toMatch(
          /^(The authenticity|established|ED25519|SHA256|Are you sure|\(yes|Question|Enter to)/,
        );
      expect(bordersIntact(frame, columns)).toBe(true);
      // Where lines are left out, the text says so.
      if (!lines.some((line) => line.startsWith('Are you sure'))) expect(frame).toContain(' …');
      unmount();
    });
  }

  for (const columns of [60, 80]) {
    it(`at ${columns}x18 a host name longer than a line is shown whole with the whole fingerprint`, async () => {
      const host = 'very-long-bastion-name.eu-central-1.compute.internal.example.com';
      store.setState({sessions: [session(1, [], {state: 'connecting'})], dialog: hostKeyQuestion(host)});
      const {lastFrame, unmount} = renderAt(<App />, columns, 18);
      const frame = await frameMatching(lastFrame, /║ > /, {columns, lines: 17});
      const lines = dialogLines(frame);
      expect(lines.join('')).toContain(host);
      expect(lines.some((line) => line.includes(FINGERPRINT))).toBe(true);
      expect(bordersIntact(frame, columns)).toBe(true);
      unmount();
    });
  }

  for (const columns of [60, 80]) {
    it(`at ${columns}x18 a host-key question asked again shows what it asks now, with the host and fingerprint`, async () => {
      const again = hostKeyQuestion('[127.0.0.1]:2312');
      store.setState({
        sessions: [session(1, [], {state: 'connecting'})],
        dialog: {
          ...again,
          lines: [
            ...(again as {lines: string[]}).lines.slice(0, 2),
            "Please type 'yes', 'no' or the fingerprint: ",
          ],
        } as Dialog,
      });
      const {lastFrame, unmount} = renderAt(<App />, columns, 18);
      const lines = dialogLines(await frameMatching(lastFrame, /║ > /, {columns, lines: 17}));
      expect(lines.some((line) => line.includes("host '[127.0.0.1]:2312'"))).toBe(true);
      expect(lines.some((line) => line.includes(FINGERPRINT))).toBe(true);
      expect(lines).toContain("Please type 'yes', 'no' or the fingerprint:");
      unmount();
    });
  }

  it('at 60x18 a host name with control characters (drawn escaped, wider) still leaves the fingerprint whole', async () => {
    const host = `${'\x1b'.repeat(12)}[10.1.2.3]:2312`;
    store.setState({sessions: [session(1, [], {state: 'connecting'})], dialog: hostKeyQuestion(host)});
    const {lastFrame, unmount} = renderAt(<App />, 60, 18);
    const frame = await frameMatching(lastFrame, /║ > /, {columns: 60, lines: 17});
    expect(dialogLines(frame).some((line) => line.includes(FINGERPRINT))).toBe(true);
    expect(bordersIntact(frame, 60)).toBe(true);
    unmount();
  });

  it('at 60x18 with a forward, the add dialog shows "D needs a port" under its > line', async () => {
    store.setState({sessions: [session(1, [forward(8001)])], focus: 'forwards'});
    const {lastFrame, stdin, unmount} = renderAt(<App />, 60, 18);
    await frameMatching(lastFrame, /8001:db/, {columns: 60, lines: 17});
    stdin.write('a');
    await frameMatching(lastFrame, /Add a forward/, {columns: 60, lines: 17});
    stdin.write('D');
    const frame = await frameMatching(lastFrame, /D needs a port/, {columns: 60, lines: 17});
    const lines = dialogLines(frame);
    expect(lines[lines.indexOf('> D') + 1]).toMatch(/^D needs a port/);
    expect(bordersIntact(frame, 60)).toBe(true);
    unmount();
  });

  it('at 80x18 with a forward, the add dialog keeps its > line without an error too', async () => {
    store.setState({sessions: [session(1, [forward(8001)])], focus: 'forwards'});
    const {lastFrame, stdin, unmount} = renderAt(<App />, 80, 18);
    await frameMatching(lastFrame, /8001:db/, {columns: 80, lines: 17});
    stdin.write('a');
    stdin.write('L 9000:db:5432');
    const frame = await frameMatching(lastFrame, /║ > L 9000:db:5432/, {columns: 80, lines: 17});
    expect(dialogLines(frame)[0]).toBe('Add a forward');
    unmount();
  });

  it('at 80x18, c opens a dialog whose > line is on screen', async () => {
    store.setState({sessions: [session(1, [forward(8001)])]});
    const {lastFrame, stdin, unmount} = renderAt(<App />, 80, 18);
    await frameMatching(lastFrame, /8001:db/, {columns: 80, lines: 17});
    stdin.write('c');
    const frame = await frameMatching(lastFrame, /║ > /, {columns: 80, lines: 17});
    expect(dialogLines(frame)[0]).toBe('Connect to');
    expect(bordersIntact(frame, 80)).toBe(true);
    unmount();
  });

  it('at 80x18, the favorites picker shows its > line and the highlighted favorite, with how many more', async () => {
    const names = Array.from({length: 9}, (_, index) => `host${index + 1}`);
    store.setState({
      sessions: [session(1, [forward(8001)])],
      dialog: {kind: 'favorites', text: '', selected: 4, favorites: names.map(favoriteRow)},
    });
    const {lastFrame, unmount} = renderAt(<App />, 80, 18);
    const frame = await frameMatching(lastFrame, /║ > /, {columns: 80, lines: 17});
    const lines = dialogLines(frame);
    expect(lines).toContain('>');
    expect(lines.some((line) => line.startsWith('5 [ ] host5'))).toBe(true);
    expect(frame).toMatch(/↑ \d+ more|↓ \d+ more/);
    expect(bordersIntact(frame, 80)).toBe(true);
    unmount();
  });

  it('a picker keeps its columns whatever the length of the names, and the state apart from the host', async () => {
    store.setState({
      sessions: [session(1, [], {name: 'a-rather-long-favorite-name'})],
      dialog: {
        kind: 'favorites',
        text: '',
        selected: 0,
        favorites: ['db', 'a-rather-long-favorite-name'].map(favoriteRow),
      },
    });
    const {lastFrame, unmount} = renderAt(<App />, 100, 30);
    const frame = await frameMatching(lastFrame, /a-rather-long-favorite-name +connected/);
    const rows = dialogLines(frame).filter((line) => /^\d \[/.test(line));
    const hostColumn = rows.map((line) => line.indexOf('deploy@'));
    expect(hostColumn[0]).toBe(hostColumn[1]);
    expect(rows[1]).toMatch(/connected +deploy@/);
    unmount();
  });
});

const REFUSED =
  'the server refused to listen on 127.0.0.1:18300 (the port may be in use on the server, or its AllowTcpForwarding/PermitListen forbids it)';

describe('panes whose rows do not all fit, as frames', () => {
  beforeEach(() => store.setState(initialState()));
  afterEach(() => store.setState(initialState()));

  /** Six listening forwards and, last, an -R the server refused. */
  const sevenForwards = () => [
    ...Array.from({length: 6}, (_, index) => forward(8001 + index)),
    forward(18300, {
      id: 'R18300',
      kind: 'remote',
      display: '127.0.0.1:18300:127.0.0.1:80',
      state: 'failed',
      failure: REFUSED,
    }),
  ];

  /** The reason's lines as drawn under its row, joined. */
  const reasonOf = (frame: string) =>
    frame
      .split('\n')
      .filter((line) => /^│ {5}[↳ ] \S/.test(line))
      .map((line) => line.slice(8, -1).trim())
      .join(' ');

  it('at 60x20 the failed forward selected last shows its whole reason, and the 6 above are counted', async () => {
    store.setState({sessions: [session(1, sevenForwards())], focus: 'forwards', selectedForward: 6});
    const {lastFrame, unmount} = renderAt(<App />, 60, 20);
    const frame = await frameMatching(lastFrame, /↳ the server refused/, {columns: 60, lines: 19});
    expect(frame).toMatch(/↑ 6 more/);
    expect(reasonOf(frame)).toBe(REFUSED);
    expect(bordersIntact(frame, 60)).toBe(true);
    unmount();
  });

  it('at 60x20 under a status message, the reason is cut with … and the rows above still counted', async () => {
    store.setState({
      sessions: [session(1, sevenForwards())],
      focus: 'forwards',
      selectedForward: 6,
      message: {kind: 'error', text: `R 127.0.0.1:18300:127.0.0.1:80 failed: ${REFUSED}`},
    });
    const {lastFrame, unmount} = renderAt(<App />, 60, 20);
    const frame = await frameMatching(lastFrame, /↳ the server refused/, {columns: 60, lines: 19});
    expect(frame).toMatch(/↑ 6 more/);
    expect(reasonOf(frame)).toMatch(/^the server refused.*…$/);
    expect(REFUSED.startsWith(reasonOf(frame).slice(0, -1))).toBe(true);
    unmount();
  });

  it('with 12 sessions under a dialog at 60x18, the Sessions pane counts the ones it hides', async () => {
    store.setState({
      sessions: Array.from({length: 12}, (_, index) =>
        session(index + 1, index === 0 ? [forward(8001)] : []),
      ),
      dialog: {kind: 'connect', text: ''},
    });
    const {lastFrame, unmount} = renderAt(<App />, 60, 18);
    const frame = await frameMatching(lastFrame, /║ > /, {columns: 60, lines: 17});
    expect(frame).toMatch(/Sessions +↓ 11 more/);
    expect(frame).toMatch(/› host-1 /);
    unmount();
  });
});

describe('fitDialogLines', () => {
  it('keeps every line when they fit, none cut', () => {
    const fit = fitDialogLines([{rank: RANK.title}, {rank: RANK.field}, {rank: RANK.hint}], 3);
    expect(fit.kept).toEqual([true, true, true]);
    expect(fit.cut).toEqual([false, false, false]);
  });

  it('leaves out the hint, then the title, never the field or the error, and marks a text cut', () => {
    const lines = [
      {rank: RANK.example},
      {rank: RANK.must, group: 'q'},
      {rank: RANK.text, group: 'q'},
      {rank: RANK.must, group: 'q'},
      {rank: RANK.question, group: 'q'},
      {rank: RANK.field},
      {rank: RANK.must, group: 'error'},
      {rank: RANK.hint},
    ];
    const fit = fitDialogLines(lines, 4);
    expect(fit.kept).toEqual([false, true, false, true, false, true, true, false]);
    // The text goes on unseen after its first line and after the fingerprint's.
    expect(fit.cut).toEqual([false, true, false, true, false, false, false, false]);
    expect(fitDialogLines(lines, 5).kept).toEqual([false, true, false, true, true, true, true, false]);
  });
});
