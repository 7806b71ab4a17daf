import {describe, expect, it} from 'vitest';
import {
  formatEprtCommand,
  formatEpsvReply,
  formatPasvReply,
  formatPortCommand,
  formatReply,
  LineSplitter,
  lineText,
  MAX_LINE_BYTES,
  parseCommand,
  parseEprtArgument,
  parseEpsvReply,
  parsePasvReply,
  parsePortArgument,
  parseReplyLine,
  passiveReplyCode,
  sameAddress,
  spaceLoneCr,
} from '../../../source/core/protocols/ftp-lines.js';

const bytes = (...parts: Array<number[] | string>) =>
  Buffer.concat(
    parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part))),
  );
const text = (buffers: Buffer[]) => buffers.map((buffer) => buffer.toString('latin1'));

/** Pushes the pieces one by one and gathers every line and overflow. */
function split(pieces: Buffer[], maxLine?: number): {lines: string[]; overflows: string[]} {
  const splitter = new LineSplitter(maxLine);
  const lines: string[] = [];
  const overflows: string[] = [];
  for (const piece of pieces) {
    const result = splitter.push(piece);
    lines.push(...text(result.lines));
    if (result.overflow) overflows.push(result.overflow.toString('latin1'));
  }
  return {lines, overflows};
}

const byteByByte = (buffer: Buffer) => [...buffer].map((byte) => Buffer.from([byte]));

describe('LineSplitter', () => {
  it.each([
    ['CRLF', 'USER anonymous\r\nPASS x\r\n', ['USER anonymous\r\n', 'PASS x\r\n']],
    ['bare LF', 'USER anonymous\nPASS x\n', ['USER anonymous\n', 'PASS x\n']],
    ['mixed terminators', 'NOOP\nPASV\r\nQUIT\n', ['NOOP\n', 'PASV\r\n', 'QUIT\n']],
    ['an empty line', '\r\n\n', ['\r\n', '\n']],
    ['a lone CR is not a terminator', 'A\rB\r\n', ['A\rB\r\n']],
    ['an unterminated tail is held back', 'NOOP\r\nPAS', ['NOOP\r\n']],
    ['nothing', '', []],
  ])('%s', (_name, input, expected) => {
    expect(split([bytes(input)])).toEqual({lines: expected, overflows: []});
  });

  const stream = bytes('220 Welcome\r\n227 Entering Passive Mode (1,2,3,4,5,6).\r\n\n221 Bye\n');
  const streamLines = ['220 Welcome\r\n', '227 Entering Passive Mode (1,2,3,4,5,6).\r\n', '\n', '221 Bye\n'];

  it('gives the same lines however the bytes are split in two', () => {
    for (let offset = 0; offset <= stream.length; offset++) {
      expect(split([stream.subarray(0, offset), stream.subarray(offset)]), `split at ${offset}`).toEqual({
        lines: streamLines,
        overflows: [],
      });
    }
  });

  it('gives the same lines however the bytes are split in three', () => {
    for (let first = 0; first <= stream.length; first++) {
      for (let second = first; second <= stream.length; second++) {
        const pieces = [stream.subarray(0, first), stream.subarray(first, second), stream.subarray(second)];
        expect(split(pieces).lines, `split at ${first} and ${second}`).toEqual(streamLines);
      }
    }
  });

  it('gives the same lines byte by byte', () => {
    expect(split(byteByByte(stream))).toEqual({lines: streamLines, overflows: []});
  });

  it('returns lines as copies or views of exactly their bytes', () => {
    const splitter = new LineSplitter();
    splitter.push(bytes('US'));
    const {lines} = splitter.push(bytes('ER a\r\nPASS b\r\n'));
    expect(lines.map((line) => line.length)).toEqual([8, 8]);
    expect(text(lines)).toEqual(['USER a\r\n', 'PASS b\r\n']);
  });

  describe('the bound', () => {
    it.each([
      ['exactly at the bound, in one piece', ['x'.repeat(16)], [], []],
      ['exactly at the bound, byte by byte', [...'x'.repeat(16)], [], []],
      ['exactly at the bound, then its LF', ['x'.repeat(16), '\n'], [`${'x'.repeat(16)}\n`], []],
      [
        'a terminated line longer than the bound in one piece',
        [`${'x'.repeat(40)}\n`],
        [`${'x'.repeat(40)}\n`],
        [],
      ],
      ['one over the bound', ['x'.repeat(17)], [], ['x'.repeat(17)]],
      [
        'over the bound across pieces',
        ['x'.repeat(10), 'y'.repeat(7)],
        [],
        [`${'x'.repeat(10)}${'y'.repeat(7)}`],
      ],
      ['over the bound byte by byte', [...'z'.repeat(17)], [], ['z'.repeat(17)]],
      ['lines before the overflow are kept', [`NOOP\r\n${'x'.repeat(20)}`], ['NOOP\r\n'], ['x'.repeat(20)]],
      [
        'state is reset after an overflow',
        ['x'.repeat(17), 'ab\r\n', 'cd\n'],
        ['ab\r\n', 'cd\n'],
        ['x'.repeat(17)],
      ],
      [
        'each overlong stretch is reported separately',
        ['x'.repeat(17), 'y'.repeat(17), 'ok\n'],
        ['ok\n'],
        ['x'.repeat(17), 'y'.repeat(17)],
      ],
    ])('%s', (_name, pieces, lines, overflows) => {
      expect(
        split(
          pieces.map((piece) => bytes(piece)),
          16,
        ),
      ).toEqual({lines, overflows});
    });

    it('defaults to 8 KiB', () => {
      expect(MAX_LINE_BYTES).toBe(8192);
      expect(split([bytes('a'.repeat(8192))])).toEqual({lines: [], overflows: []});
      expect(split([bytes('a'.repeat(8193))]).overflows).toEqual(['a'.repeat(8193)]);
    });
  });
});

describe('lineText', () => {
  it.each([
    ['CRLF', 'USER anonymous\r\n', 'USER anonymous'],
    ['bare LF', 'USER anonymous\n', 'USER anonymous'],
    ['no terminator', 'USER anonymous', 'USER anonymous'],
    ['only CRLF', '\r\n', ''],
    ['empty', '', ''],
    ['only one terminator is stripped', 'NOOP\r\r\n', 'NOOP\r'],
    ['latin1 bytes', 'RETR caf\xe9\r\n', 'RETR caf\xe9'],
    ['IAC IP IAC DM before ABOR', [0xff, 0xf4, 0xff, 0xf2, 'ABOR\r\n'], 'ABOR'],
    ['IAC IP before ABOR', [0xff, 0xf4, 'ABOR\r\n'], 'ABOR'],
    ['IAC DM before ABOR', [0xff, 0xf2, 'ABOR\r\n'], 'ABOR'],
    ['IAC IAC is an escaped 0xff data byte, kept once', [0xff, 0xff, 'ABOR\r\n'], '\xffABOR'],
    ['IAC IP then IAC IAC', [0xff, 0xf4, 0xff, 0xff, 'X\r\n'], '\xffX'],
    ['IAC in the middle of the line is taken out', ['NOOP ', 0xff, 0xf4, '\r\n'], 'NOOP '],
    ['IAC inside a verb', ['PO', 0xff, 0xf1, 'RT 1,2,3,4,5,6\r\n'], 'PORT 1,2,3,4,5,6'],
    ['IAC WILL/WONT/DO/DONT take an option byte', ['A', 0xff, 0xfb, 0x01, 'B', 0xff, 0xfe, 0x22, 'C'], 'ABC'],
    ['IAC IAC in the middle', ['STOR a', 0xff, 0xff, 'b\r\n'], 'STOR a\xffb'],
    ['a lone IAC at the end', ['NOOP', 0xff, '\r\n'], 'NOOP'],
    ['IAC WILL cut short by the end of the line', ['NOOP', 0xff, 0xfb, '\r\n'], 'NOOP'],
  ])('%s', (_name, input, expected) => {
    const parts = Array.isArray(input) ? input : [input];
    expect(lineText(bytes(...parts.map((part) => (typeof part === 'number' ? [part] : part))))).toBe(
      expected,
    );
  });
});

describe('passiveReplyCode', () => {
  it.each([
    ['227 Entering Passive Mode (1,2,3,4,5,6)\r\n', 227],
    ['229 Entering Extended Passive Mode (|||1025|)\r\n', 229],
    ['227-the first line of several\r\n', 227],
    ['227\r\n', 227],
    ['2270 four digits (ftplib reads a 227)', 227],
    ['227(1,2,3,4,5,6)', 227],
    ['2290', 229],
    [['22', 0xff, 0xf1, '7 IAC NOP inside (lftp reads a 227)'], 227],
    [[0xff, 0xf4, 0xff, 0xf2, '229 after IAC IP IAC DM'], 229],
    [[0xff, 0xfb, '227 IAC WILL takes the 2, a careless reader does not'], 227],
    [['2', 0xff, 0xfb, 0x01, '29 IAC WILL and its option'], 229],
    [[0xff, 0xff, '227 an escaped 0xff first'], undefined],
    [' 227 padded', undefined],
    ['228 Entering Long Passive Mode', undefined],
    ['200 227 later in the line', undefined],
    ['22 7', undefined],
    ['22', undefined],
    ['', undefined],
  ])('%j', (input, expected) => {
    const parts = Array.isArray(input) ? input : [input];
    expect(passiveReplyCode(bytes(...parts.map((part) => (typeof part === 'number' ? [part] : part))))).toBe(
      expected,
    );
  });
});

describe('spaceLoneCr', () => {
  it.each([
    ['no CR', 'abc', 'abc'],
    ['CRLF is kept', '200 OK\r\n', '200 OK\r\n'],
    [
      'a lone CR becomes a space',
      '200 OK\r227 Entering Passive Mode\r\n',
      '200 OK 227 Entering Passive Mode\r\n',
    ],
    ['CR CR LF', '200 OK\r\r\n', '200 OK \r\n'],
    ['CR NUL', 'a\r\x00b\n', 'a \x00b\n'],
    ['a CR that ends the bytes is left to the caller', '200 OK\r', '200 OK\r'],
    ['several', '\ra\rb\r\n\r', ' a b\r\n\r'],
  ])('%s', (_name, input, expected) => {
    expect(spaceLoneCr(bytes(input)).toString('latin1')).toBe(expected);
  });

  it('returns the same buffer when nothing changes, and never changes its input', () => {
    const clean = bytes('200 OK\r\n');
    expect(spaceLoneCr(clean)).toBe(clean);
    const lone = bytes('a\rb\r\n');
    spaceLoneCr(lone);
    expect(lone.toString('latin1')).toBe('a\rb\r\n');
  });
});

describe('parseCommand', () => {
  it.each([
    ['USER anonymous', 'USER', 'anonymous'],
    ['pasv', 'PASV', ''],
    ['Epsv ALL', 'EPSV', 'ALL'],
    ['STOR a file name', 'STOR', 'a file name'],
    ['  NOOP', 'NOOP', ''],
    ['PORT 127,0,0,1,4,1', 'PORT', '127,0,0,1,4,1'],
    ['EPRT |1|127.0.0.1|1025|', 'EPRT', '|1|127.0.0.1|1025|'],
    ['', '', ''],
  ])('%j', (input, verb, argument) => {
    expect(parseCommand(input)).toEqual({verb, argument});
  });
});

describe('parseReplyLine', () => {
  it.each([
    ['220 Welcome', {code: 220, continues: false}],
    ['211-Features:', {code: 211, continues: true}],
    ['211 End', {code: 211, continues: false}],
    ['227', {code: 227, continues: false}],
    ['150 Opening BINARY mode data connection', {code: 150, continues: false}],
    [' 211 indented', undefined],
    ['21 short', undefined],
    ['2200 four digits', undefined],
    ['abc', undefined],
    ['', undefined],
    [' MDTM', undefined],
  ])('%j', (input, expected) => {
    expect(parseReplyLine(input)).toEqual(expected);
  });
});

describe('parsePasvReply', () => {
  it.each([
    ['227 Entering Passive Mode (192,168,1,2,4,1).', '192.168.1.2', 1025],
    ['227 Entering Passive Mode (192,168,1,2,4,1)', '192.168.1.2', 1025],
    ['227 Entering Passive Mode 192,168,1,2,4,1', '192.168.1.2', 1025],
    ['227 Entering Passive Mode 192,168,1,2,4,1.', '192.168.1.2', 1025],
    ['227 =192,168,1,2,4,1', '192.168.1.2', 1025],
    ['227 Entering Passive Mode (192, 168, 1, 2, 4, 1).', '192.168.1.2', 1025],
    ['227 Entering Passive Mode (192 , 168 , 1 , 2 , 4 , 1)', '192.168.1.2', 1025],
    ['227 OK (127,0,0,1,156,65)', '127.0.0.1', 40001],
    ['227 Entering Passive Mode (0,0,0,0,255,255)', '0.0.0.0', 65535],
    ['227 Entering Passive Mode (10,0,0,1,0,1)', '10.0.0.1', 1],
    ['227 Entering Passive Mode (255,255,255,255,1,0)', '255.255.255.255', 256],
  ])('%j', (input, host, port) => {
    expect(parsePasvReply(input)).toEqual({ok: true, value: {host, port}});
  });

  it.each([
    ['octet 256', '227 Entering Passive Mode (256,0,0,1,4,1).'],
    ['last octet 256', '227 Entering Passive Mode (127,0,0,256,4,1).'],
    ['p1 256', '227 Entering Passive Mode (127,0,0,1,256,1).'],
    ['p2 256', '227 Entering Passive Mode (127,0,0,1,4,256).'],
    ['port 0', '227 Entering Passive Mode (127,0,0,1,0,0).'],
    ['5 numbers', '227 Entering Passive Mode (127,0,0,1,4).'],
    ['7 numbers', '227 Entering Passive Mode (127,0,0,1,4,1,7).'],
    ['letters', '227 Entering Passive Mode (127,0,0,a,4,1).'],
    ['hex', '227 Entering Passive Mode (0x7f,0,0,1,4,1).'],
    ['a negative number', '227 Entering Passive Mode (127,0,0,-1,4,1).'],
    ['no address', '227 Entering Passive Mode.'],
    ['dotted address', '227 Entering Passive Mode (127.0.0.1:1025).'],
    ['bare code', '227'],
  ])('%s', (_name, input) => {
    expect(parsePasvReply(input).ok).toBe(false);
  });
});

describe('parsePortArgument', () => {
  it.each([
    ['127,0,0,1,156,65', '127.0.0.1', 40001],
    ['10,1,2,3,4,1', '10.1.2.3', 1025],
    [' 127, 0, 0, 1, 4, 1 ', '127.0.0.1', 1025],
    ['255,255,255,255,255,255', '255.255.255.255', 65535],
  ])('%j', (input, host, port) => {
    expect(parsePortArgument(input)).toEqual({ok: true, value: {host, port}});
  });

  it.each([
    ['empty', ''],
    ['5 numbers', '127,0,0,1,4'],
    ['7 numbers', '127,0,0,1,4,1,7'],
    ['octet 256', '127,0,0,256,4,1'],
    ['p2 256', '127,0,0,1,1,256'],
    ['port 0', '127,0,0,1,0,0'],
    ['letters', '127,0,0,1,4,x'],
    ['dotted address', '127.0.0.1,4,1'],
    ['parentheses', '(127,0,0,1,4,1)'],
    ['a trailing comma', '127,0,0,1,4,1,'],
    ['words after it', '127,0,0,1,4,1 please'],
  ])('%s', (_name, input) => {
    expect(parsePortArgument(input).ok).toBe(false);
  });
});

describe('parseEpsvReply', () => {
  it.each([
    ['229 Entering Extended Passive Mode (|||6446|)', 6446],
    ['229 Entering Extended Passive Mode (|||6446|).', 6446],
    ['229 Entering Extended Passive Mode (!!!6446!)', 6446],
    ['229 Entering Extended Passive Mode (###1#)', 1],
    ['229 Entering Extended Passive Mode (~~~65535~)', 65535],
    ['229 Entering Extended Passive Mode (%%%40001%)', 40001],
    ['229 (|||21|)', 21],
  ])('%j', (input, port) => {
    expect(parseEpsvReply(input)).toEqual({ok: true, value: port});
  });

  it.each([
    ['two leading delimiters', '229 Entering Extended Passive Mode (||6446|)'],
    ['four leading delimiters', '229 Entering Extended Passive Mode (||||6446|)'],
    ['no closing delimiter', '229 Entering Extended Passive Mode (|||6446)'],
    ['mixed delimiters', '229 Entering Extended Passive Mode (|!|6446|)'],
    ['mixed closing delimiter', '229 Entering Extended Passive Mode (|||6446!)'],
    ['space delimiter', '229 Entering Extended Passive Mode (   6446 )'],
    ['port 0', '229 Entering Extended Passive Mode (|||0|)'],
    ['port 65536', '229 Entering Extended Passive Mode (|||65536|)'],
    ['no port', '229 Entering Extended Passive Mode (||||)'],
    ['letters', '229 Entering Extended Passive Mode (|||abc|)'],
    ['missing parentheses', '229 Entering Extended Passive Mode |||6446|'],
    ['missing closing parenthesis', '229 Entering Extended Passive Mode (|||6446|'],
    ['a network address', '229 Entering Extended Passive Mode (|1|127.0.0.1|6446|)'],
    ['nothing', '229'],
  ])('%s', (_name, input) => {
    expect(parseEpsvReply(input).ok).toBe(false);
  });
});

describe('parseEprtArgument', () => {
  it.each([
    ['|1|132.235.1.2|6275|', 1, '132.235.1.2', 6275],
    ['|2|1080::8:800:200C:417A|5282|', 2, '1080::8:800:200C:417A', 5282],
    ['|2|::1|40001|', 2, '::1', 40001],
    ['|2|::ffff:127.0.0.1|40001|', 2, '::ffff:127.0.0.1', 40001],
    ['!1!127.0.0.1!1024!', 1, '127.0.0.1', 1024],
    [' |1|10.0.0.1|65535| ', 1, '10.0.0.1', 65535],
    ['|1|10.0.0.1|1|', 1, '10.0.0.1', 1],
  ])('%j', (input, family, host, port) => {
    expect(parseEprtArgument(input)).toEqual({ok: true, value: {family, host, port}});
  });

  it.each([
    ['family 3', '|3|1.2.3.4|1025|'],
    ['family 0', '|0|1.2.3.4|1025|'],
    ['IPv6 address for family 1', '|1|::1|1025|'],
    ['IPv4 address for family 2', '|2|1.2.3.4|1025|'],
    ['not an address', '|1|1.2.3.999|1025|'],
    ['a host name', '|1|localhost|1025|'],
    ['port 0', '|1|1.2.3.4|0|'],
    ['port 65536', '|1|1.2.3.4|65536|'],
    ['negative port', '|1|1.2.3.4|-1|'],
    ['letters for the port', '|1|1.2.3.4|abc|'],
    ['empty port', '|1|1.2.3.4||'],
    ['three fields', '|1|1.2.3.4|'],
    ['five fields', '|1|1.2.3.4|1025|6|'],
    ['no leading delimiter', '1|1.2.3.4|1025|'],
    ['no trailing delimiter', '|1|1.2.3.4|1025'],
    ['mixed delimiters', '|1!1.2.3.4|1025|'],
    ['a space delimiter', ' 1 1.2.3.4 1025 '],
    ['empty', ''],
  ])('%s', (_name, input) => {
    expect(parseEprtArgument(input).ok).toBe(false);
  });
});

describe('formatters', () => {
  it.each([
    [formatPasvReply('127.0.0.1', 40001), '227 Entering Passive Mode (127,0,0,1,156,65).\r\n'],
    [formatPasvReply('10.0.0.2', 1), '227 Entering Passive Mode (10,0,0,2,0,1).\r\n'],
    [formatPasvReply('255.255.255.255', 65535), '227 Entering Passive Mode (255,255,255,255,255,255).\r\n'],
    [formatEpsvReply(40001), '229 Entering Extended Passive Mode (|||40001|)\r\n'],
    [formatEpsvReply(1), '229 Entering Extended Passive Mode (|||1|)\r\n'],
    [formatPortCommand('10.1.2.3', 1025), 'PORT 10,1,2,3,4,1\r\n'],
    [formatPortCommand('127.0.0.1', 40001), 'PORT 127,0,0,1,156,65\r\n'],
    [formatPortCommand('127.0.0.1', 256), 'PORT 127,0,0,1,1,0\r\n'],
    [formatEprtCommand('127.0.0.1', 40001), 'EPRT |1|127.0.0.1|40001|\r\n'],
    [formatEprtCommand('::1', 40001), 'EPRT |2|::1|40001|\r\n'],
    [formatEprtCommand('2001:db8::5', 1025), 'EPRT |2|2001:db8::5|1025|\r\n'],
  ])('%#: %j', (formatted, expected) => {
    expect(formatted).toEqual(Buffer.from(expected, 'latin1'));
  });

  it.each([
    ['127.0.0.1', 40001],
    ['192.168.0.1', 1],
    ['0.0.0.0', 65535],
    ['10.20.30.40', 256],
  ])('227 and PORT round-trip %s:%d', (host, port) => {
    expect(parsePasvReply(formatPasvReply(host, port).toString('latin1'))).toEqual({
      ok: true,
      value: {host, port},
    });
    expect(parsePortArgument(parseCommand(lineText(formatPortCommand(host, port))).argument)).toEqual({
      ok: true,
      value: {host, port},
    });
  });

  it.each([
    ['127.0.0.1', 40001, 1],
    ['::1', 1025, 2],
    ['2001:db8::5', 65535, 2],
  ])('229 and EPRT round-trip %s:%d', (host, port, family) => {
    expect(parseEpsvReply(lineText(formatEpsvReply(port)))).toEqual({ok: true, value: port});
    expect(parseEprtArgument(parseCommand(lineText(formatEprtCommand(host, port))).argument)).toEqual({
      ok: true,
      value: {family, host, port},
    });
  });
});

describe('formatReply', () => {
  it.each([
    ['425 Plain text (tunnels).', '425 Plain text (tunnels).'],
    // A CR or LF would end the reply early and start one the server chose.
    ['425 a\r\n227 (127,0,0,1,200,10)', '425 a\\015\\012227 (127,0,0,1,200,10)'],
    ['425 \x1b]0;title\x07 \x9b31m \x00 \x7f', '425 \\033]0;title\\007 \\23331m \\000 \\177'],
    // 0xff would be read as a Telnet IAC; other bytes above 0x7f are escaped too, and beyond latin1 as \u.
    ['425 \xff\xf4 \xe9 \u202e', '425 \\377\\364 \\351 \\u202e'],
  ])('%j is written as %j', (text, expected) => {
    const line = formatReply(text);
    expect(line.toString('latin1')).toBe(`${expected}\r\n`);
    expect([...line.subarray(0, -2)].every((byte) => byte >= 0x20 && byte <= 0x7e)).toBe(true);
  });
});

describe('sameAddress', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1', true],
    ['::ffff:127.0.0.1', '127.0.0.1', true],
    ['127.0.0.1', '::ffff:127.0.0.1', true],
    ['::FFFF:127.0.0.1', '127.0.0.1', true],
    ['::ffff:10.0.0.1', '::ffff:10.0.0.1', true],
    ['::1', '::1', true],
    ['0:0:0:0:0:0:0:1', '::1', true],
    ['::1', '0000:0000:0000:0000:0000:0000:0000:0001', true],
    ['2001:DB8::1', '2001:db8:0:0:0:0:0:1', true],
    ['2001:0db8::0001', '2001:db8::1', true],
    ['fe80:0:0:0:1:0:0:0', 'fe80::1:0:0:0', true],
    ['127.0.0.1', '127.0.0.2', false],
    ['::1', '127.0.0.1', false],
    ['::ffff:127.0.0.1', '::1', false],
    ['::ffff:10.0.0.1', '10.0.0.2', false],
    ['2001:db8::1', '2001:db8::2', false],
    ['10.0.0.1', '10.0.0.10', false],
  ])('%s vs %s', (a, b, expected) => {
    expect(sameAddress(a, b)).toBe(expected);
    expect(sameAddress(b, a)).toBe(expected);
  });
});
