import {describe, expect, it} from 'vitest';
import {
  ownersIn,
  type ProcNetFile,
  procNetAddress,
  socketKey,
  socketOwner,
} from '../../../source/core/protocols/proc-net-tcp.js';

describe('procNetAddress: an address as /proc/net/tcp and tcp6 print it', () => {
  it.each<[string, ProcNetFile, boolean, string | undefined]>([
    ['127.0.0.1', 'tcp', true, '0100007F'],
    ['127.0.0.1', 'tcp', false, '7F000001'],
    ['10.213.5.2', 'tcp', true, '0205D50A'],
    ['192.168.255.1', 'tcp', true, '01FFA8C0'],
    ['0.0.0.0', 'tcp', true, '00000000'],
    // A dual-stack socket's IPv4 peer, in tcp6: ::ffff:a.b.c.d, each 32-bit word in the machine's order.
    ['127.0.0.1', 'tcp6', true, '0000000000000000FFFF00000100007F'],
    ['127.0.0.1', 'tcp6', false, '00000000000000000000FFFF7F000001'],
    ['::ffff:127.0.0.1', 'tcp6', true, '0000000000000000FFFF00000100007F'],
    ['::FFFF:7f00:1', 'tcp6', true, '0000000000000000FFFF00000100007F'],
    ['::ffff:127.0.0.1', 'tcp', true, '0100007F'],
    ['::1', 'tcp6', true, '00000000000000000000000001000000'],
    ['::1', 'tcp6', false, '00000000000000000000000000000001'],
    ['2001:db8::5', 'tcp6', true, 'B80D0120000000000000000005000000'],
    ['2001:db8:0:0:1:2:3:4', 'tcp6', true, 'B80D0120000000000200010004000300'],
    ['fe80::1%eth0', 'tcp6', true, '000080FE000000000000000001000000'],
    ['::', 'tcp6', true, '00000000000000000000000000000000'],
    // What cannot be in the file at all.
    ['::1', 'tcp', true, undefined],
    ['2001:db8::5', 'tcp', true, undefined],
    ['localhost', 'tcp', true, undefined],
    ['?', 'tcp6', true, undefined],
    ['', 'tcp', true, undefined],
  ])('%s in %s (little-endian %s) is %s', (address, file, littleEndian, expected) => {
    expect(procNetAddress(address, file, littleEndian)).toBe(expected);
  });
});

const HEADER =
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const line = (sl: number, local: string, remote: string, state: string, uid: number | string) =>
  `${String(sl).padStart(4)}: ${local} ${remote} ${state} 00000000:00000000 00:00000000 00000000 ${String(uid).padStart(5)}        0 ${1000 + sl} 1 000000004d350b6d 20 4 31 18 -1\n`;

describe('socketOwner: the uid that owns one socket, by its two ends', () => {
  // A client 127.0.0.1:55000 (D6D8) connected to our listener 127.0.0.1:40000 (9C40).
  const client = {address: '127.0.0.1', port: 55000};
  const listener = {address: '127.0.0.1', port: 40000};
  const table =
    HEADER +
    line(0, '0100007F:9C40', '00000000:0000', '0A', 0) +
    // Our accepted end of the same connection (local and remote the other way round): not the client's.
    line(1, '0100007F:9C40', '0100007F:D6D8', '01', 0) +
    line(2, '0100007F:D6D8', '0100007F:9C40', '01', 1001) +
    line(3, '0100007F:D6D9', '0100007F:9C40', '01', 65534);

  it('finds the line whose local end is the client and remote end the listener', () => {
    expect(socketOwner(table, 'tcp', client, listener, true)).toBe(1001);
    expect(socketOwner(table, 'tcp', {...client, port: 55001}, listener, true)).toBe(65534);
    expect(socketOwner(table, 'tcp', listener, client, true)).toBe(0);
  });

  it('finds nothing for a pair that is not there, or an address the file cannot hold', () => {
    expect(socketOwner(table, 'tcp', {...client, port: 55002}, listener, true)).toBeUndefined();
    expect(socketOwner(table, 'tcp', client, {...listener, port: 40001}, true)).toBeUndefined();
    expect(socketOwner(table, 'tcp', {address: '::1', port: 55000}, listener, true)).toBeUndefined();
    expect(socketOwner('', 'tcp', client, listener, true)).toBeUndefined();
    expect(socketOwner(HEADER, 'tcp', client, listener, true)).toBeUndefined();
  });

  it('passes over TIME_WAIT and NEW_SYN_RECV lines, which name no owner of their own', () => {
    const lingering =
      HEADER +
      line(0, '0100007F:D6D8', '0100007F:9C40', '06', 0) +
      line(1, '0100007F:D6D8', '0100007F:9C40', '0C', 0);
    expect(socketOwner(lingering, 'tcp', client, listener, true)).toBeUndefined();
    expect(
      socketOwner(
        lingering + line(2, '0100007F:D6D8', '0100007F:9C40', '01', 42),
        'tcp',
        client,
        listener,
        true,
      ),
    ).toBe(42);
  });

  it('reads uppercase hex ports and the last line without a newline', () => {
    const text = HEADER + line(0, '0100007F:ABCD', '0100007F:0015', '01', 7).trimEnd();
    expect(
      socketOwner(text, 'tcp', {address: '127.0.0.1', port: 0xabcd}, {address: '127.0.0.1', port: 21}, true),
    ).toBe(7);
  });

  it('reads tcp6: IPv6 and IPv4-mapped ends', () => {
    const text =
      HEADER +
      line(0, '00000000000000000000000001000000:D6D8', '00000000000000000000000001000000:9C40', '01', 1002) +
      line(1, '0000000000000000FFFF00000100007F:D6D9', '0000000000000000FFFF00000100007F:9C40', '01', 1003);
    expect(
      socketOwner(text, 'tcp6', {address: '::1', port: 55000}, {address: '::1', port: 40000}, true),
    ).toBe(1002);
    expect(socketOwner(text, 'tcp6', {address: '127.0.0.1', port: 55001}, listener, true)).toBe(1003);
    expect(
      socketOwner(
        text,
        'tcp6',
        {address: '::ffff:127.0.0.1', port: 55001},
        {address: '::ffff:127.0.0.1', port: 40000},
        true,
      ),
    ).toBe(1003);
  });

  it('is not fooled by the pair appearing later in a line', () => {
    // Not a real kernel line, but the match must be the line's first two fields.
    const text = `${HEADER}   0: 00000000:0000 0100007F:D6D8 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1004\n`;
    expect(socketOwner(text, 'tcp', client, listener, true)).toBeUndefined();
  });

  // How fast it scans is the benchmark's to measure (the suite has no timing assertions): here, that a
  // table of this size is read whole and right, the entry at its very end found, a missing one not.
  it('finds the owner at the end of a table of 20,000 sockets (2.6 MB), and no owner for one not there', () => {
    let text = HEADER;
    for (let index = 0; index < 20_000; index++)
      text += line(
        index,
        `0100007F:${(10_000 + index).toString(16).toUpperCase()}`,
        '0100007F:9C40',
        '01',
        1000,
      );
    text += line(20_000, '0100007F:D6D8', '0100007F:9C40', '01', 1001);
    expect(text.length).toBeGreaterThan(2_500_000);
    expect(socketOwner(text, 'tcp', client, listener, true)).toBe(1001);
    expect(
      socketOwner(text.slice(0, text.lastIndexOf('\n', text.length - 2) + 1), 'tcp', client, listener, true),
    ).toBeUndefined();
  });
});

describe('ownersIn: one pass over the table answers every lookup', () => {
  it('finds each wanted connection, skips ownerless states and the header, ignores the rest', () => {
    const text =
      HEADER +
      line(0, '0100007F:1F90', '0100007F:C350', '01', 1001) +
      line(1, '0100007F:1F91', '0100007F:C351', '06', 0) +
      line(2, '0100007F:1F92', '0100007F:C352', '01', 0) +
      line(3, '0100007F:1F93', '0100007F:C353', '01', 65534);
    const found: Array<[string, number]> = [];
    ownersIn(
      text,
      new Set(['0100007F:1F90 0100007F:C350', '0100007F:1F91 0100007F:C351', '0100007F:1F93 0100007F:C353']),
      (key, uid) => found.push([key, uid]),
    );
    expect(found).toEqual([
      ['0100007F:1F90 0100007F:C350', 1001],
      ['0100007F:1F93 0100007F:C353', 65534],
    ]);
  });

  it('socketKey is how a connection starts its line', () => {
    expect(
      socketKey('tcp', {address: '127.0.0.1', port: 8080}, {address: '127.0.0.1', port: 50000}, true),
    ).toBe('0100007F:1F90 0100007F:C350');
    expect(
      socketKey('tcp', {address: '::1', port: 1}, {address: '127.0.0.1', port: 2}, true),
    ).toBeUndefined();
  });
});
