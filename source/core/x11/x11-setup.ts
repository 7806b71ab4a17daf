/**
 * The X11 connection setup a client sends first (X Window System Protocol, "Connection Setup"): byte
 * order, protocol version, authorization protocol name and data. Pure: bytes in, a verdict out. The
 * forwarder checks the fake cookie it gave the server and swaps in the real one, as OpenSSH does.
 */

import {timingSafeEqual} from 'node:crypto';
import {unbracketed} from '../../text/address.js';

export const MIT_MAGIC_COOKIE = 'MIT-MAGIC-COOKIE-1';
const HEADER_BYTES = 12;
/** A setup larger than this is not a real X client's. */
const MAX_SETUP_BYTES = 64 * 1024;

const pad4 = (length: number) => (length + 3) & ~3;

export type X11SetupResult =
  | {status: 'need-more'}
  | {status: 'rejected'; reason: string}
  /** Accepted: `setup` is the client's setup with the real cookie; `rest` is what the client sent after it. */
  | {status: 'accepted'; setup: Buffer; rest: Buffer};

/** Collects the setup as it arrives (in pieces, either byte order) and checks it against the fake cookie. */
export class X11SetupChecker {
  private buffered = Buffer.alloc(0);

  constructor(
    private readonly fakeCookie: Buffer,
    private readonly realCookie: Buffer,
  ) {}

  push(chunk: Buffer): X11SetupResult {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    const data = this.buffered;
    if (data.length < 1) return {status: 'need-more'};
    const order = data[0];
    if (order !== 0x42 && order !== 0x6c)
      return {status: 'rejected', reason: 'not an X11 connection (bad byte order)'};
    if (data.length < HEADER_BYTES) return {status: 'need-more'};
    const bigEndian = order === 0x42;
    const read16 = (offset: number) => (bigEndian ? data.readUInt16BE(offset) : data.readUInt16LE(offset));
    const major = read16(2);
    if (major !== 11) return {status: 'rejected', reason: `X protocol version ${major} is not 11`};
    const nameLength = read16(6);
    const dataLength = read16(8);
    const total = HEADER_BYTES + pad4(nameLength) + pad4(dataLength);
    if (total > MAX_SETUP_BYTES) return {status: 'rejected', reason: 'X11 setup too large'};
    if (data.length < total) return {status: 'need-more'};
    const name = data.toString('latin1', HEADER_BYTES, HEADER_BYTES + nameLength);
    const offered = data.subarray(
      HEADER_BYTES + pad4(nameLength),
      HEADER_BYTES + pad4(nameLength) + dataLength,
    );
    if (name !== MIT_MAGIC_COOKIE)
      return {status: 'rejected', reason: `X11 authorization protocol "${name}" is not ${MIT_MAGIC_COOKIE}`};
    if (offered.length !== this.fakeCookie.length || !timingSafeEqual(offered, this.fakeCookie)) {
      return {status: 'rejected', reason: 'X11 connection with a wrong authorization cookie'};
    }
    // The same header, the real cookie in place of the fake one.
    const header = Buffer.from(data.subarray(0, HEADER_BYTES));
    if (bigEndian) header.writeUInt16BE(this.realCookie.length, 8);
    else header.writeUInt16LE(this.realCookie.length, 8);
    const setup = Buffer.concat([
      header,
      data.subarray(HEADER_BYTES, HEADER_BYTES + pad4(nameLength)),
      this.realCookie,
      Buffer.alloc(pad4(this.realCookie.length) - this.realCookie.length),
    ]);
    return {status: 'accepted', setup, rest: Buffer.from(data.subarray(total))};
  }
}

/** Where DISPLAY points: a unix socket for ":N" / "unix:N", TCP 6000+N for "host:N". */
export interface X11Display {
  number: number;
  screen: number;
  socketPath?: string;
  host?: string;
  port?: number;
}

export function parseDisplay(display: string): X11Display | undefined {
  const match = /^(.*):(\d+)(?:\.(\d+))?$/.exec(display.trim());
  if (!match) return undefined;
  const [, host = '', numberText, screenText] = match;
  const number = Number(numberText);
  const screen = screenText === undefined ? 0 : Number(screenText);
  if (host === '' || host === 'unix') return {number, screen, socketPath: `/tmp/.X11-unix/X${number}`};
  // A launchd-style path ("/private/tmp/.../org.xquartz:0") is a socket itself.
  if (host.startsWith('/')) return {number, screen, socketPath: `${host}:${number}`};
  return {number, screen, host: unbracketed(host), port: 6000 + number};
}
