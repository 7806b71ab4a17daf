import {describe, expect, it} from 'vitest';
import type {HostPort} from '../../source/core/ftp-lines.js';
import {type FtpAction, FtpControlRewriter, type FtpRewriterOptions} from '../../source/core/ftp-rewriter.js';

type Passive = Extract<FtpAction, {kind: 'passive'}>;
type Active = Extract<FtpAction, {kind: 'active'}>;

/** Where the owner listens for a passive data connection / where the SSH server listens for an active one. */
const LISTENING: HostPort = {host: '127.0.0.1', port: 40001};
const REWRITTEN_227 = '227 Entering Passive Mode (127,0,0,1,156,65).\r\n';
const REWRITTEN_229 = '229 Entering Extended Passive Mode (|||40001|)\r\n';

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
    ['227 Entering Passive Mode (10,0,0,5,4,1).\r\n'],
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
    ['EPSV', '227 Entering Passive Mode (10,0,0,5,4,1).\r\n'],
    ['NOOP', '229 Entering Extended Passive Mode (|||1025|)\r\n'],
    ['PASV', '229 Entering Extended Passive Mode (|||1025|)\r\n'],
  ])('a reply to %s that looks like %j passes unmodified', (command, answer) => {
    const harness = greeted().client(`${command}\r\n`).server(answer);
    expect(harness.toClient).toBe(`220 FTP server ready\r\n${answer}`);
    expect(harness.passive).toEqual([]);
    expectStillRewrites(harness);
  });

  it('passes an unsolicited 227 unmodified', () => {
    const harness = greeted().server('227 Entering Passive Mode (10,0,0,5,4,1).\r\n');
    expect(harness.toClient).toBe('220 FTP server ready\r\n227 Entering Passive Mode (10,0,0,5,4,1).\r\n');
    expect(harness.passive).toEqual([]);
  });

  it.each([
    ['PASV', '227-Entering Passive Mode (10,0,0,5,4,1)\r\n227 Entering Passive Mode (10,0,0,5,4,1)\r\n'],
    ['PASV', '227-Here it comes\r\n 227 Entering Passive Mode (10,0,0,5,4,1)\r\n227 Done\r\n'],
    [
      'EPSV',
      '229-Entering Extended Passive Mode (|||1025|)\r\n229 Entering Extended Passive Mode (|||1025|)\r\n',
    ],
    ['HELP', '214-Commands:\r\n227 Entering Passive Mode (10,0,0,5,4,1)\r\n214 End\r\n'],
  ])('a multi-line reply to %s is never rewritten: %j', (command, answer) => {
    const harness = greeted().client(`${command}\r\n`).server(answer);
    expect(harness.toClient).toBe(`220 FTP server ready\r\n${answer}`);
    expect(harness.passive).toEqual([]);
    expect(harness.warnings).toEqual([]);
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
      `220 FTP server ready\r\n200 Type set to I\r\n${REWRITTEN_227}150 Opening\r\n226 Done\r\n${REWRITTEN_229}227 Entering Passive Mode (10,0,0,5,4,3)\r\n`,
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
