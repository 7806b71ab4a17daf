import type {EventEmitter} from 'node:events';
import {safeText} from '../../text/safe-text.js';

/** How much of what a server sends first is kept for saying what it is. */
const KEPT_BYTES = 1024;
/** How much of its first line a message quotes. */
const QUOTED_CHARS = 80;

/**
 * Keeps the first bytes the server sends, until it has said "SSH-" (or KEPT_BYTES came): what a failure
 * before the handshake then says the server is. It taps the transport's 'data' events as they are emitted,
 * so nothing is read that ssh2 would not read, and a stream does not start flowing before ssh2 listens.
 */
export function watchGreeting(sock: EventEmitter): {received(): Buffer; stop(): void} {
  const chunks: Buffer[] = [];
  let kept = 0;
  const emit = sock.emit;
  const stop = () => {
    if (sock.emit !== emit) sock.emit = emit;
  };
  sock.emit = function (this: EventEmitter, event: string | symbol, ...args: unknown[]): boolean {
    const chunk = args[0];
    if (event === 'data' && Buffer.isBuffer(chunk)) {
      chunks.push(chunk.subarray(0, KEPT_BYTES - kept));
      kept += Math.min(chunk.length, KEPT_BYTES - kept);
      if (kept >= KEPT_BYTES || saysSsh(Buffer.concat(chunks))) stop();
    }
    return emit.call(this, event, ...args);
  } as typeof sock.emit;
  return {received: () => Buffer.concat(chunks), stop};
}

/** Whether the bytes hold an SSH identification line ("SSH-2.0-..."), at the start or after other lines. */
function saysSsh(received: Buffer): boolean {
  return /(^|\n)SSH-/.test(received.toString('latin1'));
}

/**
 * Why the handshake failed, when what the server sent (or did not) shows it is not talking SSH; undefined
 * when it said it was SSH (the failure is then the library's to word). `ended`: it closed the connection
 * (or reset it); 'timeout': it stayed open without an SSH greeting.
 */
export function notSshMessage(
  where: string,
  received: Buffer,
  ended: 'closed' | 'timeout',
): string | undefined {
  if (saysSsh(received)) return undefined;
  if (received.length === 0)
    return ended === 'closed'
      ? `${where} closed the connection before saying it was an SSH server (is the port right? an sshd that refuses this client, by MaxStartups or a firewall rule, does the same)`
      : undefined;
  const kind = serverKind(received);
  return `${where} is not an SSH server (it answered ${describeAnswer(received)}${kind ? `, as ${kind} does` : ''}${ended === 'timeout' ? ', and no SSH greeting followed' : ''}); check the host and port`;
}

/** What kind of server answers like this, when it is plain from the first bytes. */
function serverKind(received: Buffer): string | undefined {
  const text = received.toString('latin1');
  if (/^HTTP\/\d/.test(text) || /<!doctype html|<html/i.test(text)) return 'a web server';
  if (/^220[ -]/.test(text)) return 'an FTP or mail server';
  // A TLS record (alert or handshake), version 3.x.
  if ((received[0] === 0x15 || received[0] === 0x16) && received[1] === 0x03) return 'a TLS server';
  return undefined;
}

/** The server's first line quoted, or, for bytes that are not text, how many and the first few in hex. */
function describeAnswer(received: Buffer): string {
  const text = received.toString('latin1');
  const binary = [...text].filter((char) => {
    const code = char.charCodeAt(0);
    return (code < 0x20 && char !== '\r' && char !== '\n' && char !== '\t') || code >= 0x7f;
  }).length;
  if (binary > text.length / 4) {
    const hex = [...received.subarray(0, 8)].map((byte) => byte.toString(16).padStart(2, '0')).join(' ');
    return `${received.length >= KEPT_BYTES ? `${KEPT_BYTES}+` : received.length} bytes that are not text, starting ${hex}`;
  }
  const line = text.split(/\r?\n/).find((candidate) => candidate.trim() !== '') ?? '';
  const trimmed = line.trim();
  const quoted = trimmed.length > QUOTED_CHARS ? `${trimmed.slice(0, QUOTED_CHARS)}...` : trimmed;
  return `"${safeText(quoted)}"`;
}
