/** The SOCKS5 greeting (method selection) and CONNECT request, read from the handshake's buffered bytes. Pure. */
import {domainProblem, formatIPv6} from './socks-address.js';
import {socksConnectReply} from './socks-reply.js';
import {
  hex,
  needMore,
  type Parsed,
  SOCKS5_NO_ACCEPTABLE_METHOD,
  SOCKS5_NO_AUTH,
  type SocksConnectRequest,
  type SocksOutcome,
} from './socks-types.js';

/** VER NMETHODS METHODS... */
export function parseSocks5Greeting(data: Buffer): Parsed {
  const methodCount = data[1];
  if (methodCount === undefined) return needMore;
  const refuse = (reason: string): Parsed => ({
    kind: 'failure',
    reason,
    reply: Buffer.from([5, SOCKS5_NO_ACCEPTABLE_METHOD]),
  });
  if (methodCount === 0) return refuse('SOCKS5 client offered no authentication methods');
  if (data.length < 2 + methodCount) return needMore;
  const methods = data.subarray(2, 2 + methodCount);
  if (!methods.includes(SOCKS5_NO_AUTH)) {
    const offered = [...methods].map(hex).join(', ');
    return refuse(
      `SOCKS5 client offered no supported authentication method (only no-auth is supported; offered ${offered})`,
    );
  }
  return {
    kind: 'next',
    used: 2 + methodCount,
    reply: Buffer.from([5, SOCKS5_NO_AUTH]),
    state: 'socks5-request',
  };
}

/** VER CMD RSV ATYP DST.ADDR DST.PORT */
export function parseSocks5Request(data: Buffer): Parsed {
  const fail = (outcome: SocksOutcome, reason: string): Parsed => ({
    kind: 'failure',
    reason,
    reply: socksConnectReply(5, outcome),
  });
  const version = data[0];
  if (version === undefined) return needMore;
  if (version !== 5)
    return fail('general-failure', `SOCKS5 request has version ${hex(version)} instead of 0x05`);
  const command = data[1];
  if (command === undefined) return needMore;
  if (command === 2) return fail('command-not-supported', 'SOCKS5 BIND is not supported (only CONNECT)');
  if (command === 3)
    return fail('command-not-supported', 'SOCKS5 UDP ASSOCIATE is not supported (only CONNECT)');
  if (command !== 1) {
    return fail('command-not-supported', `SOCKS5 command ${hex(command)} is not supported (only CONNECT)`);
  }
  // data[2] is RSV: ignored.
  const addressType = data[3];
  if (addressType === undefined) return needMore;

  let host: string;
  let kind: SocksConnectRequest['addressType'];
  let addressEnd: number;
  if (addressType === 1) {
    addressEnd = 8;
    if (data.length < addressEnd + 2) return needMore;
    host = `${data[4]}.${data[5]}.${data[6]}.${data[7]}`;
    kind = 'ipv4';
  } else if (addressType === 4) {
    addressEnd = 20;
    if (data.length < addressEnd + 2) return needMore;
    host = formatIPv6(data.subarray(4, 20));
    kind = 'ipv6';
  } else if (addressType === 3) {
    const length = data[4];
    if (length === undefined) return needMore;
    if (length === 0) return fail('general-failure', 'SOCKS5 request has an empty domain name');
    addressEnd = 5 + length;
    if (data.length < addressEnd + 2) return needMore;
    const domain = data.subarray(5, addressEnd);
    const problem = domainProblem(domain);
    if (problem) return fail('general-failure', `SOCKS5 ${problem}`);
    host = domain.toString('latin1');
    kind = 'domain';
  } else {
    return fail('address-type-not-supported', `SOCKS5 address type ${hex(addressType)} is not supported`);
  }
  const port = data.readUInt16BE(addressEnd);
  if (port === 0) return fail('general-failure', 'SOCKS5 request for port 0');
  return {kind: 'request', used: addressEnd + 2, host, port, addressType: kind};
}
