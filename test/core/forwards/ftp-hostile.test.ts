import {execFile} from 'node:child_process';
import {mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {useSshdAndEcho} from '../../helpers/fixtures.js';
import {type Answer, DECOY_BYTES, startHostileFtpServer} from '../../helpers/hostile-ftp-server.js';
import {until} from '../../helpers/session.js';

const FTPLIB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../helpers/ftp-clients.py');

/** The decoy in six numbers, on 127.0.0.2: another host, to a client that trusts the reply's address. */
const around = (port: number) => `127,0,0,2,${port >> 8},${port & 0xff}`;

interface Attack {
  name: string;
  /** Every verb here is answered hostilely, so that each client meets at least one such answer. */
  answers: (decoyPort: number) => Record<string, Answer>;
  /** What the forward warns once a client has met one. */
  warning?: RegExp;
  /** Whether the client is told 425 (a reply to its PASV/EPSV that cannot be rewritten). */
  refused: boolean;
}

// The field report's attacks (issue #17), each of which sent curl, lftp or ftplib around the tunnel.
const ATTACKS: Attack[] = [
  {
    name: 'multi-line 227 and 229 replies',
    answers: (port) => ({
      PASV: `227-Entering Passive Mode (${around(port)})\r\n227 Entering Passive Mode (${around(port)})\r\n`,
      EPSV: `229-Entering Extended Passive Mode (|||${port}|)\r\n229 Entering Extended Passive Mode (|||${port}|)\r\n`,
    }),
    warning: /malformed passive reply from the FTP server: the 22[79] reply spans several lines/,
    refused: true,
  },
  {
    name: '227 and 229 replies over 8 KiB, in two pieces',
    answers: (port) => ({
      PASV: [`227 =${around(port)}${' '.repeat(8200)}`, `${' '.repeat(800)}\r\n`],
      EPSV: [`229 Entering Extended Passive Mode (|||${port}|)${' '.repeat(8200)}`, `${' '.repeat(800)}\r\n`],
    }),
    warning: /malformed passive reply from the FTP server: the 22[79] reply is over 8192 bytes/,
    refused: true,
  },
  {
    name: '"2270 …" and "2290 …" replies',
    answers: (port) => ({
      PASV: `2270 Entering Passive Mode (${around(port)})\r\n`,
      EPSV: `2290 Entering Extended Passive Mode (|||${port}|)\r\n`,
    }),
    warning: /malformed passive reply from the FTP server: the reply "22[79]0 Ent" does not start "22[79] "/,
    refused: true,
  },
  {
    name: 'a 200 followed by an unasked 227',
    answers: (port) => ({
      EPSV: `200 OK\r\n227 Entering Passive Mode (${around(port)})\r\n`,
      PASV: `200 OK\r\n227 Entering Passive Mode (${around(port)})\r\n`,
      TYPE: `200 Type set\r\n227 Entering Passive Mode (${around(port)})\r\n`,
    }),
    warning: /dropped a 227 reply from the FTP server that answers no command/,
    refused: false,
  },
  {
    name: 'a 227 behind a lone CR',
    answers: (port) => ({
      EPSV: `500 No\r227 Entering Passive Mode (${around(port)})\r\n`,
      PASV: `500 No\r227 Entering Passive Mode (${around(port)})\r\n`,
      TYPE: `200 Type set\r227 Entering Passive Mode (${around(port)})\r\n`,
    }),
    refused: false,
  },
  {
    name: 'an unpadded 227 or 229 line inside a multi-line reply',
    answers: (port) => ({
      PASV: `200-Here\r\n227 Entering Passive Mode (${around(port)})\r\n200 End\r\n`,
      EPSV: `200-Here\r\n229 Entering Extended Passive Mode (|||${port}|)\r\n200 End\r\n`,
    }),
    warning: /withheld a line that reads as a 22[79] reply inside the FTP server's multi-line 200 reply/,
    refused: false,
  },
];

// Replies that are rewritten: the client's data connection goes to the forward's listener and through SSH to
// the FTP server's host and port (where the decoy listens, so it is reached once, from the SSH server).
const REWRITTEN: Array<Omit<Attack, 'refused'>> = [
  {
    name: 'well-formed 227 and 229 replies',
    answers: (port) => ({
      PASV: `227 Entering Passive Mode (${around(port)})\r\n`,
      EPSV: `229 Entering Extended Passive Mode (|||${port}|)\r\n`,
    }),
  },
  {
    name: '227 and 229 replies with a Telnet IAC NOP inside their code (lftp reads it so)',
    answers: (port) => ({
      PASV: `22\xff\xf17 Entering Passive Mode (${around(port)})\r\n`,
      EPSV: `22\xff\xf19 Entering Extended Passive Mode (|||${port}|)\r\n`,
    }),
  },
];

interface Outcome {
  code: number | string | null;
  output: string;
}

/** Runs a client to its end (bounded), whatever its exit status, with everything it printed. */
function outcome(program: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(program, args, {timeout: 30_000, env: {...process.env, ...env}}, (error, stdout, stderr) => {
      resolve({code: error ? (error.code ?? error.signal ?? null) : 0, output: `${stdout}${stderr}`});
    });
  });
}

const CLIENTS: Array<[string, (port: number, home: string) => Promise<Outcome>]> = [
  [
    'curl (EPSV, then PASV)',
    (port) => outcome('curl', ['-v', '-sS', '--max-time', '20', `ftp://127.0.0.1:${port}/file`]),
  ],
  [
    'curl --disable-epsv',
    (port) =>
      outcome('curl', ['-v', '-sS', '--max-time', '20', '--disable-epsv', `ftp://127.0.0.1:${port}/file`]),
  ],
  [
    // Connects to the address the reply names (127.0.0.2 here), not to the control connection's host.
    'curl --no-ftp-skip-pasv-ip --disable-epsv',
    (port) =>
      outcome('curl', [
        '-v',
        '-sS',
        '--max-time',
        '20',
        '--no-ftp-skip-pasv-ip',
        '--disable-epsv',
        `ftp://127.0.0.1:${port}/file`,
      ]),
  ],
  [
    'lftp',
    (port, home) =>
      outcome(
        'lftp',
        [
          '-d',
          '-c',
          `set cmd:fail-exit yes; set xfer:clobber on; set net:max-retries 1; set net:timeout 5; set net:reconnect-interval-base 1; open -u anonymous, ftp://127.0.0.1:${port}; get /file -o ${path.join(home, 'file')}`,
        ],
        {HOME: home},
      ),
  ],
  [
    'Python ftplib',
    (port) => outcome('/usr/bin/python3', [FTPLIB, '127.0.0.1', String(port), '/', 'get:file:pasv']),
  ],
];

describe('-L ftp/ against a hostile FTP server: no client is sent around the tunnel', () => {
  const fixture = useSshdAndEcho({session: true});
  let home: string;
  beforeAll(async () => {
    // lftp's own settings and history stay out of the real HOME.
    home = await mkdtemp(path.join(os.tmpdir(), 'tunnels-lftp-home-'));
  });
  afterAll(async () => {
    if (home) await rm(home, {recursive: true, force: true});
  });

  describe.each(ATTACKS)('$name', (attack) => {
    it.each(CLIENTS)('%s', async (_client, client) => {
      const server = await startHostileFtpServer(attack.answers);
      const session = fixture.session;
      const from = session.seen.length;
      const forward = await session.addForward({
        kind: 'ftp',
        bindAddress: undefined,
        port: 0,
        host: '127.0.0.1',
        hostPort: server.port,
      });
      try {
        expect(forward.state, forward.failure).toBe('listening');
        const result = await client(forward.listeningOn!.port, home);
        await server.decoy.settle();
        expect(server.decoy.hits(), result.output).toEqual([]);
        expect(result.code, result.output).not.toBe(0);

        const hostileVerbs = Object.keys(attack.answers(0));
        const met = server.commands.some((command) =>
          hostileVerbs.includes(command.split(' ')[0]!.toUpperCase()),
        );
        expect(met, `the client sent ${JSON.stringify(server.commands)}`).toBe(true);
        const events = session.seen.slice(from);
        expect(events.filter((event) => event.event === 'ftp-data-opened')).toEqual([]);
        const warnings = events.flatMap((event) =>
          event.event === 'warning' && event.forwardId === forward.id ? [event.message] : [],
        );
        if (attack.warning) expect(warnings).toContainEqual(expect.stringMatching(attack.warning));
        if (attack.refused) expect(result.output).toContain('425 Cannot forward the data connection');
      } finally {
        await session.removeForward(forward.id);
        await server.close();
      }
    });
  });

  describe.each(REWRITTEN)('$name', (control) => {
    it.each(CLIENTS)('%s: the data comes through SSH', async (_client, client) => {
      const server = await startHostileFtpServer(control.answers, {transfer: true});
      const session = fixture.session;
      const from = session.seen.length;
      const forward = await session.addForward({
        kind: 'ftp',
        bindAddress: undefined,
        port: 0,
        host: '127.0.0.1',
        hostPort: server.port,
      });
      try {
        const result = await client(forward.listeningOn!.port, home);
        expect(result.code, result.output).toBe(0);
        const closed = () =>
          session.seen.slice(from).flatMap((event) => (event.event === 'ftp-data-closed' ? [event] : []));
        await until(() => closed().length > 0, 10_000, 'the data channel to close');
        expect(closed().map((event) => event.bytesOut)).toEqual([DECOY_BYTES.length]);
        await server.decoy.settle();
        expect(server.decoy.hits()).toEqual([expect.stringMatching(/ -> 127\.0\.0\.1$/)]);
      } finally {
        await session.removeForward(forward.id);
        await server.close();
      }
    });
  });
});
