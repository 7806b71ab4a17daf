/**
 * FTP control-channel lines (RFC 959, RFC 2428): splitting a byte stream into bounded lines, and reading
 * and writing the lines that carry data-connection addresses (227, 229, PORT, EPRT). Pure: no IO.
 */
import {isIPv4, isIPv6} from 'node:net';

export const MAX_LINE_BYTES = 8192;

/** Splits bytes into lines (terminator kept); a line over the bound is reported, never buffered. */
export class LineSplitter {
  private partial: Buffer[] = [];
  private partialLength = 0;

  constructor(private readonly maxLine = MAX_LINE_BYTES) {}

  /**
   * Returns the complete lines in this chunk, in order. When the unterminated remainder grows past the
   * bound, it is returned as `overflow` (and forgotten): the caller decides what to do with it.
   */
  push(chunk: Buffer): {lines: Buffer[]; overflow?: Buffer} {
    const lines: Buffer[] = [];
    let start = 0;
    for (let newline = chunk.indexOf(0x0a); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, newline + 1);
      if (this.partialLength > 0) {
        lines.push(Buffer.concat([...this.partial, piece]));
        this.partial = [];
        this.partialLength = 0;
      } else {
        lines.push(piece);
      }
      start = newline + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.partial.push(rest);
      this.partialLength += rest.length;
      if (this.partialLength > this.maxLine) {
        const overflow = Buffer.concat(this.partial);
        this.partial = [];
        this.partialLength = 0;
        return {lines, overflow};
      }
    }
    return {lines};
  }

  /** Returns (and forgets) the unterminated bytes held back so far. */
  takeRest(): Buffer {
    const rest = Buffer.concat(this.partial);
    this.partial = [];
    this.partialLength = 0;
    return rest;
  }
}

const IAC = 0xff;

/**
 * Bytes from `start` to `end` as text with Telnet commands (RFC 854) taken out wherever they are: IAC IAC
 * is a 0xff data byte, IAC WILL/WONT/DO/DONT take an option byte, any other command is two bytes. With
 * `pairs`, every command is two bytes, as a careless client may take them.
 */
function withoutTelnet(line: Buffer, start: number, end: number, pairs = false): string {
  let text = '';
  let from = start;
  for (let iac = line.indexOf(IAC, from); iac !== -1 && iac < end; iac = line.indexOf(IAC, from)) {
    text += line.toString('latin1', from, iac);
    const command = line[iac + 1];
    if (command === IAC && iac + 1 < end) text += '\xff';
    const negotiation = !pairs && command !== undefined && command >= 0xfb && command <= 0xfe;
    from = Math.min(iac + (negotiation ? 3 : 2), end);
  }
  return text + line.toString('latin1', from, end);
}

/**
 * The text of a line without its terminator and without Telnet commands, as a Telnet-aware peer reads it:
 * clients put IAC IP/DM before ABOR, and lftp takes Telnet commands out anywhere in a reply (a server may
 * do the same in a command, so "PO<IAC NOP>RT" is a PORT).
 */
export function lineText(line: Buffer): string {
  let end = line.length;
  if (end > 0 && line[end - 1] === 0x0a) end--;
  if (end > 0 && line[end - 1] === 0x0d) end--;
  return withoutTelnet(line, 0, end);
}

/**
 * 227 or 229 when some client could read the server line as a passive reply, one that carries a data
 * address: its first three characters are 227 or 229 as bytes, or with Telnet commands taken out (either
 * way), whatever follows them. ftplib takes "2270 …" and "227x" for a 227, curl ends a multi-line reply at
 * any "227 " line, lftp takes "22<IAC NOP>7 …" for one.
 */
export function passiveReplyCode(line: Buffer): 227 | 229 | undefined {
  const readings =
    line.indexOf(IAC) === -1
      ? [line.toString('latin1', 0, 3)]
      : [
          line.toString('latin1', 0, 3),
          withoutTelnet(line, 0, line.length),
          withoutTelnet(line, 0, line.length, true),
        ];
  for (const reading of readings) {
    if (reading.startsWith('227')) return 227;
    if (reading.startsWith('229')) return 229;
  }
  return undefined;
}

/**
 * Server bytes with every CR that no LF follows made a space: Python's ftplib ends a line at a lone CR,
 * so to it "200 OK<CR>227 …" is two replies where everyone else sees one. A CR that ends `data` is left
 * as it is: the caller knows whether an LF follows.
 */
export function spaceLoneCr(data: Buffer): Buffer {
  let copy: Buffer | undefined;
  for (let cr = data.indexOf(0x0d); cr !== -1 && cr < data.length - 1; cr = data.indexOf(0x0d, cr + 1)) {
    if (data[cr + 1] === 0x0a) continue;
    copy ??= Buffer.from(data);
    copy[cr] = 0x20;
  }
  return copy ?? data;
}

export function parseCommand(text: string): {verb: string; argument: string} {
  const match = /^\s*(\S+)(?:\s(.*))?$/.exec(text);
  return {verb: (match?.[1] ?? '').toUpperCase(), argument: match?.[2] ?? ''};
}

/** A reply line: its code, and whether it opens ("123-") or is the last line ("123 ") of a reply. */
export function parseReplyLine(text: string): {code: number; continues: boolean} | undefined {
  const match = /^(\d{3})([ -]|$)/.exec(text);
  if (!match) return undefined;
  return {code: Number(match[1]), continues: match[2] === '-'};
}

export interface HostPort {
  host: string;
  port: number;
}

export type Parsed<T> = {ok: true; value: T} | {ok: false; reason: string};

/** The six numbers h1,h2,h3,h4,p1,p2 of PORT and 227 (RFC 959; RFC 1123 4.1.2.6: scan for them). */
function parseSixNumbers(text: string, what: string): Parsed<HostPort> {
  const match = /(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)/.exec(text);
  if (!match) return {ok: false, reason: `${what} has no h1,h2,h3,h4,p1,p2 address`};
  const numbers = match.slice(1, 7).map(Number);
  if (numbers.some((n) => n > 255)) return {ok: false, reason: `${what} has a number above 255`};
  if (/\d\s*,\s*\d+\s*,\s*\d+\s*,\s*\d+\s*,\s*\d+\s*,\s*\d+\s*,\s*\d/.test(text.slice(match.index))) {
    return {ok: false, reason: `${what} has more than six numbers`};
  }
  const port = numbers[4]! * 256 + numbers[5]!;
  if (port === 0) return {ok: false, reason: `${what} names port 0`};
  return {ok: true, value: {host: numbers.slice(0, 4).join('.'), port}};
}

export function parsePasvReply(text: string): Parsed<HostPort> {
  return parseSixNumbers(text.slice(4), 'the 227 reply');
}

export function parsePortArgument(argument: string): Parsed<HostPort> {
  if (!/^\s*\d+(\s*,\s*\d+){5}\s*$/.test(argument))
    return {ok: false, reason: 'PORT needs h1,h2,h3,h4,p1,p2'};
  return parseSixNumbers(argument, 'PORT');
}

/** 229 Entering Extended Passive Mode (|||port|): any printable delimiter, three empty fields. */
export function parseEpsvReply(text: string): Parsed<number> {
  const match = /\((.)\1\1(\d+)\1\)/.exec(text);
  if (!match || match[1]!.charCodeAt(0) < 33 || match[1]!.charCodeAt(0) > 126) {
    return {ok: false, reason: 'the 229 reply is not of the form (|||port|)'};
  }
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return {ok: false, reason: 'the 229 reply names a port outside 1-65535'};
  return {ok: true, value: port};
}

/** EPRT |1|132.235.1.2|6275| or |2|::1|6275| (RFC 2428). */
export function parseEprtArgument(argument: string): Parsed<HostPort & {family: 1 | 2}> {
  const text = argument.trim();
  const delimiter = text[0];
  if (!delimiter || delimiter.charCodeAt(0) < 33 || delimiter.charCodeAt(0) > 126) {
    return {ok: false, reason: 'EPRT needs |family|address|port|'};
  }
  const fields = text.split(delimiter);
  if (fields.length !== 5 || fields[0] !== '' || fields[4] !== '') {
    return {ok: false, reason: 'EPRT needs |family|address|port|'};
  }
  const [, family, host, portText] = fields as [string, string, string, string, string];
  if (family !== '1' && family !== '2')
    return {ok: false, reason: `EPRT network protocol ${family} is not 1 (IPv4) or 2 (IPv6)`};
  if (family === '1' ? !isIPv4(host) : !isIPv6(host))
    return {ok: false, reason: `EPRT address ${host} is not an IPv${family === '1' ? 4 : 6} address`};
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
    return {ok: false, reason: 'EPRT port is outside 1-65535'};
  }
  return {ok: true, value: {family: family === '1' ? 1 : 2, host, port: Number(portText)}};
}

function sixNumbers(host: string, port: number): string {
  return `${host.split('.').join(',')},${port >> 8},${port & 0xff}`;
}

/**
 * A reply line of tunnels' own (a 425 and its reason, a 501, a 504). Its text may quote what the server or
 * the client sent, so every character outside printable ASCII is written as an escape: ssh's octal for a
 * byte (`\033` for ESC; the lines are read as latin1, a character a byte), `\u` beyond. No CR or LF can end
 * the line early or start a reply of its own, no control character reaches the client's terminal, and no
 * 0xff byte reads as a Telnet IAC.
 */
export function formatReply(text: string): Buffer {
  const printable = text.replace(/[^\x20-\x7e]/g, (character) => {
    const code = character.charCodeAt(0);
    return code < 0x100
      ? `\\${code.toString(8).padStart(3, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  return Buffer.from(`${printable}\r\n`, 'latin1');
}

export function formatPasvReply(host: string, port: number): Buffer {
  return Buffer.from(`227 Entering Passive Mode (${sixNumbers(host, port)}).\r\n`, 'latin1');
}

export function formatEpsvReply(port: number): Buffer {
  return Buffer.from(`229 Entering Extended Passive Mode (|||${port}|)\r\n`, 'latin1');
}

export function formatPortCommand(host: string, port: number): Buffer {
  return Buffer.from(`PORT ${sixNumbers(host, port)}\r\n`, 'latin1');
}

export function formatEprtCommand(host: string, port: number): Buffer {
  return Buffer.from(`EPRT |${isIPv6(host) ? 2 : 1}|${host}|${port}|\r\n`, 'latin1');
}

/** "::ffff:127.0.0.1" and "127.0.0.1" are the same client; IPv6 compared in canonical form. */
export function sameAddress(a: string, b: string): boolean {
  const normalize = (address: string) => {
    const unmapped = address.toLowerCase().replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
    return isIPv6(unmapped) ? canonicalIPv6(unmapped) : unmapped;
  };
  return normalize(a) === normalize(b);
}

function canonicalIPv6(address: string): string {
  try {
    return new URL(`http://[${address}]/`).hostname;
  } catch {
    return address;
  }
}
