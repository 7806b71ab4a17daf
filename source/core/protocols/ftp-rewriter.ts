/**
 * The FTP control-channel rewriter: reads what the FTP client and server say, finds the lines that set up
 * data connections, and asks its owner to forward each one through SSH. Pure: bytes in, bytes and
 * actions out, no sockets. Its owner (ftp-forward.ts) carries out the actions in order.
 */

import type {FtpAction} from './ftp-actions.js';
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
} from './ftp-lines.js';

export interface FtpRewriterOptions {
  /** The FTP client's address (peer of the control connection): PORT/EPRT may only name it. */
  clientAddress: string;
  maxLine?: number;
}

/** Every reply tunnels writes itself: safe for a reply line whatever it quotes (see formatReply). */
const reply = formatReply;

export class FtpControlRewriter {
  private readonly fromClientLines: LineSplitter;
  private readonly fromServerLines: LineSplitter;
  /** Commands sent to the server, awaiting their final reply (FTP replies come in order). */
  private readonly pending: {verb: string}[] = [];
  private greeted = false;
  /**
   * The multi-line reply in progress: its code, and `withheld` when it is a 227/229 reply (none of its
   * lines reach the client), or `warned` once one of its lines was dropped.
   */
  private block: {code: number; withheld?: 227 | 229; warned?: boolean} | undefined;
  private skippingClientLine = false;
  /** The rest of an over-long server line, up to its newline, follows its start: passed on, or dropped. */
  private serverTail: 'pass' | 'drop' | undefined;
  /** The last byte passed on was a CR, held back: a lone one (no LF after it) goes out as a space. */
  private heldCr = false;
  private encrypted = false;

  constructor(private readonly options: FtpRewriterOptions) {
    this.fromClientLines = new LineSplitter(this.maxLine);
    this.fromServerLines = new LineSplitter(this.maxLine);
  }

  get passthrough(): boolean {
    return this.encrypted;
  }

  fromClient(chunk: Buffer): FtpAction[] {
    if (this.encrypted) return [{kind: 'to-server', data: chunk}];
    const actions: FtpAction[] = [];
    let data = chunk;
    if (this.skippingClientLine) {
      const newline = data.indexOf(0x0a);
      if (newline === -1) return actions;
      this.skippingClientLine = false;
      data = data.subarray(newline + 1);
    }
    const {lines, overflow} = this.fromClientLines.push(data);
    for (const line of lines) {
      // The bound holds however the line was chunked: a long line that came with its newline is refused too.
      if (this.overBound(line)) this.refuseLongLine(actions);
      else this.clientLine(line, actions);
    }
    if (overflow) {
      // Refused without keeping it; the rest of it, up to its newline, is dropped too.
      this.skippingClientLine = true;
      this.refuseLongLine(actions);
    }
    return actions;
  }

  private refuseLongLine(actions: FtpAction[]): void {
    actions.push({kind: 'to-client', data: reply('500 Command line too long (tunnels).')});
    actions.push({
      kind: 'warning',
      message: `FTP client sent a line over ${this.maxLine} bytes; refused`,
    });
  }

  fromServer(chunk: Buffer): FtpAction[] {
    if (this.encrypted) return [{kind: 'to-client', data: chunk}];
    const actions: FtpAction[] = [];
    let data = chunk;
    if (this.serverTail) {
      // The tail of an over-long line: it goes the way its start went.
      const newline = data.indexOf(0x0a);
      const piece = newline === -1 ? data : data.subarray(0, newline + 1);
      if (this.serverTail === 'pass') this.passOn(piece, actions);
      if (newline === -1) return actions;
      this.serverTail = undefined;
      data = data.subarray(newline + 1);
    }
    const {lines, overflow} = this.fromServerLines.push(data);
    for (const [index, line] of lines.entries()) {
      this.serverLine(line, !this.overBound(line), actions);
      if (this.encrypted) {
        // Everything after the 234 is TLS.
        const rest = Buffer.concat([...lines.slice(index + 1), overflow ?? this.fromServerLines.takeRest()]);
        if (rest.length > 0) actions.push({kind: 'to-client', data: rest});
        // What the client sent after AUTH and before the 234 (an unterminated remainder) goes on untouched.
        const clientRest = this.fromClientLines.takeRest();
        if (clientRest.length > 0) actions.push({kind: 'to-server', data: clientRest});
        return actions;
      }
    }
    if (overflow) {
      // Never rewritten (it cannot be read whole), but still counted as a reply (greeting, multi-line, pending).
      this.serverTail = this.serverLine(overflow, false, actions) ? 'pass' : 'drop';
      if (this.encrypted && this.heldCr) {
        this.heldCr = false;
        actions.push({kind: 'to-client', data: Buffer.from('\r')});
      }
    }
    return actions;
  }

  /** Whether a line with its terminator is over the bound, however it was chunked. */
  private overBound(line: Buffer): boolean {
    const terminator = line.length >= 2 && line[line.length - 2] === 0x0d ? 2 : 1;
    return line.length - terminator > this.maxLine;
  }

  private get maxLine(): number {
    return this.options.maxLine ?? MAX_LINE_BYTES;
  }

  /** Server bytes to the client, with lone CRs made spaces (see spaceLoneCr) however the line was chunked. */
  private passOn(piece: Buffer, actions: FtpAction[]): void {
    let data = piece;
    if (this.heldCr) {
      this.heldCr = false;
      data = Buffer.concat([Buffer.from(data[0] === 0x0a ? '\r' : ' '), data]);
    }
    data = spaceLoneCr(data);
    if (data[data.length - 1] === 0x0d) {
      this.heldCr = true;
      data = data.subarray(0, -1);
    }
    if (data.length > 0) actions.push({kind: 'to-client', data});
  }

  private clientLine(line: Buffer, actions: FtpAction[]): void {
    const {verb, argument} = parseCommand(lineText(line));
    if (verb === 'PORT' || verb === 'EPRT') {
      this.activeCommand(verb, argument, actions);
      return;
    }
    if (verb === 'LPRT' || verb === 'LPSV') {
      // RFC 1639's long addresses: a data connection outside SSH (and LPRT would escape the PORT checks).
      actions.push({
        kind: 'to-client',
        data: reply(`502 ${verb} is not forwarded through SSH; use EPSV, PASV, EPRT or PORT (tunnels).`),
      });
      return;
    }
    this.pending.push({verb});
    actions.push({kind: 'to-server', data: line});
  }

  private activeCommand(verb: 'PORT' | 'EPRT', argument: string, actions: FtpAction[]): void {
    const parsed = verb === 'PORT' ? parsePortArgument(argument) : parseEprtArgument(argument);
    if (!parsed.ok) {
      actions.push({kind: 'to-client', data: reply(`501 ${parsed.reason} (tunnels).`)});
      return;
    }
    const client = {host: parsed.value.host, port: parsed.value.port};
    // RFC 2577: a data connection only to the client itself, never to a privileged port (FTP bounce).
    if (!sameAddress(client.host, this.options.clientAddress)) {
      actions.push({
        kind: 'to-client',
        data: reply(`504 ${verb} must name this client's own address (tunnels).`),
      });
      actions.push({
        kind: 'warning',
        message: `refused ${verb} to ${client.host}:${client.port}: not the FTP client's address (${this.options.clientAddress})`,
      });
      return;
    }
    if (client.port < 1024) {
      actions.push({
        kind: 'to-client',
        data: reply(`504 ${verb} to a port below 1024 is refused (tunnels).`),
      });
      actions.push({kind: 'warning', message: `refused ${verb} to privileged port ${client.port}`});
      return;
    }
    // Queued now, in the order the commands were sent (a pipelined PASV after it must wait its turn).
    const entry = {verb};
    this.pending.push(entry);
    actions.push({
      kind: 'active',
      extended: verb === 'EPRT',
      client,
      accept: (listener) =>
        verb === 'PORT'
          ? formatPortCommand(listener.host, listener.port)
          : formatEprtCommand(listener.host, listener.port),
      refuse: (reason) => {
        // Never sent to the server, so no reply will come for it.
        const index = this.pending.indexOf(entry);
        if (index !== -1) this.pending.splice(index, 1);
        return reply(`425 Cannot forward the data connection through SSH: ${reason} (tunnels).`);
      },
    });
  }

  /**
   * One server line, or the start of one over the bound (`readable` false: never rewritten). Returns
   * whether it went to the client (the tail of an over-long line then follows it).
   *
   * No line that some client could read as a 227 or 229 reply (passiveReplyCode) reaches the client as the
   * server sent it: a single-line 227 answering PASV, or 229 answering EPSV, is rewritten to a local
   * listener; any other form is refused with a 425 or withheld. Passed on, its address would send the
   * client around the tunnel: to the server's port on the client's own host, or to a host of the server's
   * choosing.
   */
  private serverLine(line: Buffer, readable: boolean, actions: FtpAction[]): boolean {
    const text = lineText(line);
    const parsed = parseReplyLine(text);
    const passiveCode = passiveReplyCode(line);
    const block = this.block;
    if (block) {
      // Inside a multi-line reply only "<same code> " ends it (RFC 959); other lines may say anything.
      const ends = parsed !== undefined && parsed.code === block.code && !parsed.continues;
      if (ends) this.block = undefined;
      if (block.withheld) {
        const problem = `the ${block.withheld} reply spans several lines`;
        if (ends) this.passiveReply(block.withheld, undefined, problem, actions);
        return false;
      }
      if (passiveCode === undefined) {
        this.passOn(line, actions);
        if (ends) this.finalReply(block.code, actions);
        return true;
      }
      // RFC 959 has servers pad such lines; unpadded, curl and lftp take one as the reply itself.
      if (!block.warned) {
        block.warned = true;
        actions.push({
          kind: 'warning',
          message: `withheld a line that reads as a ${passiveCode} reply inside the FTP server's multi-line ${block.code} reply`,
        });
      }
      if (ends) {
        actions.push({kind: 'to-client', data: reply(`${block.code} End (tunnels withheld a line).`)});
        this.finalReply(block.code, actions);
      }
      return false;
    }
    if (passiveCode !== undefined) {
      if (parsed?.continues) {
        // Withheld to its end: ftplib reads an address on any of its lines, curl and lftp on the last.
        this.block = {code: parsed.code, withheld: passiveCode};
        return false;
      }
      const problem = !readable
        ? `the ${passiveCode} reply is over ${this.maxLine} bytes`
        : parsed?.code !== passiveCode
          ? // The true text: the warning's printer escapes it for a terminal, reply() for the FTP client.
            `the reply "${text.slice(0, 8)}" does not start "${passiveCode} "`
          : undefined;
      this.passiveReply(passiveCode, problem === undefined ? text : undefined, problem, actions);
      return false;
    }
    this.passOn(line, actions);
    if (parsed?.continues) this.block = {code: parsed.code};
    else if (parsed) this.finalReply(parsed.code, actions);
    return true;
  }

  /** The bookkeeping of a reply's last line (not a 227/229), passed on to the client just before. */
  private finalReply(code: number, actions: FtpAction[]): void {
    // 1xx is preliminary: the command still awaits its final reply.
    if (code < 200) return;
    // The first final reply is the server's greeting, which answers no command.
    if (!this.greeted) {
      this.greeted = true;
      return;
    }
    const command = this.pending.shift()?.verb;
    if (code === 234 && command === 'AUTH') {
      this.encrypted = true;
      actions.push({kind: 'encrypted'});
      actions.push({
        kind: 'warning',
        message: 'the FTP control channel is now encrypted (AUTH TLS): data channels will not be forwarded',
      });
    }
  }

  /**
   * A reply that could carry a data address, whole (227 or 229 in `code`). Rewritten only when `text` is
   * set (one line, "227 …" or "229 …") and it answers PASV or EPSV in kind; otherwise a PASV or EPSV gets a
   * 425, another command a 425 in its place, and a reply that answers nothing is dropped.
   */
  private passiveReply(
    code: 227 | 229,
    text: string | undefined,
    problem: string | undefined,
    actions: FtpAction[],
  ): void {
    // Before the greeting nothing was asked: the greeting still awaits.
    const command = this.greeted ? this.pending.shift()?.verb : undefined;
    if (command === undefined) {
      actions.push({
        kind: 'warning',
        message: `dropped a ${code} reply from the FTP server that answers no command`,
      });
      return;
    }
    if (command !== 'PASV' && command !== 'EPSV') {
      actions.push({
        kind: 'to-client',
        data: reply(`425 The FTP server answered with a ${code} reply, withheld (tunnels).`),
      });
      actions.push({
        kind: 'warning',
        message: `withheld a ${code} reply from the FTP server that answers ${command.slice(0, 16)}, not PASV or EPSV`,
      });
      return;
    }
    const expected = command === 'PASV' ? 227 : 229;
    if (code !== expected) {
      this.passive({ok: false, reason: `${command} was answered with ${code}`}, false, actions);
    } else if (text === undefined) {
      this.passive({ok: false, reason: problem ?? `the ${code} reply cannot be read`}, false, actions);
    } else if (code === 227) {
      const address = parsePasvReply(text);
      this.passive(
        address.ok ? {port: address.value.port, host: address.value.host} : address,
        false,
        actions,
      );
    } else {
      const port = parseEpsvReply(text);
      this.passive(port.ok ? {port: port.value, host: undefined} : port, true, actions);
    }
  }

  private passive(
    address: {port: number; host: string | undefined} | {ok: false; reason: string},
    extended: boolean,
    actions: FtpAction[],
  ): void {
    if ('ok' in address) {
      // Passing a reply we cannot read would send the client around the tunnel: refuse it instead.
      actions.push({
        kind: 'to-client',
        data: reply(`425 Cannot forward the data connection: ${address.reason} (tunnels).`),
      });
      actions.push({
        kind: 'warning',
        message: `malformed passive reply from the FTP server: ${address.reason}`,
      });
      return;
    }
    actions.push({
      kind: 'passive',
      extended,
      serverPort: address.port,
      replyHost: address.host,
      accept: (listening) =>
        extended ? formatEpsvReply(listening.port) : formatPasvReply(listening.host, listening.port),
      refuse: (reason) => reply(`425 Cannot forward the data connection through SSH: ${reason} (tunnels).`),
    });
  }
}
