import {describe, expect, it} from 'vitest';
import type {FtpAction} from '../../../source/core/protocols/ftp-actions.js';
import {type HostPort, passiveReplyCode} from '../../../source/core/protocols/ftp-lines.js';
import {FtpControlRewriter, type FtpRewriterOptions} from '../../../source/core/protocols/ftp-rewriter.js';

type Passive = Extract<FtpAction, {kind: 'passive'}>;
type Active = Extract<FtpAction, {kind: 'active'}>;

/** Where the owner listens for a passive data connection / where the SSH server listens for an active one. */
const LISTENING: HostPort = {host: '127.0.0.1', port: 40001};
const REWRITTEN_227 = '227 Entering Passive Mode (127,0,0,1,156,65).\r\n';
const REWRITTEN_229 = '229 Entering Extended Passive Mode (|||40001|)\r\n';
/** What the client gets for a reply to PASV/EPSV that cannot be rewritten. */
const REFUSED = (reason: string) => `425 Cannot forward the data connection: ${reason} (tunnels).\r\n`;
/** What the client gets for a 227/229 reply that answers another command. */
const WITHHELD = (code: string) =>
  `425 The FTP server answered with a ${code} reply, withheld (tunnels).\r\n`;

const bytes = (...parts: Array<number[] | string>) =>
  Buffer.concat(
    parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part))),
  );

/** Plays the owner (ftp-forward.ts): carries out every action in order and records what went where. */
class Harness {
  readonly rewriter: FtpControlRewriter;
  private readonly toServerParts: Buffer[] = [];
  private readonly toClientParts: Buffer[] = [];
  readonly warnings: string[] = [];
  readonly passive: Array<Pick<Passive, 'extended' | 'serverPort' | 'replyHost'>> = [];
  readonly active: Array<Pick<Active, 'extended' | 'client'>> = [];
  encrypted = 0;

  constructor(
    options: Partial<FtpRewriterOptions> = {},
    /** A string refuses the data connection with that reason. */
    private readonly outcome: HostPort | string = LISTENING,
  ) {
    this.rewriter = new FtpControlRewriter({clientAddress: '127.0.0.1', ...options});
  }

  client(...parts: Array<number[] | string | Buffer>): this {
    for (const part of parts) this.perform(this.rewriter.fromClient(toBuffer(part)));
    return this;
  }

  server(...parts: Array<number[] | string | Buffer>): this {
    for (const part of parts) this.perform(this.rewriter.fromServer(toBuffer(part)));
    return this;
  }

  get toServer(): string {
    return Buffer.concat(this.toServerParts).toString('latin1');
  }

  get toClient(): string {
    return Buffer.concat(this.toClientParts).toString('latin1');
  }

  get toServerBytes(): Buffer {
    return Buffer.concat(this.toServerParts);
  }

  get toClientBytes(): Buffer {
    return Buffer.concat(this.toClientParts);
  }

  /** Everything observable, for comparing two runs. */
  summary() {
    return {
      toServer: this.toServer,
      toClient: this.toClient,
      warnings: this.warnings,
      passive: this.passive,
      active: this.active,
      encrypted: this.encrypted,
    };
  }

  private perform(actions: FtpAction[]): void {
    for (const action of actions) {
      switch (action.kind) {
        case 'to-server':
          this.toServerParts.push(action.data);
          break;
        case 'to-client':
          this.toClientParts.push(action.data);
          break;
        case 'warning':
          this.warnings.push(action.message);
          break;
        case 'encrypted':
          this.encrypted++;
          break;
        case 'passive':
          this.passive.push({
            extended: action.extended,
            serverPort: action.serverPort,
            replyHost: action.replyHost,
          });
          this.toClientParts.push(
            typeof this.outcome === 'string' ? action.refuse(this.outcome) : action.accept(this.outcome),
          );
          break;
        case 'active':
          this.active.push({extended: action.extended, client: action.client});
          if (typeof this.outcome === 'string') this.toClientParts.push(action.refuse(this.outcome));
          else this.toServerParts.push(action.accept(this.outcome));
          break;
      }
    }
  }
}

function toBuffer(part: number[] | string | Buffer): Buffer {
  return Buffer.isBuffer(part) ? part : bytes(part);
}

/** A harness that has already passed the server's greeting on. */
function greeted(options: Partial<FtpRewriterOptions> = {}, outcome?: HostPort | string): Harness {
  const harness = new Harness(options, outcome);
  harness.server('220 FTP server ready\r\n');
  expect(harness.toClient).toBe('220 FTP server ready\r\n');
  return harness;
}

/** Sent after a test's own exchange: PASV must still be rewritten (the reply bookkeeping is in step). */
function expectStillRewrites(harness: Harness): void {
  const client = harness.toClient;
  const passive = harness.passive.length;
  harness.client('PASV\r\n').server('227 Entering Passive Mode (10,0,0,5,4,1).\r\n');
  expect(harness.toClient.slice(client.length)).toBe(REWRITTEN_227);
  expect(harness.passive.slice(passive)).toEqual([
    {extended: false, serverPort: 1025, replyHost: '10.0.0.5'},
  ]);
}

describe('greeting', () => {
  it.each([
    ['220 FTP server ready\r\n'],
    ['120 Service ready in 1 minute\r\n220 FTP server ready\r\n'],
    ['220-Welcome\r\n220-to this server\r\n220 Ready\r\n'],
    ['421 Too many connections\r\n'],
  ])('%j passes through unchanged', (greeting) => {
    const harness = new Harness().server(greeting);
    expect(harness.summary()).toMatchObject({toClient: greeting, toServer: '', passive: [], warnings: []});
  });

  it('is not taken as the answer to a command sent before it', () => {
    const harness = new Harness()
      .client('PASV\r\n')
      .server('220 Hi\r\n227 Entering Passive Mode (10,0,0,5,4,1)\r\n');
    expect(harness.toServer).toBe('PASV\r\n');
    expect(harness.toClient).toBe(`220 Hi\r\n${REWRITTEN_227}`);
  });
});

describe('passive mode', () => {
  it.each([
    [
      'PASV\r\n',
      '227 Entering Passive Mode (192,168,1,20,195,80).\r\n',
      REWRITTEN_227,
      false,
      50000,
      '192.168.1.20',
    ],
    [
      'pasv\r\n',
      '227 Entering Passive Mode (192,168,1,20,195,80)\r\n',
      REWRITTEN_227,
      false,
      50000,
      '192.168.1.20',
    ],
    ['PASV\r\n', '227 =10,0,0,1,0,21\r\n', REWRITTEN_227, false, 21, '10.0.0.1'],
    ['PASV\n', '227 Entering Passive Mode (10,0,0,1,4,1)\n', REWRITTEN_227, false, 1025, '10.0.0.1'],
    ['EPSV\r\n', '229 Entering Extended Passive Mode (|||50001|)\r\n', REWRITTEN_229, true, 50001, undefined],
    [
      'EPSV 1\r\n',
      '229 Entering Extended Passive Mode (!!!50001!)\r\n',
      REWRITTEN_229,
      true,
      50001,
      undefined,
    ],
    ['EPSV 2\r\n', '229 OK (###2121#)\r\n', REWRITTEN_229, true, 2121, undefined],
  ])('%j answered %j', (command, answer, rewritten, extended, serverPort, replyHost) => {
    const harness = greeted().client(command);
    expect(harness.toServer).toBe(command);
    harness.server(answer);
    expect(harness.toClient).toBe(`220 FTP server ready\r\n${rewritten}`);
    expect(harness.passive).toEqual([{extended, serverPort, replyHost}]);
    expect(harness.warnings).toEqual([]);
  });

  it.each([
    ['PASV', '227 Entering Passive Mode (10,0,0,5,4,1).\r\n'],
    ['EPSV', '229 Entering Extended Passive Mode (|||1025|)\r\n'],
  ])('refuse() after %s gives a 425 line', (command, answer) => {
    const harness = greeted({}, 'the SSH channel could not be opened')
      .client(`${command}\r\n`)
      .server(answer);
    expect(harness.toClient).toBe(
      '220 FTP server ready\r\n425 Cannot forward the data connection through SSH: the SSH channel could not be opened (tunnels).\r\n',
    );
    expect(harness.passive).toHaveLength(1);
  });

  it.each([
    ['NOOP', '227 Entering Passive Mode (10,0,0,5,4,1).\r\n'],
    ['TYPE I', '227 Entering Passive Mode (10,0,0,5,4,1).\r\n'],
    ['NOOP', '229 Entering Extended Passive Mode (|||1025|)\r\n'],
  ])('a reply to %s that looks like %j is withheld: a 425 in its place', (command, answer) => {
    const harness = greeted().client(`${command}\r\n`).server(answer);
    expect(harness.toClient).toBe(`220 FTP server ready\r\n${WITHHELD(answer.slice(0, 3))}`);
    expect(harness.passive).toEqual([]);
    expect(harness.warnings).toEqual([
      expect.stringContaining(`answers ${command.split(' ')[0]}, not PASV or EPSV`),
    ]);
    expectStillRewrites(harness);
  });

  it.each([
    ['EPSV', '227 Entering Passive Mode (10,0,0,5,4,1).\r\n', 'EPSV was answered with 227'],
    ['PASV', '229 Entering Extended Passive Mode (|||1025|)\r\n', 'PASV was answered with 229'],
  ])('%s answered %j, the other kind, gets a 425', (command, answer, reason) => {
    const harness = greeted().client(`${command}\r\n`).server(answer);
    expect(harness.toClient).toBe(`220 FTP server ready\r\n${REFUSED(reason)}`);
    expect(harness.passive).toEqual([]);
    expect(harness.warnings).toEqual([`malformed passive reply from the FTP server: ${reason}`]);
    expectStillRewrites(harness);
  });

  it.each([
    ['227 Entering Passive Mode (10,0,0,5,4,1).\r\n'],
    ['229 Entering Extended Passive Mode (|||1025|)\r\n'],
  ])('drops an unsolicited %j', (answer) => {
    const harness = greeted().server(answer);
    expect(harness.toClient).toBe('220 FTP server ready\r\n');
    expect(harness.passive).toEqual([]);
    expect(harness.warnings).toEqual([
      `dropped a ${answer.slice(0, 3)} reply from the FTP server that answers no command`,
    ]);
    expectStillRewrites(harness);
  });

  it('matches pipelined commands to their replies', () => {
    const harness = greeted().client('NOOP\r\nPASV\r\n');
    expect(harness.toServer).toBe('NOOP\r\nPASV\r\n');
    harness.server('200 NOOP ok\r\n227 Entering Passive Mode (10,0,0,5,4,1)\r\n');
    expect(harness.toClient).toBe(`220 FTP server ready\r\n200 NOOP ok\r\n${REWRITTEN_227}`);
    expect(harness.passive).toEqual([{extended: false, serverPort: 1025, replyHost: '10.0.0.5'}]);
  });

  it('matches a longer pipeline, with preliminary replies, to its replies', () => {
    const harness = greeted()
      .client('TYPE I\r\nPASV\r\nRETR a\r\nEPSV\r\nNOOP\r\n')
      .server(
        '200 Type set to I\r\n227 Entering Passive Mode (10,0,0,5,4,1)\r\n150 Opening\r\n226 Done\r\n' +
          '229 Entering Extended Passive Mode (|||1026|)\r\n227 Entering Passive Mode (10,0,0,5,4,3)\r\n',
      );
    expect(harness.toClient).toBe(
      `220 FTP server ready\r\n200 Type set to I\r\n${REWRITTEN_227}150 Opening\r\n226 Done\r\n${REWRITTEN_229}${WITHHELD('227')}`,
    );
    expect(harness.passive).toEqual([
      {extended: false, serverPort: 1025, replyHost: '10.0.0.5'},
      {extended: true, serverPort: 1026, replyHost: undefined},
    ]);
  });

  it('treats 150 as preliminary: the 226 that follows still answers RETR', () => {
    const harness = greeted().client('PASV\r\n').server('227 Entering Passive Mode (10,0,0,5,4,1)\r\n');
    harness.client('RETR file\r\n').server('150 Opening BINARY mode data connection\r\n');
    harness.server('226 Transfer complete\r\n');
    expect(harness.toClient).toBe(
      `220 FTP server ready\r\n${REWRITTEN_227}150 Opening BINARY mode data connection\r\n226 Transfer complete\r\n`,
    );
    expect(harness.toServer).toBe('PASV\r\nRETR file\r\n');
    expectStillRewrites(harness);
  });

  it.each([
    ['PASV', 'octet 256', '227 Entering Passive Mode (256,0,0,1,4,1).\r\n'],
    ['PASV', 'p1 256', '227 Entering Passive Mode (10,0,0,1,256,1).\r\n'],
    ['PASV', 'port 0', '227 Entering Passive Mode (10,0,0,1,0,0).\r\n'],
    ['PASV', '5 numbers', '227 Entering Passive Mode (10,0,0,1,4).\r\n'],
    ['PASV', '7 numbers', '227 Entering Passive Mode (10,0,0,1,4,1,7).\r\n'],
    ['PASV', 'letters', '227 Entering Passive Mode (10,0,0,x,4,1).\r\n'],
    ['PASV', 'no address', '227 Entering Passive Mode\r\n'],
    ['PASV', 'bare code', '227\r\n'],
    ['EPSV', 'wrong delimiter count', '229 Entering Extended Passive Mode (||1025|)\r\n'],
    ['EPSV', 'mixed delimiters', '229 Entering Extended Passive Mode (|!|1025|)\r\n'],
    ['EPSV', 'port 0', '229 Entering Extended Passive Mode (|||0|)\r\n'],
    ['EPSV', 'port 65536', '229 Entering Extended Passive Mode (|||65536|)\r\n'],
    ['EPSV', 'missing parentheses', '229 Entering Extended Passive Mode |||1025|\r\n'],
  ])('a malformed reply to %s (%s) becomes a 425 and a warning', (command, _name, answer) => {
    const harness = greeted().client(`${command}\r\n`).server(answer);
    const reply = harness.toClient.slice('220 FTP server ready\r\n'.length);
    expect(reply).toMatch(/^425 Cannot forward the data connection: .+ \(tunnels\)\.\r\n$/);
    expect(reply).not.toContain(answer);
    expect(harness.passive).toEqual([]);
    expect(harness.warnings).toEqual([expect.stringContaining('malformed passive reply')]);
    expectStillRewrites(harness);
  });

  it('lets EPSV ALL through and still rewrites the next EPSV', () => {
    const harness = greeted().client('EPSV ALL\r\n');
    expect(harness.toServer).toBe('EPSV ALL\r\n');
    harness.server('200 EPSV ALL ok.\r\n');
    expect(harness.toClient).toBe('220 FTP server ready\r\n200 EPSV ALL ok.\r\n');
    harness.client('EPSV\r\n').server('229 Entering Extended Passive Mode (|||1025|)\r\n');
    expect(harness.toClient).toBe(`220 FTP server ready\r\n200 EPSV ALL ok.\r\n${REWRITTEN_229}`);
    expect(harness.passive).toEqual([{extended: true, serverPort: 1025, replyHost: undefined}]);
  });
});

describe('chunking', () => {
  type Step = ['client' | 'server', string];
  const transcript: Step[] = [
    ['server', '220 FTP server ready\r\n'],
    ['client', 'USER anonymous\r\n'],
    ['server', '331 Password please\r\n'],
    ['client', 'PASS x\r\n'],
    ['server', '230 Logged in\r\n'],
    ['client', 'PASV\r\n'],
    ['server', '227 Entering Passive Mode (192,168,1,20,195,80).\r\n'],
    ['client', 'RETR file\r\n'],
    ['server', '150 Opening\r\n226 Done\r\n'],
    ['client', 'EPSV\r\n'],
    ['server', '229 Entering Extended Passive Mode (|||50001|)\r\n'],
    ['client', 'NOOP\r\n'],
    ['server', '211-Status\r\n 227 (1,2,3,4,5,6)\r\n211 End\r\n'],
    ['client', 'PORT 127,0,0,1,156,70\r\n'],
    ['server', '200 PORT ok\r\n'],
    ['client', 'QUIT\r\n'],
    ['server', '221 Bye\r\n'],
  ];

  function play(split: (step: number, data: Buffer) => Buffer[]) {
    const harness = new Harness();
    for (const [index, [side, data]] of transcript.entries()) {
      for (const piece of split(index, bytes(data))) harness[side](piece);
    }
    return harness.summary();
  }

  const whole = play((_step, data) => [data]);

  it('rewrites the whole transcript', () => {
    expect(whole).toEqual({
      toServer:
        'USER anonymous\r\nPASS x\r\nPASV\r\nRETR file\r\nEPSV\r\nNOOP\r\nPORT 127,0,0,1,156,65\r\nQUIT\r\n',
      toClient:
        '220 FTP server ready\r\n331 Password please\r\n230 Logged in\r\n' +
        `${REWRITTEN_227}150 Opening\r\n226 Done\r\n${REWRITTEN_229}` +
        '211-Status\r\n 227 (1,2,3,4,5,6)\r\n211 End\r\n200 PORT ok\r\n221 Bye\r\n',
      warnings: [],
      passive: [
        {extended: false, serverPort: 50000, replyHost: '192.168.1.20'},
        {extended: true, serverPort: 50001, replyHost: undefined},
      ],
      active: [{extended: false, client: {host: '127.0.0.1', port: 40006}}],
      encrypted: 0,
    });
  });

  it('gives the same output byte by byte', () => {
    expect(play((_step, data) => [...data].map((byte) => Buffer.from([byte])))).toEqual(whole);
  });

  it('gives the same output with any step split at any offset', () => {
    for (const [index, [, data]] of transcript.entries()) {
      for (let offset = 1; offset < data.length; offset++) {
        const split = play((step, buffer) =>
          step === index ? [buffer.subarray(0, offset), buffer.subarray(offset)] : [buffer],
        );
        expect(split, `step ${index} split at ${offset}`).toEqual(whole);
      }
    }
  });

  it('gives the same output with all the server bytes in one chunk and all the client bytes in one chunk', () => {
    const harness = new Harness();
    harness.server(transcript[0]![1]);
    const client = transcript.filter(([side]) => side === 'client').map(([, data]) => data);
    const server = transcript
      .filter(([side], index) => side === 'server' && index > 0)
      .map(([, data]) => data);
    harness.client(client.join('')).server(server.join(''));
    expect(harness.summary()).toEqual(whole);
  });
});

describe('active mode', () => {
  it.each([
    [
      '127.0.0.1',
      'PORT 127,0,0,1,156,70\r\n',
      false,
      {host: '127.0.0.1', port: 40006},
      'PORT 127,0,0,1,156,65\r\n',
    ],
    [
      '::ffff:127.0.0.1',
      'PORT 127,0,0,1,4,0\r\n',
      false,
      {host: '127.0.0.1', port: 1024},
      'PORT 127,0,0,1,156,65\r\n',
    ],
    [
      '10.0.0.9',
      'port 10,0,0,9,255,255\r\n',
      false,
      {host: '10.0.0.9', port: 65535},
      'PORT 127,0,0,1,156,65\r\n',
    ],
    [
      '127.0.0.1',
      'EPRT |1|127.0.0.1|40006|\r\n',
      true,
      {host: '127.0.0.1', port: 40006},
      'EPRT |1|127.0.0.1|40001|\r\n',
    ],
    [
      '::ffff:127.0.0.1',
      'EPRT |1|127.0.0.1|2000|\r\n',
      true,
      {host: '127.0.0.1', port: 2000},
      'EPRT |1|127.0.0.1|40001|\r\n',
    ],
    ['::1', 'EPRT |2|::1|40006|\r\n', true, {host: '::1', port: 40006}, 'EPRT |1|127.0.0.1|40001|\r\n'],
    [
      '::1',
      'EPRT |2|0:0:0:0:0:0:0:1|40006|\r\n',
      true,
      {host: '0:0:0:0:0:0:0:1', port: 40006},
      'EPRT |1|127.0.0.1|40001|\r\n',
    ],
  ])('client %s sending %j', (clientAddress, command, extended, client, sent) => {
    const harness = greeted({clientAddress}).client(command);
    expect(harness.active).toEqual([{extended, client}]);
    expect(harness.toServer).toBe(sent);
    expect(harness.toClient).toBe('220 FTP server ready\r\n');
    expect(harness.warnings).toEqual([]);
    harness.server('200 PORT command successful\r\n');
    expect(harness.toClient).toBe('220 FTP server ready\r\n200 PORT command successful\r\n');
    expectStillRewrites(harness);
  });

  it('sends an IPv6 listener as EPRT |2|', () => {
    const harness = greeted({clientAddress: '::1'}, {host: '::1', port: 40001}).client(
      'EPRT |2|::1|40006|\r\n',
    );
    expect(harness.toServer).toBe('EPRT |2|::1|40001|\r\n');
  });

  it.each([
    ['127.0.0.1', 'PORT 10,0,0,9,156,65\r\n', 'own address'],
    ['127.0.0.1', 'PORT 127,0,0,2,156,65\r\n', 'own address'],
    ['::ffff:127.0.0.1', 'PORT 10,0,0,9,156,65\r\n', 'own address'],
    ['127.0.0.1', 'PORT 127,0,0,1,0,21\r\n', 'below 1024'],
    ['127.0.0.1', 'PORT 127,0,0,1,3,255\r\n', 'below 1024'],
    ['127.0.0.1', 'EPRT |1|10.0.0.9|40001|\r\n', 'own address'],
    ['::1', 'EPRT |2|::2|40001|\r\n', 'own address'],
    ['::1', 'EPRT |1|127.0.0.1|40001|\r\n', 'own address'],
    ['127.0.0.1', 'EPRT |1|127.0.0.1|22|\r\n', 'below 1024'],
  ])('client %s sending %j is answered 504 locally', (clientAddress, command, why) => {
    const harness = greeted({clientAddress}).client(command);
    const verb = command.slice(0, 4);
    expect(harness.toServer).toBe('');
    expect(harness.active).toEqual([]);
    expect(harness.toClient.slice('220 FTP server ready\r\n'.length)).toMatch(
      new RegExp(`^504 ${verb} .*${why}.* \\(tunnels\\)\\.\\r\\n$`),
    );
    expect(harness.warnings).toEqual([expect.stringContaining(`refused ${verb}`)]);
    expectStillRewrites(harness);
  });

  it.each([
    ['PORT 127,0,0,1,4\r\n'],
    ['PORT 127,0,0,1,4,1,7\r\n'],
    ['PORT 127,0,0,256,4,1\r\n'],
    ['PORT 127,0,0,1,0,0\r\n'],
    ['PORT\r\n'],
    ['EPRT |3|127.0.0.1|40001|\r\n'],
    ['EPRT |1|::1|40001|\r\n'],
    ['EPRT |1|127.0.0.1|0|\r\n'],
    ['EPRT |1|127.0.0.1|\r\n'],
    ['EPRT\r\n'],
  ])('malformed %j is answered 501 locally', (command) => {
    const harness = greeted().client(command);
    expect(harness.toServer).toBe('');
    expect(harness.active).toEqual([]);
    expect(harness.toClient.slice('220 FTP server ready\r\n'.length)).toMatch(/^501 .+ \(tunnels\)\.\r\n$/);
    expectStillRewrites(harness);
  });

  it.each([
    ['PO\xff\xf1RT 10,0,0,9,0,21\r\n', 'PORT'],
    ['\xff\xf4\xff\xf2EPRT |1|10.0.0.9|21|\r\n', 'EPRT'],
    ['EP\xff\xfb\x01RT |1|10.0.0.9|21|\r\n', 'EPRT'],
  ])('%j, with Telnet commands inside, is read as the server would read it: 504', (command, verb) => {
    const harness = greeted().client(command);
    expect(harness.toServer).toBe('');
    expect(harness.toClient).toMatch(new RegExp(`\\r\\n504 ${verb} must name this client's own address`));
  });

  it.each([['LPRT 4,4,10,0,0,9,2,0,21\r\n'], ['LPSV\r\n'], ['lpsv\r\n']])(
    '%j (RFC 1639, outside SSH) is answered 502 locally',
    (command) => {
      const harness = greeted().client(command);
      expect(harness.toServer).toBe('');
      expect(harness.toClient.slice('220 FTP server ready\r\n'.length)).toMatch(
        /^502 L(PRT|PSV) is not forwarded through SSH; use EPSV, PASV, EPRT or PORT \(tunnels\)\.\r\n$/,
      );
      expectStillRewrites(harness);
    },
  );

  it('refuse() gives a 425 to the client and nothing to the server', () => {
    const harness = greeted({}, 'remote forwarding was refused').client('PORT 127,0,0,1,156,70\r\n');
    expect(harness.toServer).toBe('');
    expect(harness.toClient).toBe(
      '220 FTP server ready\r\n425 Cannot forward the data connection through SSH: remote forwarding was refused (tunnels).\r\n',
    );
  });

  it('keeps the reply bookkeeping in step after a refused PORT', () => {
    const harness = greeted({}, 'no').client('PORT 127,0,0,1,156,70\r\nPASV\r\n');
    harness.server('227 Entering Passive Mode (10,0,0,5,4,1).\r\n');
    expect(harness.toServer).toBe('PASV\r\n');
    expect(harness.passive).toEqual([{extended: false, serverPort: 1025, replyHost: '10.0.0.5'}]);
  });

  it('matches a pipelined PORT and PASV to their replies', () => {
    const harness = greeted().client('PORT 127,0,0,1,156,70\r\nPASV\r\n');
    expect(harness.toServer).toBe('PORT 127,0,0,1,156,65\r\nPASV\r\n');
    harness.server('200 PORT ok\r\n227 Entering Passive Mode (10,0,0,5,4,1).\r\n');
    expect(harness.toClient).toBe(`220 FTP server ready\r\n200 PORT ok\r\n${REWRITTEN_227}`);
    expect(harness.passive).toEqual([{extended: false, serverPort: 1025, replyHost: '10.0.0.5'}]);
  });
});

describe('AUTH', () => {
  it.each([
    ['AUTH TLS\r\n', '234 AUTH TLS successful\r\n'],
    ['auth ssl\r\n', '234 Proceed\r\n'],
    ['AUTH TLS\r\n', '234-Proceed\r\n234 with TLS\r\n'],
  ])('%j answered %j: encrypted, a warning, then everything passes untouched', (command, answer) => {
    const harness = greeted().client(command).server(answer);
    expect(harness.encrypted).toBe(1);
    expect(harness.rewriter.passthrough).toBe(true);
    expect(harness.warnings).toEqual([expect.stringContaining('encrypted')]);
    expect(harness.toClient).toBe(`220 FTP server ready\r\n${answer}`);

    const fromClient = bytes(
      'PASV\r\nPORT 10,0,0,9,0,21\r\n',
      [0x16, 0x03, 0x01, 0xff, 0x0a],
      'x'.repeat(20000),
    );
    const fromServer = bytes(
      '227 Entering Passive Mode (10,0,0,5,4,1).\r\n',
      [0x16, 0x03, 0x03, 0xff],
      'y'.repeat(20000),
    );
    harness.client(fromClient).server(fromServer);
    expect(harness.toServerBytes).toEqual(Buffer.concat([bytes(command), fromClient]));
    expect(harness.toClientBytes).toEqual(
      Buffer.concat([bytes(`220 FTP server ready\r\n${answer}`), fromServer]),
    );
    expect(harness.passive).toEqual([]);
    expect(harness.active).toEqual([]);
    expect(harness.encrypted).toBe(1);
    expect(harness.warnings).toHaveLength(1);
  });

  it.each([
    ['lines', '227 Entering Passive Mode (10,0,0,5,4,1).\r\n500 x\r\n'],
    ['an unterminated tail', '\x16\x03\x03\x00\x10 227 (10,0,0,5,4,1)'],
    ['lines and a tail', '227 Entering Passive Mode (10,0,0,5,4,1).\r\n\x16\x03'],
    ['a tail over the line bound', `\x16${'z'.repeat(9000)}`],
  ])('passes %s in the same chunk after the 234 untouched', (_name, after) => {
    const harness = greeted().client('AUTH TLS\r\n').server(`234 Go ahead\r\n${after}`);
    expect(harness.toClient).toBe(`220 FTP server ready\r\n234 Go ahead\r\n${after}`);
    expect(harness.passive).toEqual([]);
    expect(harness.encrypted).toBe(1);
  });

  it('passes client bytes that followed AUTH before the 234 untouched', () => {
    const harness = greeted().client('AUTH TLS\r\n\x16\x03\x01');
    expect(harness.toServer).toBe('AUTH TLS\r\n');
    harness.server('234 Go ahead\r\n').client('\x00\x05hello');
    expect(harness.toServer).toBe('AUTH TLS\r\n\x16\x03\x01\x00\x05hello');
  });

  it.each([
    ['504 Not supported\r\n'],
    ['534 Policy refused\r\n'],
    ['334 ADAT needed\r\n'],
    ['500 Unknown command\r\n'],
  ])('AUTH answered %j: rewriting continues', (answer) => {
    const harness = greeted().client('AUTH TLS\r\n').server(answer);
    expect(harness.encrypted).toBe(0);
    expect(harness.rewriter.passthrough).toBe(false);
    expect(harness.toClient).toBe(`220 FTP server ready\r\n${answer}`);
    expectStillRewrites(harness);
  });

  it('a 234 that does not answer AUTH does not encrypt', () => {
    const harness = greeted().client('NOOP\r\n').server('234 odd\r\n');
    expect(harness.encrypted).toBe(0);
    expectStillRewrites(harness);
  });
});

describe('long lines', () => {
  const TOO_LONG = '500 Command line too long (tunnels).\r\n';

  it.each([
    ['in 64 KiB chunks, terminator with the next command', 65536, '\r\nNOOP\r\n'],
    ['in 64 KiB chunks, terminator alone', 65536, ['\r\n', 'NOOP\r\n']],
    ['in 1000-byte chunks', 1000, '\nNOOP\r\n'],
  ])('a 1 MiB client line %s: one 500, nothing to the server', (_name, chunkSize, after) => {
    const harness = greeted();
    harness.client('USER a\r\n');
    const line = Buffer.alloc(1 << 20, 'A');
    for (let offset = 0; offset < line.length; offset += chunkSize) {
      harness.client(line.subarray(offset, offset + chunkSize));
    }
    expect(harness.toServer).toBe('USER a\r\n');
    expect(harness.toClient).toBe(`220 FTP server ready\r\n${TOO_LONG}`);
    expect(harness.warnings).toEqual([expect.stringContaining('8192')]);
    harness.client(...(Array.isArray(after) ? after : [after]));
    expect(harness.toServer).toBe('USER a\r\nNOOP\r\n');
    harness.server('331 Password\r\n200 NOOP ok\r\n');
    expect(harness.toClient).toBe(`220 FTP server ready\r\n${TOO_LONG}331 Password\r\n200 NOOP ok\r\n`);
    expectStillRewrites(harness);
  });

  it('answers each over-long line once', () => {
    const harness = greeted({maxLine: 64});
    harness.client('x'.repeat(65), 'x'.repeat(100), '\r\n');
    harness.client(...[...'y'.repeat(200)], '\n');
    harness.client(`NOOP\r\n${'z'.repeat(65)}`, 'z\r\nPASV\r\n');
    expect(harness.toClient).toBe(`220 FTP server ready\r\n${TOO_LONG}${TOO_LONG}${TOO_LONG}`);
    expect(harness.toServer).toBe('NOOP\r\nPASV\r\n');
    expect(harness.warnings).toHaveLength(3);
  });

  it('forwards a line exactly at the bound', () => {
    const harness = greeted({maxLine: 64});
    const line = `RETR ${'f'.repeat(59)}`;
    expect(line).toHaveLength(64);
    harness.client(...[...line], '\r\n');
    expect(harness.toServer).toBe(`${line}\r\n`);
    expect(harness.toClient).toBe('220 FTP server ready\r\n');
  });

  it('refuses a line over the bound even when it arrives whole with its newline', () => {
    const harness = greeted({maxLine: 64});
    harness.client(`RETR ${'f'.repeat(60)}\r\nNOOP\r\n`);
    expect(harness.toServer).toBe('NOOP\r\n');
    expect(harness.toClient).toBe('220 FTP server ready\r\n500 Command line too long (tunnels).\r\n');
  });

  it('the IAC bytes before ABOR reach the server byte for byte', () => {
    const abort = bytes([0xff, 0xf4, 0xff, 0xf2], 'ABOR\r\n');
    const harness = greeted().client('PASV\r\n').server('227 Entering Passive Mode (10,0,0,5,4,1)\r\n');
    harness.client('RETR big\r\n').server('150 Opening\r\n').client(abort);
    expect(harness.toServerBytes).toEqual(Buffer.concat([bytes('PASV\r\nRETR big\r\n'), abort]));
    harness.server('426 Transfer aborted\r\n226 ABOR ok\r\n');
    expect(harness.toClient).toBe(
      `220 FTP server ready\r\n${REWRITTEN_227}150 Opening\r\n426 Transfer aborted\r\n226 ABOR ok\r\n`,
    );
    expectStillRewrites(harness);
  });

  it.each([
    ['one chunk', 1 << 20],
    ['4 KiB chunks', 4096],
    ['1000-byte chunks', 1000],
  ])('a long multi-line server reply passes through intact in %s', (_name, chunkSize) => {
    const answer = bytes(`214-${'h'.repeat(20000)}\r\n${'i'.repeat(30000)}\r\n214 End\r\n`);
    const harness = greeted().client('HELP\r\n');
    for (let offset = 0; offset < answer.length; offset += chunkSize) {
      harness.server(answer.subarray(offset, offset + chunkSize));
    }
    expect(harness.toClientBytes).toEqual(Buffer.concat([bytes('220 FTP server ready\r\n'), answer]));
    expect(harness.warnings).toEqual([]);
    expectStillRewrites(harness);
  });

  it.each([
    ['one chunk', 1 << 20],
    ['4 KiB chunks', 4096],
    ['1000-byte chunks', 1000],
  ])(
    'a long single-line server reply passes through intact in %s and still answers its command',
    (_name, chunkSize) => {
      const answer = bytes(`550 ${'n'.repeat(20000)}: No such file or directory\r\n`);
      const harness = greeted().client(`CWD ${'n'.repeat(8000)}\r\n`);
      for (let offset = 0; offset < answer.length; offset += chunkSize) {
        harness.server(answer.subarray(offset, offset + chunkSize));
      }
      expect(harness.toClientBytes).toEqual(Buffer.concat([bytes('220 FTP server ready\r\n'), answer]));
      expectStillRewrites(harness);
    },
  );

  it('an over-long greeting is still the greeting', () => {
    const greeting = `220 ${'g'.repeat(10000)}\r\n`;
    const harness = new Harness();
    for (let offset = 0; offset < greeting.length; offset += 1000) {
      harness.server(greeting.slice(offset, offset + 1000));
    }
    expect(harness.toClient).toBe(greeting);
    expectStillRewrites(harness);
  });
});

describe('a hostile FTP server: no 227/229 reaches the client with its own address', () => {
  type Step = ['client' | 'server', string];
  interface Attack {
    name: string;
    /** After the greeting. */
    steps: Step[];
    /** What the client gets after the greeting. */
    toClient: string;
    warnings: Array<string | RegExp>;
    passive?: number;
    maxLine?: number;
  }
  /** Where the hostile replies send the client: a port on its own host, outside SSH. */
  const AROUND = '127,0,0,1,200,10';
  const long = (n: number) => 'x'.repeat(n);
  const malformed = (reason: string) => `malformed passive reply from the FTP server: ${reason}`;
  const dropped = (code: number) => `dropped a ${code} reply from the FTP server that answers no command`;
  const inside = (code: number, block: number) =>
    `withheld a line that reads as a ${code} reply inside the FTP server's multi-line ${block} reply`;

  const ATTACKS: Attack[] = [
    {
      name: 'a multi-line 227 answering PASV, the address on both lines (every client follows it)',
      steps: [
        ['client', 'PASV\r\n'],
        ['server', `227-Entering Passive Mode (${AROUND})\r\n227 Entering Passive Mode (${AROUND})\r\n`],
      ],
      toClient: REFUSED('the 227 reply spans several lines'),
      warnings: [malformed('the 227 reply spans several lines')],
    },
    {
      name: 'a multi-line 227, the address on its first line only (ftplib reads it there)',
      steps: [
        ['client', 'PASV\r\n'],
        ['server', `227-Entering Passive Mode (${AROUND})\r\n227 OK\r\n`],
      ],
      toClient: REFUSED('the 227 reply spans several lines'),
      warnings: [malformed('the 227 reply spans several lines')],
    },
    {
      name: 'a multi-line 227, the address on an unnumbered middle line',
      steps: [
        ['client', 'PASV\r\n'],
        ['server', `227-Here it comes\r\n (${AROUND})\r\n227 Done\r\n`],
      ],
      toClient: REFUSED('the 227 reply spans several lines'),
      warnings: [malformed('the 227 reply spans several lines')],
    },
    {
      name: 'a multi-line 227 whose middle lines read as replies of their own: withheld to its "227 " line',
      steps: [
        ['client', 'PASV\r\n'],
        ['server', `227-x\r\n200 (${AROUND})\r\n2270 (${AROUND})\r\n227-(${AROUND})\r\n227 Done\r\n`],
      ],
      toClient: REFUSED('the 227 reply spans several lines'),
      warnings: [malformed('the 227 reply spans several lines')],
    },
    {
      name: 'a multi-line 229 answering EPSV (curl follows it)',
      steps: [
        ['client', 'EPSV\r\n'],
        [
          'server',
          '229-Entering Extended Passive Mode (|||51210|)\r\n229 Entering Extended Passive Mode (|||51210|)\r\n',
        ],
      ],
      toClient: REFUSED('the 229 reply spans several lines'),
      warnings: [malformed('the 229 reply spans several lines')],
    },
    {
      name: 'a multi-line 227 that answers no command',
      steps: [
        ['server', `227-Entering Passive Mode (${AROUND})\r\n227 Entering Passive Mode (${AROUND})\r\n`],
      ],
      toClient: '',
      warnings: [dropped(227)],
    },
    {
      name: 'an unpadded 227 line inside a 200 reply to PASV (curl and lftp end the reply there)',
      steps: [
        ['client', 'PASV\r\n'],
        ['server', `200-Here\r\n227 Entering Passive Mode (${AROUND})\r\n200 End\r\n`],
      ],
      toClient: '200-Here\r\n200 End\r\n',
      warnings: [inside(227, 200)],
    },
    {
      name: 'unpadded 229 and 227 lines inside a reply to HELP: one warning',
      steps: [
        ['client', 'HELP\r\n'],
        [
          'server',
          `214-Commands:\r\n229 Entering Extended Passive Mode (|||51210|)\r\n227 Entering Passive Mode (${AROUND})\r\n 227 padded\r\n214 End\r\n`,
        ],
      ],
      toClient: '214-Commands:\r\n 227 padded\r\n214 End\r\n',
      warnings: [inside(229, 214)],
    },
    {
      name: '"2270 …" answering PASV (ftplib and lftp read a 227)',
      steps: [
        ['client', 'PASV\r\n'],
        ['server', `2270 Entering Passive Mode (${AROUND})\r\n`],
      ],
      toClient: REFUSED('the reply "2270 Ent" does not start "227 "'),
      warnings: [malformed('the reply "2270 Ent" does not start "227 "')],
    },
    {
      name: '"227(…)" answering PASV',
      steps: [
        ['client', 'PASV\r\n'],
        ['server', `227(${AROUND})\r\n`],
      ],
      toClient: REFUSED('the reply "227(127," does not start "227 "'),
      warnings: [malformed('the reply "227(127," does not start "227 "')],
    },
    {
      name: '"2290 …" answering EPSV',
      steps: [
        ['client', 'EPSV\r\n'],
        ['server', '2290 Entering Extended Passive Mode (|||51210|)\r\n'],
      ],
      toClient: REFUSED('the reply "2290 Ent" does not start "229 "'),
      warnings: [malformed('the reply "2290 Ent" does not start "229 "')],
    },
    {
      // The warning carries the true text (its printer escapes it for a terminal, --json keeps it); the
      // 425 quotes it in printable ASCII only: ESC, a C1 CSI, an IAC (0xff) and BEL as octal.
      name: '"2270" with terminal escapes and an IAC answering PASV: the warning keeps them, the 425 does not',
      steps: [
        ['client', 'PASV\r\n'],
        ['server', '2270\x1b\x9b\xff\xff\x07]0;PWNED\x07\r\n'],
      ],
      toClient: REFUSED('the reply "2270\\033\\233\\377\\007" does not start "227 "'),
      warnings: [malformed('the reply "2270\x1b\x9b\xff\x07" does not start "227 "')],
    },
    {
      name: '"2270 …" that answers no command',
      steps: [['server', `2270 Entering Passive Mode (${AROUND})\r\n`]],
      toClient: '',
      warnings: [dropped(227)],
    },
    {
      name: 'a 200 then an unasked 227, answering EPSV (curl falls back to PASV and reads the 227)',
      steps: [
        ['client', 'EPSV\r\n'],
        ['server', `200 OK\r\n227 Entering Passive Mode (${AROUND})\r\n`],
      ],
      toClient: '200 OK\r\n',
      warnings: [dropped(227)],
    },
    {
      name: 'a 227 sent ahead with the reply to TYPE (ftplib reads it as the answer to its PASV)',
      steps: [
        ['client', 'TYPE I\r\n'],
        ['server', `200 Type set to I\r\n227 Entering Passive Mode (${AROUND})\r\n`],
      ],
      toClient: '200 Type set to I\r\n',
      warnings: [dropped(227)],
    },
    {
      name: 'a 227 behind a lone CR (ftplib ends a line there): the CR becomes a space',
      steps: [
        ['client', 'TYPE I\r\n'],
        ['server', `200 OK\r227 Entering Passive Mode (${AROUND})\r\n`],
      ],
      toClient: `200 OK 227 Entering Passive Mode (${AROUND})\r\n`,
      warnings: [],
    },
    {
      name: 'a 227 with IAC NOP inside its code (lftp takes it out), answering PASV: rewritten',
      steps: [
        ['client', 'PASV\r\n'],
        ['server', `22\xff\xf17 Entering Passive Mode (${AROUND})\r\n`],
      ],
      toClient: REWRITTEN_227,
      warnings: [],
      passive: 1,
    },
    {
      name: 'a 227 with IAC NOP inside its code that answers no command',
      steps: [['server', `22\xff\xf17 Entering Passive Mode (${AROUND})\r\n`]],
      toClient: '',
      warnings: [dropped(227)],
    },
    {
      name: 'IAC WILL before "227" (a careless Telnet reader sees a 227)',
      steps: [
        ['client', 'PASV\r\n'],
        ['server', `\xff\xfb227 Entering Passive Mode (${AROUND})\r\n`],
      ],
      toClient: REFUSED('the reply "27 Enter" does not start "227 "'),
      warnings: [malformed('the reply "27 Enter" does not start "227 "')],
    },
    {
      name: 'a 227 over the bound answering PASV',
      steps: [
        ['client', 'PASV\r\n'],
        ['server', `227 =${AROUND}${' '.repeat(80)}\r\n`],
      ],
      toClient: REFUSED('the 227 reply is over 64 bytes'),
      warnings: [malformed('the 227 reply is over 64 bytes')],
      maxLine: 64,
    },
    {
      name: 'a 227 over the bound, the address at its end',
      steps: [
        ['client', 'PASV\r\n'],
        ['server', `227 Entering Passive Mode ${long(80)}(${AROUND})\r\n`],
      ],
      toClient: REFUSED('the 227 reply is over 64 bytes'),
      warnings: [malformed('the 227 reply is over 64 bytes')],
      maxLine: 64,
    },
    {
      name: 'a 227 over the bound that answers no command, then a reply',
      steps: [
        ['server', `227 ${long(80)}(${AROUND})\r\n`],
        ['client', 'NOOP\r\n'],
        ['server', '200 NOOP ok\r\n'],
      ],
      toClient: '200 NOOP ok\r\n',
      warnings: [dropped(227)],
      maxLine: 64,
    },
    {
      name: 'a multi-line 227 whose first line is over the bound',
      steps: [
        ['client', 'PASV\r\n'],
        ['server', `227-${long(80)}(${AROUND})\r\n227 Done\r\n`],
      ],
      toClient: REFUSED('the 227 reply spans several lines'),
      warnings: [malformed('the 227 reply spans several lines')],
      maxLine: 64,
    },
    {
      name: 'a line over the bound inside a reply to HELP that reads as a 227',
      steps: [
        ['client', 'HELP\r\n'],
        ['server', `214-Help\r\n227 ${long(80)}(${AROUND})\r\n214 End\r\n`],
      ],
      toClient: '214-Help\r\n214 End\r\n',
      warnings: [inside(227, 214)],
      maxLine: 64,
    },
    {
      name: 'a 200 over the bound with a 227 behind a lone CR: passed on, the CR a space',
      steps: [
        ['client', 'TYPE I\r\n'],
        ['server', `200 ${long(80)}\r227 Entering Passive Mode (${AROUND})\r\n`],
      ],
      toClient: `200 ${long(80)} 227 Entering Passive Mode (${AROUND})\r\n`,
      warnings: [],
      maxLine: 64,
    },
    {
      name: 'a 200 over the bound ending in CR CR LF',
      steps: [
        ['client', 'TYPE I\r\n'],
        ['server', `200 ${long(80)}\r\r\n`],
      ],
      toClient: `200 ${long(80)} \r\n`,
      warnings: [],
      maxLine: 64,
    },
  ];

  function play(attack: Attack, split: (step: number, data: Buffer) => Buffer[]) {
    const harness = greeted({maxLine: attack.maxLine});
    for (const [index, [side, data]] of attack.steps.entries()) {
      for (const piece of split(index, bytes(data))) harness[side](piece);
    }
    return harness;
  }

  it.each(ATTACKS)('$name', (attack) => {
    const harness = play(attack, (_step, data) => [data]);
    expect(harness.toClient.slice('220 FTP server ready\r\n'.length)).toBe(attack.toClient);
    expect(harness.warnings).toEqual(attack.warnings);
    expect(harness.passive).toHaveLength(attack.passive ?? 0);
    expectNoPassiveReplyButOurs(harness);
    expectStillRewrites(harness);
    expectNoPassiveReplyButOurs(harness);
  });

  it.each(ATTACKS)('$name: the same byte by byte and split anywhere', (attack) => {
    const whole = play(attack, (_step, data) => [data]).summary();
    const byByte = play(attack, (_step, data) => [...data].map((byte) => Buffer.from([byte])));
    expect(byByte.summary()).toEqual(whole);
    for (const [index, [, data]] of attack.steps.entries()) {
      for (let offset = 1; offset < data.length; offset++) {
        const split = play(attack, (step, buffer) =>
          step === index ? [buffer.subarray(0, offset), buffer.subarray(offset)] : [buffer],
        );
        expect(split.summary(), `step ${index} split at ${offset}`).toEqual(whole);
      }
    }
  });

  it.each([
    ['whole', [`227 =${AROUND}${' '.repeat(9000)}\r\n`]],
    ['in two pieces', [`227 =${AROUND}${' '.repeat(8200)}`, `${' '.repeat(800)}\r\n`]],
    ['in 1000-byte pieces', chunks(`227 =${AROUND}${' '.repeat(9000)}\r\n`, 1000)],
  ])('a 227 over 8 KiB answering PASV, %s, gets a 425, and the next line is read', (_name, pieces) => {
    const harness = greeted()
      .client('PASV\r\n')
      .server(...pieces);
    expect(harness.toClient).toBe(`220 FTP server ready\r\n${REFUSED('the 227 reply is over 8192 bytes')}`);
    expectStillRewrites(harness);
  });

  it.each([
    ['a 227', `227 Entering Passive Mode (${AROUND})\r\n`],
    [
      'a multi-line 227',
      `227-Entering Passive Mode (${AROUND})\r\n227 Entering Passive Mode (${AROUND})\r\n`,
    ],
    ['a 229', '229 Entering Extended Passive Mode (|||51210|)\r\n'],
  ])('%s before the greeting is dropped; the greeting still comes', (_name, answer) => {
    const harness = new Harness().client('USER a\r\n').server(answer, '220 Hi\r\n331 Password\r\n');
    expect(harness.toClient).toBe('220 Hi\r\n331 Password\r\n');
    expect(harness.warnings).toEqual([dropped(Number(answer.slice(0, 3)))]);
    expectStillRewrites(harness);
  });

  it('a hostile reply between two rewritten ones leaves the bookkeeping in step', () => {
    const harness = greeted()
      .client('PASV\r\nNOOP\r\nEPSV\r\nPASV\r\n')
      .server(
        `227 Entering Passive Mode (10,0,0,5,4,1)\r\n227-(${AROUND})\r\n227 x\r\n` +
          '229 Entering Extended Passive Mode (|||1026|)\r\n' +
          `2270 (${AROUND})\r\n`,
      );
    expect(harness.toClient).toBe(
      `220 FTP server ready\r\n${REWRITTEN_227}${WITHHELD('227')}${REWRITTEN_229}` +
        REFUSED('the reply "2270 (12" does not start "227 "'),
    );
    expectNoPassiveReplyButOurs(harness);
    expectStillRewrites(harness);
  });
});

function chunks(text: string, size: number): string[] {
  const pieces: string[] = [];
  for (let offset = 0; offset < text.length; offset += size) pieces.push(text.slice(offset, offset + size));
  return pieces;
}

/**
 * Every line the client got that some client could read as a 227 or 229 reply is the rewriter's own
 * (lines split at LF and at a lone CR, as ftplib splits them).
 */
function expectNoPassiveReplyButOurs(harness: Harness): void {
  for (const line of harness.toClient.split(/\r\n|\r|\n/)) {
    if (passiveReplyCode(Buffer.from(line, 'latin1')) !== undefined) {
      expect([REWRITTEN_227, REWRITTEN_229]).toContain(`${line}\r\n`);
    }
  }
}
