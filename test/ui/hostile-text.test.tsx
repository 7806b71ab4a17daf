import {render} from 'ink-testing-library';
import stringWidth from 'string-width';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import type {AppState, Dialog, ForwardRow, SessionRow} from '../../source/store/state.js';
import {initialState, store} from '../../source/store/state.js';
import {uiPrompter} from '../../source/store/ui-prompter.js';
import {App} from '../../source/ui/app.js';
import {frameMatching} from '../helpers/ink-frames.js';

const ESC = '\u001b';
const BEL = '\u0007';
/** A window title, a clipboard write (OSC 52), a screen clear, a C1 CSI, DEL, a bidi override, a newline. */
const HOSTILE = `${ESC}]0;pwned${BEL}${ESC}]52;c;cm0g${BEL}${ESC}[2J\u009b31m\u007f\u202e\nx`;
const SHOWN = String.raw`\033]0;pwned\007\033]52;c;cm0g\007\033[2J\u009b31m\177\u202e\012x`;
const hostile = (text: string) => `${text}${HOSTILE}`;

/** The frame as the terminal gets it, less Ink's own colours and styles (SGR). */
const withoutStyles = (frame: string) => frame.replace(new RegExp(`${ESC}\\[[0-9;]*m`, 'g'), '');

/** Nothing a terminal would act on: no ESC but Ink's SGR, no BEL, no C1, no bidi override. */
function expectHarmless(frame: string): void {
  for (const row of withoutStyles(frame).split('\n')) {
    expect(row).not.toMatch(/[\p{Cc}\u202e]/u);
    // A pane's row as wide as the screen: the escapes keep the borders in their columns.
    if (/^[│║╭╰╔╚]/.test(row)) expect([row, stringWidth(row)]).toEqual([row, 100]);
  }
}

const counters = {openConnections: 1, totalConnections: 2, failedConnections: 0, bytesIn: 10, bytesOut: 20};

function forward(partial: Partial<ForwardRow>): ForwardRow {
  return {
    id: 'L1',
    kind: 'local',
    label: hostile('-L 8080:'),
    display: hostile('8080:'),
    state: 'listening',
    failure: undefined,
    listeningOn: '127.0.0.1:8080',
    counters,
    rateIn: 0,
    rateOut: 0,
    ...partial,
  };
}

/** Every text of the main screen from outside: names and addresses from configs, failures from servers. */
function hostileState(): Partial<AppState> {
  const sessions: SessionRow[] = [
    {
      id: 1,
      name: hostile('n'),
      address: hostile('user@host'),
      state: 'connected',
      failure: undefined,
      connectedAt: Date.now(),
      reconnects: 0,
      retryIn: undefined,
      forwards: [
        forward({}),
        forward({id: 'L2', state: 'failed', failure: hostile('open failed: ')}),
        forward({id: 'R3', kind: 'remote', state: 'waiting', failure: hostile('refused: ')}),
      ],
    },
    {
      id: 2,
      name: 'failed',
      address: 'u@h:22',
      state: 'failed',
      failure: hostile('disconnected: '),
      connectedAt: undefined,
      reconnects: 0,
      retryIn: undefined,
      forwards: [],
    },
    {
      id: 3,
      name: 'back',
      address: 'u@h:22',
      state: 'reconnecting',
      failure: hostile('dropped: '),
      connectedAt: undefined,
      reconnects: 1,
      retryIn: 3,
      forwards: [],
    },
  ];
  return {
    sessions,
    log: (['info', 'error', 'ftp'] as const).map((kind, index) => ({
      id: index,
      time: Date.now(),
      sessionId: 1,
      kind,
      text: hostile(`${kind}: `),
    })),
    message: {kind: 'error', text: hostile('message: ')},
    hosts: [hostile('alias')],
  };
}

describe('the UI draws text from outside harmless (escaped), and aligned', () => {
  beforeEach(() => store.setState(initialState()));
  afterEach(() => store.setState(initialState()));

  it('in sessions, forwards, failures, the log and the message line', async () => {
    store.setState(hostileState());
    const {lastFrame, stdout, unmount} = render(<App />);
    // 30 rows: the panes' heights come from the terminal's, and at 24 the log would show two of its three lines.
    Object.defineProperty(stdout, 'rows', {value: 30, configurable: true});
    stdout.emit('resize');
    const frame = await frameMatching(lastFrame, /Forwards of n[\s\S]*\d info: /);
    expectHarmless(frame);
    const shown = withoutStyles(frame);
    // The log's lines are long enough to show all of it; the truncated cells show its start.
    for (const kind of ['info', 'error', 'ftp']) expect(shown).toContain(`${kind}: ${SHOWN}`);
    expect(shown).toContain(`Forwards of n${SHOWN.slice(0, 20)}`);
    expect(shown).toContain(String.raw`› n\033]0;pwned\007\033]52;c;…`);
    expect(shown).toContain(String.raw`↳ open failed: \033]0;pwned\007`);
    expect(shown).toContain(String.raw`↳ refused: \033]0;pwned\007`);
    expect(shown).toContain(String.raw`● failed: disconnected: \033]0;`);
    expect(shown).toContain(String.raw`● reconnecting in 3s: dropped: \03`);
    expect(shown).toContain(String.raw`message: \033]0;pwned\007`);
    // The store still holds the true text.
    expect(store.getState().log[0]!.text).toBe(hostile('info: '));
    unmount();
  });

  const dialogs: Dialog[] = [
    {kind: 'connect', text: hostile('typed'), error: hostile('bad: ')},
    {kind: 'add-forward', sessionId: 1, text: hostile('L '), error: hostile('bad: ')},
    {kind: 'run-command', sessionId: 1, text: hostile('echo '), x11: false, agent: false},
    {
      kind: 'favorites',
      text: '',
      selected: 0,
      favorites: [{name: hostile('fav'), address: hostile('u@h'), summary: hostile('-L '), args: ''}],
    },
    {kind: 'save-favorite', sessionId: 1, text: hostile('name'), error: hostile('bad: ')},
    {kind: 'edit-favorite', name: hostile('fav'), text: hostile('-L '), error: hostile('bad: ')},
    {
      kind: 'confirm',
      title: hostile('Delete '),
      message: hostile('message: '),
      action: {kind: 'quit'},
    },
    {
      kind: 'prompt',
      lines: [hostile('name: '), hostile('instructions: ')],
      secret: false,
      text: hostile('a'),
    },
  ];

  it.each(dialogs.map((dialog) => [dialog.kind, dialog] as const))(
    'in the %s dialog',
    async (_kind, dialog) => {
      store.setState({...hostileState(), dialog});
      const {lastFrame, unmount} = render(<App />);
      const frame = await frameMatching(lastFrame, /pwned/);
      expectHarmless(frame);
      expect(withoutStyles(frame)).toContain(String.raw`\033]0;pwned\007`);
      unmount();
    },
  );

  it("shows a server's keyboard-interactive question line by line, each line escaped", async () => {
    const {lastFrame, unmount} = render(<App />);
    await frameMatching(lastFrame, /No sessions/);
    const answer = uiPrompter.ask(`Duo login${ESC}]0;pwned${BEL}\r\n\r\n 1. Push\u009b2J\nPasscode: `, {
      secret: true,
    });
    const frame = await frameMatching(lastFrame, /Passcode/);
    expectHarmless(frame);
    const rows = withoutStyles(frame).split('\n');
    const first = rows.findIndex((row) => row.includes(String.raw`Duo login\033]0;pwned\007`));
    expect(first).toBeGreaterThan(0);
    expect(rows[first + 2]).toContain(String.raw`1. Push\u009b2J`);
    expect(rows[first + 3]).toContain('Passcode: ');
    uiPrompter.inform(hostile('Permission denied: '));
    expect(withoutStyles(await frameMatching(lastFrame, /Permission denied/))).toContain(
      `Permission denied: ${SHOWN}`,
    );
    store.setState({dialog: undefined});
    unmount();
    void answer.catch(() => {});
  });
});
