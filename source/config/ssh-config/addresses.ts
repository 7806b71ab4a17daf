/**
 * Addresses as ssh reads and writes them: glibc's inet_aton and inet_ntop, which its getaddrinfo and
 * getnameinfo use. Pure.
 */
import net from 'node:net';
import {formatIPv6, parseIPv6} from '../../core/protocols/socks-address.js';

/** glibc's inet_aton, which ssh's getaddrinfo reads IPv4 with: "10.1" is 10.0.0.1, "010" octal. */
export function ipv4Address(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length > 4) return undefined;
  const values: number[] = [];
  for (const part of parts) {
    if (!/^(?:0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)$/.test(part)) return undefined;
    values.push(
      /^0[xX]/.test(part)
        ? Number.parseInt(part.slice(2), 16)
        : Number.parseInt(part, part.startsWith('0') ? 8 : 10),
    );
  }
  // The last part fills the bytes the others leave.
  const last = values.pop()!;
  if (values.some((value) => value > 255) || last >= 2 ** (8 * (4 - values.length))) return undefined;
  return values.reduce((sum, value, at) => sum + BigInt(value) * 256n ** BigInt(3 - at), BigInt(last));
}

/** An IPv6 address (no brackets, no %zone) as a number, read by the SOCKS code's parseIPv6. */
export function ipv6Address(text: string): bigint | undefined {
  if (!net.isIPv6(text) || text.includes('%')) return undefined;
  const bytes = parseIPv6(text);
  return bytes && BigInt(`0x${bytes.toString('hex')}`);
}

/** glibc's inet_ntop for IPv6: formatIPv6's RFC 5952 text, and an IPv4-compatible address's tail dotted. */
function ipv6Text(address: bigint): string {
  const bytes = Buffer.alloc(16);
  bytes.writeBigUInt64BE(address >> 64n, 0);
  bytes.writeBigUInt64BE(address & 0xffffffffffffffffn, 8);
  // glibc dots the tail only when the first 96 bits are zero and the next 16 are not (::1.2.3.4, but ::2).
  const compatible = bytes.subarray(0, 12).every((byte) => byte === 0) && bytes.readUInt16BE(12) !== 0;
  return compatible ? `::${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}` : formatIPv6(bytes);
}

/**
 * The address a host name is, written as ssh's resolve_canonicalize writes it whether or not
 * CanonicalizeHostname is on ("127.1" is 127.0.0.1, "0:0::1" is ::1); the name itself when it differs
 * only in case; undefined when it is not an address.
 */
export function canonicalAddressText(host: string): string | undefined {
  const scope = host.indexOf('%');
  const bare = scope === -1 ? host : host.slice(0, scope);
  let text: string | undefined;
  if (!bare.includes(':')) {
    const v4 = ipv4Address(bare);
    if (v4 !== undefined) text = [24n, 16n, 8n, 0n].map((shift) => String((v4 >> shift) & 255n)).join('.');
  } else {
    const v6 = ipv6Address(bare);
    if (v6 !== undefined) text = ipv6Text(v6) + (scope === -1 ? '' : host.slice(scope));
  }
  if (text === undefined) return undefined;
  return text.toLowerCase() === host.toLowerCase() ? host : text;
}
