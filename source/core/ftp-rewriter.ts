/**
 * The FTP control-channel rewriter: reads what the FTP client and server say, finds the lines that set up
 * data connections, and asks its owner to forward each one through SSH. Pure: bytes in, bytes and
 * actions out, no sockets. Its owner (ftp-forward.ts) carries out the actions in order.
 */
import {
  formatEprtCommand,
  formatEpsvReply,
  formatPasvReply,
  formatPortCommand,
  type HostPort,
  LineSplitter,
  lineText,
  MAX_LINE_BYTES,
  parseCommand,
  parseEprtArgument,
  parseEpsvReply,
  parsePasvReply,
  parsePortArgument,
  parseReplyLine,
  sameAddress,
} from './ftp-lines.js';

export type FtpAction =
  | {kind: 'to-server'; data: Buffer}
  | {kind: 'to-client'; data: Buffer}
  /** Passive (227/229): listen here, forward to the server's data port through SSH, then send `accept`'s bytes to the client. */
  | {
      kind: 'passive';
      extended: boolean;
      serverPort: number;
      /** The address the 227 reply named (for a warning when it is not the server's). */
      replyHost: string | undefined;
      accept(listening: HostPort): Buffer;
      refuse(reason: string): Buffer;
    }
  /** Active (PORT/EPRT): ask the SSH server for a listener, route it to the client's, then send `accept`'s bytes to the FTP server. */
  | {
      kind: 'active';
      extended: boolean;
      client: HostPort;
      accept(serverListener: HostPort): Buffer;
      refuse(reason: string): Buffer;
    }
  | {kind: 'warning'; message: string}
  /** AUTH TLS was accepted: from here on the channel is encrypted and passes through untouched. */
  | {kind: 'encrypted'};

export interface FtpRewriterOptions {
  /** The FTP client's address (peer of the control connection): PORT/EPRT may only name it. */
  clientAddress: string;
  maxLine?: number;
}

const reply = (text: string) => Buffer.from(`${text}\r\n`, 'latin1');

export class FtpControlRewriter {
  private readonly fromClientLines: LineSplitter;
  private readonly fromServerLines: LineSplitter;
  /** Commands sent to the server, awaiting their final reply (FTP replies come in order). */
  private readonly pending: {verb: string}[] = [];
  private greeted = false;
  /** The code of a multi-line reply in progress. */
  private multiline: number | undefined;
  private skippingClientLine = false;
  private passingServerLine = false;
  private encrypted = false;

  constructor(private readonly options: FtpRewriterOptions) {
    this.fromClientLines = new LineSplitter(options.maxLine ?? MAX_LINE_BYTES);
    this.fromServerLines = new LineSplitter(options.maxLine ?? MAX_LINE_BYTES);
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
    const maxLine = this.options.maxLine ?? MAX_LINE_BYTES;
    for (const line of lines) {
      // The bound holds however the line was chunked: a long line that came with its newline is refused too.
      const terminator = line.length >= 2 && line[line.length - 2] === 0x0d ? 2 : 1;
      if (line.length - terminator > maxLine) this.refuseLongLine(actions);
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
      message: `FTP client sent a line over ${this.options.maxLine ?? MAX_LINE_BYTES} bytes; refused`,
    });
  }

  fromServer(chunk: Buffer): FtpAction[] {
    if (this.encrypted) return [{kind: 'to-client', data: chunk}];
    const actions: FtpAction[] = [];
    let data = chunk;
    if (this.passingServerLine) {
      // The tail of an overlong line: nothing to rewrite in it, so it goes straight through.
      const newline = data.indexOf(0x0a);
      if (newline === -1) return [{kind: 'to-client', data}];
      this.passingServerLine = false;
      actions.push({kind: 'to-client', data: data.subarray(0, newline + 1)});
      data = data.subarray(newline + 1);
    }
    const {lines, overflow} = this.fromServerLines.push(data);
    for (const [index, line] of lines.entries()) {
      this.serverLine(line, actions);
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
      this.passingServerLine = true;
      // Passed on raw and never rewritten, but still counted as a reply (greeting, multi-line, pending).
      this.serverLine(overflow, actions, false);
    }
    return actions;
  }

  private clientLine(line: Buffer, actions: FtpAction[]): void {
    const {verb, argument} = parseCommand(lineText(line));
    if (verb === 'PORT' || verb === 'EPRT') {
      this.activeCommand(verb, argument, actions);
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

  /** `complete` is false for the start of an over-long line: it is passed on, never rewritten. */
  private serverLine(line: Buffer, actions: FtpAction[], complete = true): void {
    const text = lineText(line);
    const parsed = parseReplyLine(text);
    if (this.multiline !== undefined) {
      // Inside a multi-line reply only "<same code> " ends it; nothing inside is rewritten.
      if (parsed && parsed.code === this.multiline && !parsed.continues) {
        this.multiline = undefined;
        this.finalReply(parsed.code, undefined, line, actions);
        return;
      }
      actions.push({kind: 'to-client', data: line});
      return;
    }
    if (!parsed) {
      actions.push({kind: 'to-client', data: line});
      return;
    }
    if (parsed.continues) {
      this.multiline = parsed.code;
      actions.push({kind: 'to-client', data: line});
      return;
    }
    this.finalReply(parsed.code, complete ? text : undefined, line, actions);
  }

  /** A reply's last line. `text` is set only for a single-line reply, the only kind rewritten. */
  private finalReply(code: number, text: string | undefined, line: Buffer, actions: FtpAction[]): void {
    if (code < 200) {
      // 1xx is preliminary: the command still awaits its final reply.
      actions.push({kind: 'to-client', data: line});
      return;
    }
    // The first final reply is the server's greeting, which answers no command.
    if (!this.greeted) {
      this.greeted = true;
      actions.push({kind: 'to-client', data: line});
      return;
    }
    const command = this.pending.shift()?.verb;
    if (code === 227 && command === 'PASV' && text !== undefined) {
      const address = parsePasvReply(text);
      this.passive(
        address.ok ? {port: address.value.port, host: address.value.host} : address,
        false,
        actions,
      );
      return;
    }
    if (code === 229 && command === 'EPSV' && text !== undefined) {
      const port = parseEpsvReply(text);
      this.passive(port.ok ? {port: port.value, host: undefined} : port, true, actions);
      return;
    }
    actions.push({kind: 'to-client', data: line});
    if (code === 234 && command === 'AUTH') {
      this.encrypted = true;
      actions.push({kind: 'encrypted'});
      actions.push({
        kind: 'warning',
        message: 'the FTP control channel is now encrypted (AUTH TLS): data channels will not be forwarded',
      });
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
