/** The SOCKS4 and SOCKS4a CONNECT request, read from the handshake's buffered bytes. Pure. */
import {domainProblem} from './socks-address.js';
import {socks4Reply} from './socks-reply.js';
import {hex, MAX_NAME_BYTES, needMore, type Parsed, SOCKS4_REJECTED} from './socks-types.js';

/** VN CD DSTPORT(2) DSTIP(4) USERID NUL [DOMAIN NUL] */
export function parseSocks4(data: Buffer): Parsed {
  const reject = (reason: string): Parsed => ({kind: 'failure', reason, reply: socks4Reply(SOCKS4_REJECTED)});
  const command = data[1];
  if (command === undefined) return needMore;
  if (command === 2) return reject('SOCKS4 BIND is not supported (only CONNECT)');
  if (command !== 1) return reject(`SOCKS4 command ${hex(command)} is not supported (only CONNECT)`);
  if (data.length < 8) return needMore;
  const port = data.readUInt16BE(2);
  if (port === 0) return reject('SOCKS4 request for port 0');
  const isSocks4a = data[4] === 0 && data[5] === 0 && data[6] === 0 && data[7] !== 0;

  const userIdEnd = findNul(data, 8);
  if (userIdEnd === 'too-long') return reject(`SOCKS4 user ID longer than ${MAX_NAME_BYTES} bytes`);
  if (userIdEnd === undefined) return needMore;

  if (!isSocks4a) {
    const host = `${data[4]}.${data[5]}.${data[6]}.${data[7]}`;
    return {kind: 'request', used: userIdEnd + 1, host, port, addressType: 'ipv4'};
  }
  const domainStart = userIdEnd + 1;
  const domainEnd = findNul(data, domainStart);
  if (domainEnd === 'too-long') return reject(`SOCKS4a domain name longer than ${MAX_NAME_BYTES} bytes`);
  if (domainEnd === undefined) return needMore;
  const domain = data.subarray(domainStart, domainEnd);
  const problem = domainProblem(domain);
  if (problem) return reject(`SOCKS4a ${problem}`);
  return {kind: 'request', used: domainEnd + 1, host: domain.toString('latin1'), port, addressType: 'domain'};
}

/** Index of the NUL ending a name that starts at `start`, looking no further than the length limit. */
function findNul(data: Buffer, start: number): number | 'too-long' | undefined {
  const index = data.subarray(start, start + MAX_NAME_BYTES + 1).indexOf(0);
  if (index >= 0) return start + index;
  return data.length - start > MAX_NAME_BYTES ? 'too-long' : undefined;
}
