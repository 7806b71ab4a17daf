/** The addresses SOCKS carries, checked and written: domain names, IPv4 and IPv6 bytes. Pure. */
import {isIPv6} from 'node:net';
import {unbracketed} from '../../text/address.js';
import {hex, MAX_NAME_BYTES} from './socks-types.js';

/** Why these bytes are not an acceptable domain name (printable ASCII, no spaces, 1–255 bytes), if they are not. */
export function domainProblem(name: Buffer): string | undefined {
  if (name.length === 0) return 'request has an empty domain name';
  if (name.length > MAX_NAME_BYTES) return `domain name longer than ${MAX_NAME_BYTES} bytes`;
  for (const byte of name) {
    if (byte <= 0x20 || byte >= 0x7f) {
      return `domain name contains a byte that is not printable ASCII (${hex(byte)})`;
    }
  }
  return undefined;
}

/** RFC 5952 text for 16 address bytes; IPv4-mapped addresses as ::ffff:a.b.c.d (as Node and inet_ntop do). */
export function formatIPv6(bytes: Buffer): string {
  const words = Array.from({length: 8}, (_, index) => bytes.readUInt16BE(index * 2));
  if (words.slice(0, 5).every((word) => word === 0) && words[5] === 0xffff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  // The longest run of two or more zero words (the first one on a tie) becomes "::".
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; ) {
    if (words[start] !== 0) {
      start++;
      continue;
    }
    let end = start;
    while (end < 8 && words[end] === 0) end++;
    if (end - start > bestLength) {
      bestStart = start;
      bestLength = end - start;
    }
    start = end;
  }
  const text = (part: number[]) => part.map((word) => word.toString(16)).join(':');
  if (bestStart < 0) return text(words);
  return `${text(words.slice(0, bestStart))}::${text(words.slice(bestStart + bestLength))}`;
}

/** The 16 bytes of an IPv6 address in any textual form (brackets and a %zone are allowed), if it is one. */
export function parseIPv6(address: string): Buffer | undefined {
  let text = unbracketed(address);
  if (!isIPv6(text)) return undefined;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const [a = 0, b = 0, c = 0, d = 0] = tail.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const words = (part: string) =>
    part === '' ? [] : part.split(':').map((word) => Number.parseInt(word, 16));
  const halves = text.split('::');
  const head = words(halves[0] ?? '');
  const rest = halves.length > 1 ? words(halves[1] ?? '') : [];
  const all =
    halves.length > 1
      ? [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest]
      : head;
  const bytes = Buffer.alloc(16);
  for (const [index, word] of all.entries()) bytes.writeUInt16BE(word, index * 2);
  return bytes;
}

export function ipv4Bytes(address: string): Uint8Array {
  return Uint8Array.from(address.split('.').map(Number));
}
