import {describe, expect, it} from 'vitest';
import {EventPrinter, formatBytes} from '../../source/cli/event-printer.js';
import type {TunnelEvent} from '../../source/core/events.js';

function print(events: TunnelEvent[], options = {json: false, verbose: 0}) {
  const stderr: string[] = [];
  const stdout: string[] = [];
  const printer = new EventPrinter(
    {stderr: (line) => stderr.push(line), stdout: (line) => stdout.push(line)},
    options,
  );
  for (const event of events) printer.handle(event);
  return {stderr, stdout};
}

describe('headless output', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [64 * 1024 * 1024, '64 MiB'],
    [1.5 * 1024 ** 3, '1.5 GiB'],
  ])('formats %d bytes as %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it('writes one human line per event, naming the forward on connection lines', () => {
    const {stderr, stdout} = print([
      {event: 'session-connecting', host: 'h', port: 22, user: 'u'},
      {event: 'session-connected', host: 'h', port: 22, user: 'u', authMethod: 'password'},
      {
        event: 'forward-listening',
        forwardId: 'L1',
        kind: 'local',
        spec: '-L 8080:db:5432',
        bindAddress: '127.0.0.1',
        port: 8080,
        bindAddresses: ['127.0.0.1', '::1'],
      },
      {
        event: 'forward-listening',
        forwardId: 'R2',
        kind: 'remote',
        spec: '-R 0:localhost:3000',
        bindAddress: 'localhost',
        port: 40000,
      },
      {
        event: 'forward-listening',
        forwardId: 'D3',
        kind: 'dynamic',
        spec: '-D [::1]:1080',
        bindAddress: '::1',
        port: 1080,
      },
      {event: 'connection-opened', forwardId: 'L1', connectionId: 1, from: '127.0.0.1:5000', to: 'db:5432'},
      {event: 'connection-closed', forwardId: 'L1', connectionId: 1, bytesIn: 2048, bytesOut: 10},
      {
        event: 'connection-failed',
        forwardId: 'R2',
        from: '127.0.0.1:6000 (on the server)',
        to: 'localhost:3000',
        reason: 'refused',
      },
      {
        event: 'forward-listening',
        forwardId: 'F4',
        kind: 'ftp',
        spec: '-L ftp/2121:ftp:21',
        bindAddress: '127.0.0.1',
        port: 2121,
      },
      {
        event: 'ftp-data-opened',
        forwardId: 'F4',
        dataId: 1,
        mode: 'passive',
        local: '127.0.0.1:40001',
        remote: 'ftp:50000',
      },
      {event: 'ftp-data-closed', forwardId: 'F4', dataId: 1, bytesIn: 0, bytesOut: 3 * 1024 * 1024},
      {
        event: 'ftp-data-closed',
        forwardId: 'F4',
        dataId: 2,
        bytesIn: 0,
        bytesOut: 0,
        reason: 'no data connection came in time',
      },
      {
        event: 'ftp-data-closed',
        forwardId: 'F4',
        dataId: 3,
        bytesIn: 0,
        bytesOut: 24,
        from: '127.0.0.2:41109 on the SSH server',
      },
      {event: 'warning', message: 'careful'},
      {event: 'session-closed', reason: 'the server closed the connection'},
    ]);
    expect(stderr).toEqual([
      'tunnels: connected to u@h:22 (password)',
      '-L 8080:db:5432: listening on 127.0.0.1:8080 and [::1]:8080',
      '-R 0:localhost:3000: listening on the server at localhost:40000',
      '-D [::1]:1080: listening on [::1]:1080',
      '-L 8080:db:5432: connection #1 from 127.0.0.1:5000 to db:5432',
      '-L 8080:db:5432: connection #1 closed (2.0 KiB in, 10 B out)',
      '-R 0:localhost:3000: connection from 127.0.0.1:6000 (on the server) to localhost:3000 failed: refused',
      '-L ftp/2121:ftp:21: listening on 127.0.0.1:2121',
      '-L ftp/2121:ftp:21: data channel #1 (passive) 127.0.0.1:40001 <-> ftp:50000',
      '-L ftp/2121:ftp:21: data channel #1 closed (0 B in, 3.0 MiB out)',
      '-L ftp/2121:ftp:21: data channel #2 closed (0 B in, 0 B out; no data connection came in time)',
      '-L ftp/2121:ftp:21: data channel #3 closed (0 B in, 24 B out); its connection came from 127.0.0.2:41109 on the SSH server',
      'tunnels: warning: careful',
      'tunnels: connection closed: the server closed the connection',
    ]);
    expect(stdout).toEqual([]);
  });

  it('with --json, writes every event as one JSON line on stdout', () => {
    const events: TunnelEvent[] = [
      {event: 'session-connecting', host: 'h', port: 22, user: 'u'},
      {
        event: 'forward-failed',
        forwardId: 'L1',
        kind: 'local',
        spec: '-L 80:x:80',
        reason: 'port 80 is privileged',
      },
    ];
    const {stdout, stderr} = print(events, {json: true, verbose: 1});
    expect(stdout.map((line) => JSON.parse(line))).toEqual(events);
    expect(stderr).toEqual(['tunnels: connecting to u@h:22', '-L 80:x:80: failed: port 80 is privileged']);
  });
  it("prints nothing of the events and fields that are the store's: the output is what it was before them", () => {
    const counters = {openConnections: 1, totalConnections: 1, failedConnections: 0, bytesIn: 5, bytesOut: 7};
    const storeOnly: TunnelEvent[] = [
      {event: 'forward-added', forwardId: 'L1', kind: 'local', spec: '-L 0:db:5432', display: '0:db:5432'},
      {event: 'forward-traffic', forwards: [{forwardId: 'L1', counters}]},
      {event: 'forward-closed-after-failure', forwardId: 'L1', kind: 'local', spec: '-L 0:db:5432'},
      {event: 'forward-removed', forwardId: 'L1', kind: 'local', spec: '-L 0:db:5432'},
    ];
    for (const verbose of [0, 1, 2]) {
      const quiet = print(storeOnly, {json: true, verbose});
      expect(quiet).toEqual({stdout: [], stderr: []});
    }
    // A connection's label and counters, and a listener's display, are left out of --json; the lines name
    // the forward as they did (by the label of its forward-listening).
    const {stdout, stderr} = print(
      [
        {
          event: 'forward-listening',
          forwardId: 'L1',
          kind: 'local',
          spec: '-L 0:db:5432',
          bindAddress: '127.0.0.1',
          port: 4000,
          display: '4000:db:5432',
        },
        {
          event: 'connection-opened',
          forwardId: 'L1',
          label: '-L 0:db:5432',
          counters,
          connectionId: 1,
          from: '127.0.0.1:5000',
          to: 'db:5432',
        },
        {
          event: 'ftp-data-closed',
          forwardId: 'F2',
          label: '-L ftp/2121:ftp:21',
          counters,
          dataId: 1,
          bytesIn: 0,
          bytesOut: 0,
        },
      ],
      {json: true, verbose: 0},
    );
    expect(stdout.map((line) => JSON.parse(line))).toEqual([
      {
        event: 'forward-listening',
        forwardId: 'L1',
        kind: 'local',
        spec: '-L 0:db:5432',
        bindAddress: '127.0.0.1',
        port: 4000,
      },
      {event: 'connection-opened', forwardId: 'L1', connectionId: 1, from: '127.0.0.1:5000', to: 'db:5432'},
      {event: 'ftp-data-closed', forwardId: 'F2', dataId: 1, bytesIn: 0, bytesOut: 0},
    ]);
    expect(stderr).toEqual([
      '-L 0:db:5432: listening on 127.0.0.1:4000',
      '-L 0:db:5432: connection #1 from 127.0.0.1:5000 to db:5432',
      'F2: data channel #1 closed (0 B in, 0 B out)',
    ]);
  });
});

describe('headless output of hostile text (a server, a config)', () => {
  const ESC = '\u001b';
  const BEL = '\u0007';
  /** A window title, a clipboard write (OSC 52), a screen clear, a C1 CSI, DEL, a bidi override, a newline. */
  const HOSTILE = `${ESC}]0;pwned${BEL}${ESC}]52;c;cm0gLXJm${BEL}${ESC}[2J\u009b31m\u007f\u202e\nforged line`;
  const SHOWN = String.raw`\033]0;pwned\007\033]52;c;cm0gLXJm\007\033[2J\u009b31m\177\u202e\012forged line`;
  const hostile = (text: string) => `${text}${HOSTILE}`;

  /** Every event, every text field hostile. */
  const events: TunnelEvent[] = [
    {event: 'session-connecting', host: hostile('host'), port: 22, user: hostile('user')},
    {
      event: 'session-connected',
      host: hostile('host'),
      port: 22,
      user: hostile('user'),
      authMethod: 'password',
    },
    // A DISCONNECT's text.
    {event: 'session-closed', reason: hostile('the server said: ')},
    {event: 'session-reconnecting', attempt: 1, delayMs: 800, reason: hostile('dropped: ')},
    {event: 'session-failed', reason: hostile('permission denied: '), level: 'authentication'},
    {event: 'host-key-added', host: hostile('host'), file: '/k', fingerprint: 'SHA256:x'},
    {
      event: 'forward-listening',
      forwardId: 'L1',
      kind: 'local',
      spec: hostile('-L 1:'),
      bindAddress: '::1',
      port: 1,
    },
    {event: 'forward-failed', forwardId: 'L2', kind: 'local', spec: '-L 2:h:2', reason: hostile('refused: ')},
    {event: 'forward-closed', forwardId: 'L1', kind: 'local', spec: hostile('-L 1:')},
    {event: 'forward-waiting', forwardId: 'R3', kind: 'remote', spec: '-R 3:h:3', reason: hostile('busy: ')},
    {event: 'connection-opened', forwardId: 'L1', connectionId: 1, from: '127.0.0.1:5', to: hostile('db:')},
    {
      event: 'connection-closed',
      forwardId: 'L1',
      connectionId: 1,
      bytesIn: 1,
      bytesOut: 2,
      error: hostile(''),
    },
    // A channel-open failure's description.
    {
      event: 'connection-failed',
      forwardId: 'L1',
      from: '127.0.0.1:6',
      to: 'db:5432',
      reason: hostile('open failed: '),
    },
    {
      event: 'ftp-data-opened',
      forwardId: 'F4',
      dataId: 1,
      mode: 'passive',
      local: 'a:1',
      remote: hostile('b:'),
    },
    {event: 'ftp-data-closed', forwardId: 'F4', dataId: 1, bytesIn: 0, bytesOut: 0, reason: hostile('')},
    // The X11 auth-protocol name, quoted in a warning.
    {event: 'warning', message: `X11: the server asked for the auth protocol ${hostile('"')}"`},
  ];

  it('shows every text with its controls as visible escapes, one line per event', () => {
    const {stderr} = print(events, {json: false, verbose: 1});
    expect(stderr).toHaveLength(events.length);
    for (const line of stderr) {
      expect(line).not.toMatch(/[\p{Cc}\u202e]/u);
      expect(line).toContain(SHOWN);
    }
    expect(stderr).toContain(`tunnels: connection closed: the server said: ${SHOWN}`);
    expect(stderr).toContain(
      `-L 1:${SHOWN}: connection from 127.0.0.1:6 to db:5432 failed: open failed: ${SHOWN}`,
    );
  });

  it('with --json, keeps the true text, JSON-escaped: nothing raw a terminal acts on', () => {
    const {stdout} = print(events, {json: true, verbose: 1});
    expect(stdout.map((line) => JSON.parse(line))).toEqual(events);
    for (const line of stdout) {
      expect(line).not.toMatch(/[\p{Cc}\u202e]/u);
      expect(line).toContain(String.raw`\u001b]0;pwned\u0007`);
      expect(line).toContain(String.raw`\u009b31m\u007f\u202e\nforged line`);
    }
  });
});
