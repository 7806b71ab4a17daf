import {render} from 'ink-testing-library';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import type {ForwardRow, SessionRow} from '../../source/store/state.js';
import {initialState, store} from '../../source/store/state.js';
import {App} from '../../source/ui/app.js';
import {keymap} from '../../source/ui/keymap.js';
import {frameMatching} from '../helpers/ink-frames.js';

const counters = {openConnections: 0, totalConnections: 0, failedConnections: 0, bytesIn: 0, bytesOut: 0};

function forward(partial: Partial<ForwardRow>): ForwardRow {
  return {
    id: 'L1',
    kind: 'local',
    label: '-L 8080:db:5432',
    display: '8080:db:5432',
    state: 'listening',
    failure: undefined,
    listeningOn: '127.0.0.1:8080',
    counters,
    rateIn: 0,
    rateOut: 0,
    ...partial,
  };
}

function session(partial: Partial<SessionRow>): SessionRow {
  return {
    id: 1,
    name: 'staging',
    address: 'deploy@10.0.0.5:22',
    state: 'connected',
    failure: undefined,
    connectedAt: Date.now(),
    reconnects: 0,
    retryIn: undefined,
    forwards: [],
    ...partial,
  };
}

describe('the full-screen UI', () => {
  beforeEach(() => store.setState(initialState()));
  afterEach(() => store.setState(initialState()));

  it('shows sessions, forwards with state and counters, a failed forward with its reason, and the footer from the keymap', async () => {
    store.setState({
      sessions: [
        session({
          forwards: [
            forward({
              counters: {
                ...counters,
                openConnections: 2,
                totalConnections: 7,
                bytesIn: 3 * 1024 * 1024,
                bytesOut: 2048,
              },
              rateIn: 2048,
            }),
            forward({id: 'D2', kind: 'dynamic', label: '-D 1080', display: '1080'}),
            forward({id: 'F3', kind: 'ftp', label: '-L ftp/2121:ftp:21', display: 'ftp/2121:ftp:21'}),
            forward({
              id: 'L4',
              label: '-L 80:web:80',
              display: '80:web:80',
              state: 'failed',
              failure: 'port 80 is privileged (below 1024) and only root can listen on it',
            }),
          ],
        }),
        session({
          id: 2,
          name: 'prod',
          address: 'me@prod:22',
          state: 'failed',
          failure: 'permission denied for me@prod',
        }),
      ],
    });
    const {lastFrame, unmount} = render(<App />);
    const frame = await frameMatching(lastFrame, /Forwards of staging/);
    expect(frame).toMatch(/› staging\s+deploy@10\.0\.0\.5:22\s+● connected/);
    expect(frame).toMatch(/prod\s+me@prod:22\s+● failed: permission denied for me@prod/);
    expect(frame).toMatch(/L\s+8080:db:5432\s+listening\s+2\/7\s+3\.0 MiB\s+2\.0 KiB\s+2\.0 KiB\/s/);
    expect(frame).toMatch(/D\s+1080\s+listening/);
    expect(frame).toMatch(/FTP\s+ftp\/2121:ftp:21/);
    expect(frame).toMatch(/L\s+80:web:80\s+failed/);
    expect(frame).toContain('↳ port 80 is privileged (below 1024)');
    // The sessions pane has the focus: its keys, not the forwards pane's.
    expect(frame.split('\n').at(-1)).toBe(
      // Too many for " · " in 100 columns: two blanks between them, and / (listed in help) left out.
      'c connect  a add  f favorites  s save  r run  x disconnect  Tab switch pane  ? help  q quit',
    );
    unmount();
  });

  it('? shows every key of the keymap; Esc closes it', async () => {
    const {lastFrame, stdin, stdout, unmount} = render(<App />);
    // Tall enough for every key at once (ink-testing-library's terminal is taken for 24 rows, too few since
    // Enter and y were added; a shorter help is the scrolling help's to test).
    Object.defineProperty(stdout, 'rows', {value: 30, configurable: true});
    stdout.emit('resize');
    await frameMatching(lastFrame, /No sessions/);
    stdin.write('?');
    let help = await frameMatching(lastFrame, /Keys/);
    // The help scrolls: a page at a time (PgDn) until its last line is on screen.
    let seen = help;
    for (let page = 0; page < 5 && !help.includes('Ctrl-C'); page++) {
      stdin.write('\u001b[6~');
      help = await frameMatching(lastFrame, /lines (?!1-)\d+-\d+ of/);
      seen += help;
    }
    for (const binding of keymap) expect(seen).toContain(binding.description.slice(0, 30));
    expect(seen).toContain('quit at once');
    stdin.write('\u001b');
    await frameMatching(lastFrame, /Log/);
    unmount();
  });

  it('a key that cannot act says why', async () => {
    const {lastFrame, stdin, unmount} = render(<App />);
    await frameMatching(lastFrame, /No sessions/);
    stdin.write('a');
    expect(await frameMatching(lastFrame, /no session yet/)).toContain('no session yet: press c to connect');
    store.setState({sessions: [session({state: 'connecting'})]});
    stdin.write('a');
    expect(await frameMatching(lastFrame, /cannot add/)).toContain(
      'cannot add a forward: staging is connecting',
    );
    unmount();
  });

  it('masks secrets in a prompt and takes a pasted answer with its newline', async () => {
    const {uiPrompter} = await import('../../source/store/ui-prompter.js');
    const {lastFrame, stdin, unmount} = render(<App />);
    await frameMatching(lastFrame, /No sessions/);
    const answer = uiPrompter.ask("deploy@staging's password: ", {secret: true});
    await frameMatching(lastFrame, /password/);
    stdin.write('s3cret\r');
    expect(await answer).toBe('s3cret');
    expect(lastFrame()).not.toContain('s3cret');
    unmount();
  });

  it('takes a burst of keys one by one, and types the rest of a burst into the dialog it opened', async () => {
    store.setState({
      sessions: [
        session({forwards: [forward({counters: {...counters, openConnections: 1, totalConnections: 1}})]}),
      ],
    });
    const {lastFrame, stdin, unmount} = render(<App />);
    await frameMatching(lastFrame, /listening/);
    stdin.write('\td');
    expect(await frameMatching(lastFrame, /Remove L 8080:db:5432\?/)).toContain(
      'It has 1 open connection, which will be closed.',
    );
    stdin.write('\u001b');
    await frameMatching(lastFrame, /Log/);
    stdin.write('aL 8081:db:80');
    expect(await frameMatching(lastFrame, /Add a forward/)).toContain('> L 8081:db:80');
    unmount();
  });

  it('Ctrl-U clears a dialog field also inside a burst, and the rest of the burst is typed', async () => {
    store.setState({sessions: [session({forwards: [forward({})]})]});
    const {lastFrame, stdin, unmount} = render(<App />);
    await frameMatching(lastFrame, /listening/);
    stdin.write('a');
    await frameMatching(lastFrame, /Add a forward/);
    stdin.write('L 1:x:1');
    await frameMatching(lastFrame, /> L 1:x:1/);
    stdin.write('\u0015L 8082:db:80');
    expect(await frameMatching(lastFrame, /> L 8082:db:80/)).not.toContain('L 1:x:1');
    unmount();
  });

  it('draws no colour with NO_COLOR', async () => {
    process.env.NO_COLOR = '1';
    try {
      store.setState({sessions: [session({forwards: [forward({})]})]});
      const {lastFrame, unmount} = render(<App />);
      const frame = await frameMatching(lastFrame, /listening/);
      // No SGR colour codes (30-37, 90-97, 38;5;n): only bold/dim/inverse remain.
      const esc = String.fromCharCode(27);
      expect(frame).not.toMatch(new RegExp(`${esc}\\[(3[0-7]|9[0-7]|38;)`));
      unmount();
    } finally {
      delete process.env.NO_COLOR;
    }
  });
});
