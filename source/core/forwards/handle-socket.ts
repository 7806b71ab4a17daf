import {EventEmitter} from 'node:events';
import type net from 'node:net';
import {getSystemErrorName} from 'node:util';

/**
 * An accepted TCP connection driven on libuv's handle directly, without net.Socket's stream machinery:
 * the part of net.Socket a ChannelLink uses (data, end, drain, close and error events; write, cork and
 * uncork, end, destroy, pause and resume; the byte counts), with the same meaning. On a short connection
 * net.Socket's Duplex (its construction, its states, its events) is a large share of the CPU; here a read
 * becomes one 'data' event and a write one call into the handle.
 *
 * The handle is Node's own (tcp_wrap), reached through process.binding, which Node keeps for these
 * modules. Where it is not there or not as expected, handleSocketsAvailable is false and the listeners
 * give net.Socket as before.
 */

interface StreamHandle {
  readStart(): number;
  readStop(): number;
  writeBuffer(request: object, data: Buffer): number;
  writev(request: object, chunks: Buffer[], allBuffers: boolean): number;
  shutdown(request: object): number;
  close(callback: () => void): void;
  getpeername(out: {address?: string; port?: number}): number;
  setNoDelay(enable: boolean): number;
  onread: (arrayBuffer: ArrayBuffer | undefined) => void;
}

interface Bindings {
  WriteWrap: new () => {handle?: StreamHandle; oncomplete?: (status: number) => void; async?: boolean};
  ShutdownWrap: new () => {handle?: StreamHandle; oncomplete?: (status: number) => void};
  state: Int32Array;
  readBytesOrError: number;
  arrayBufferOffset: number;
  lastWriteWasAsync: number;
  eof: number;
  notConnected: number;
}

function loadBindings(): Bindings | undefined {
  // Under --pending-deprecation process.binding prints a warning (DEP0111), which a terminal would show.
  const flags = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ');
  if (flags.includes('--pending-deprecation')) return undefined;
  try {
    const binding = (process as unknown as {binding(name: string): Record<string, unknown>}).binding;
    const stream = binding('stream_wrap');
    const uv = binding('uv');
    const bindings = {
      WriteWrap: stream.WriteWrap as Bindings['WriteWrap'],
      ShutdownWrap: stream.ShutdownWrap as Bindings['ShutdownWrap'],
      state: stream.streamBaseState as Int32Array,
      readBytesOrError: stream.kReadBytesOrError as number,
      arrayBufferOffset: stream.kArrayBufferOffset as number,
      lastWriteWasAsync: stream.kLastWriteWasAsync as number,
      eof: uv.UV_EOF as number,
      notConnected: uv.UV_ENOTCONN as number,
    };
    const complete =
      typeof bindings.WriteWrap === 'function' &&
      typeof bindings.ShutdownWrap === 'function' &&
      bindings.state instanceof Int32Array &&
      [
        bindings.readBytesOrError,
        bindings.arrayBufferOffset,
        bindings.lastWriteWasAsync,
        bindings.eof,
        bindings.notConnected,
      ].every((value) => typeof value === 'number');
    return complete ? bindings : undefined;
  } catch {
    return undefined;
  }
}

const bindings = loadBindings();
export const handleSocketsAvailable = bindings !== undefined;

/** The high-water mark of net.Socket's writable side: write() returns false at or above it. */
const WRITABLE_HIGH_WATER_MARK = 16 * 1024;

function errnoError(status: number, syscall: string): NodeJS.ErrnoException {
  let code: string;
  try {
    code = getSystemErrorName(status);
  } catch {
    code = `E${-status}`;
  }
  const error: NodeJS.ErrnoException = new Error(`${syscall} ${code}`);
  error.code = code;
  error.errno = status;
  error.syscall = syscall;
  return error;
}

function ignoreRead(): void {}

/**
 * A client's connection as the forwards use it: a net.Socket, or a HandleSocket where the listener gives
 * those. Only what both have with the same meaning.
 */
export interface LocalSocket {
  readonly bytesRead: number;
  readonly bytesWritten: number;
  readonly writableLength: number;
  readonly writableHighWaterMark: number;
  readonly destroyed: boolean;
  readonly readableEnded: boolean;
  readonly writableEnded: boolean;
  readonly writableFinished: boolean;
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  on(event: 'data', listener: (data: Buffer) => void): this;
  on(event: 'end' | 'drain' | 'finish', listener: () => void): this;
  on(event: 'close', listener: (hadError: boolean) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  once(event: 'end' | 'drain' | 'finish', listener: () => void): this;
  once(event: 'close', listener: (hadError: boolean) => void): this;
  off(event: 'data', listener: (data: Buffer) => void): this;
  off(event: 'end' | 'drain' | 'finish', listener: () => void): this;
  off(event: 'close', listener: (hadError: boolean) => void): this;
  write(data: Buffer): boolean;
  end(): this;
  end(data: Buffer): this;
  cork(): void;
  uncork(): void;
  pause(): this;
  resume(): this;
  destroy(error?: Error): this;
}

export class HandleSocket extends EventEmitter implements LocalSocket {
  bytesRead = 0;
  bytesWritten = 0;
  /** Bytes handed to the handle and not yet written (libuv writes them when the socket can take them). */
  private queuedBytes = 0;
  /** Bytes written while corked, not yet handed to the handle. */
  private corkedBytes = 0;
  readonly writableHighWaterMark = WRITABLE_HIGH_WATER_MARK;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  destroyed = false;
  /** The peer's EOF has been read and 'end' emitted. */
  readableEnded = false;
  /** end() was called. */
  writableEnded = false;
  /** Our side is shut down: everything written went out, then the FIN. */
  writableFinished = false;
  private reading = false;
  /** Writes held by cork() until uncork(). */
  private corked: Buffer[] | undefined;
  /** A write said "full" (returned false): a 'drain' is owed once everything has gone out. */
  private needDrain = false;
  private shutdownPending = false;

  constructor(private readonly handle: StreamHandle) {
    super();
    const peer: {address?: string; port?: number} = {};
    if (handle.getpeername(peer) === 0) {
      this.remoteAddress = peer.address;
      this.remotePort = peer.port;
    }
    handle.onread = (arrayBuffer) => this.onRead(arrayBuffer);
  }

  setNoDelay(enable = true): this {
    if (!this.destroyed) this.handle.setNoDelay(enable);
    return this;
  }

  resume(): this {
    if (!this.reading && !this.readableEnded && !this.destroyed) {
      this.reading = true;
      const status = this.handle.readStart();
      if (status < 0) this.destroy(errnoError(status, 'read'));
    }
    return this;
  }

  pause(): this {
    if (this.reading && !this.destroyed) {
      this.reading = false;
      this.handle.readStop();
    }
    return this;
  }

  /** What is written and not yet out, as net.Socket counts it: corked writes too. */
  get writableLength(): number {
    return this.queuedBytes + this.corkedBytes;
  }

  write(data: Buffer): boolean {
    if (this.destroyed || this.writableEnded) return false;
    if (this.corked) {
      this.corked.push(data);
      this.corkedBytes += data.length;
    } else this.dispatch(data);
    const taken = this.writableLength < WRITABLE_HIGH_WATER_MARK;
    if (!taken) this.needDrain = true;
    return taken;
  }

  cork(): void {
    this.corked ??= [];
  }

  uncork(): void {
    const corked = this.corked;
    this.corked = undefined;
    this.corkedBytes = 0;
    if (!corked || corked.length === 0 || this.destroyed) return;
    this.dispatch(corked.length === 1 ? corked[0]! : corked);
  }

  /** Ends our side once what is written has gone out (a FIN); the socket closes when both sides have ended. */
  end(data?: Buffer): this {
    if (this.writableEnded || this.destroyed) return this;
    if (data) this.write(data);
    this.uncork();
    this.writableEnded = true;
    if (this.writableLength === 0) this.shutdown();
    else this.shutdownPending = true;
    return this;
  }

  destroy(error?: Error): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.reading = false;
    this.corked = undefined;
    this.corkedBytes = 0;
    this.handle.onread = ignoreRead;
    this.handle.close(() => {
      if (error) this.emit('error', error);
      this.emit('close', error !== undefined);
    });
    return this;
  }

  /** One write system call: a buffer, or a corked batch as one writev. */
  private dispatch(data: Buffer | Buffer[]): void {
    const request = new bindings!.WriteWrap();
    request.handle = this.handle;
    request.async = false;
    let size: number;
    let status: number;
    if (Array.isArray(data)) {
      size = 0;
      for (const chunk of data) size += chunk.length;
      status = this.handle.writev(request, data, true);
    } else {
      size = data.length;
      status = this.handle.writeBuffer(request, data);
    }
    if (status !== 0) {
      this.destroy(errnoError(status, 'write'));
      return;
    }
    this.bytesWritten += size;
    if (!bindings!.state[bindings!.lastWriteWasAsync]) {
      // All of it went out at once. A 'drain' owed (corked writes that said "full") comes on the next
      // tick, as net.Socket's does.
      if (this.needDrain && this.queuedBytes === 0) process.nextTick(() => this.drained());
      return;
    }
    // The kernel took part of it: the rest goes out from libuv's queue, and the buffers must live till then.
    this.queuedBytes += size;
    request.oncomplete = (completion: number) => {
      void data;
      this.queuedBytes -= size;
      if (this.destroyed) return;
      if (completion < 0) {
        this.destroy(errnoError(completion, 'write'));
        return;
      }
      this.drained();
    };
  }

  /** Everything written has gone out: the shutdown end() asked for, and the 'drain' a full write owed. */
  private drained(): void {
    if (this.destroyed || this.writableLength > 0) return;
    if (this.shutdownPending) {
      this.shutdownPending = false;
      this.shutdown();
    }
    if (this.needDrain) {
      this.needDrain = false;
      this.emit('drain');
    }
  }

  private shutdown(): void {
    const request = new bindings!.ShutdownWrap();
    request.handle = this.handle;
    request.oncomplete = (status: number) => this.finished(status);
    const status = this.handle.shutdown(request);
    // 1: done at once (libuv had nothing queued); ENOTCONN: the peer is gone, nothing more to send.
    if (status === 1 || status === bindings!.notConnected) this.finished(0);
    else if (status !== 0) this.destroy(errnoError(status, 'shutdown'));
  }

  private finished(status: number): void {
    if (this.destroyed) return;
    if (status < 0 && status !== bindings!.notConnected) {
      this.destroy(errnoError(status, 'shutdown'));
      return;
    }
    this.writableFinished = true;
    this.emit('finish');
    if (this.readableEnded) this.destroy();
  }

  private onRead(arrayBuffer: ArrayBuffer | undefined): void {
    const state = bindings!.state;
    const length = state[bindings!.readBytesOrError]!;
    if (length > 0) {
      this.bytesRead += length;
      this.emit('data', Buffer.from(arrayBuffer!, state[bindings!.arrayBufferOffset], length));
      return;
    }
    if (length === 0) return;
    if (length !== bindings!.eof) {
      this.destroy(errnoError(length, 'read'));
      return;
    }
    this.handle.readStop();
    this.reading = false;
    this.readableEnded = true;
    this.emit('end');
    if (this.writableFinished) this.destroy();
  }
}

/** What accepts connections for a listener: net.Server's handle's callback, replaced. */
export function acceptHandleSockets(
  server: net.Server,
  onSocket: (socket: HandleSocket) => void,
  onError: (error: NodeJS.ErrnoException) => void,
): void {
  const serverHandle = (server as unknown as {_handle: {onconnection: unknown} | null})._handle;
  // A unix socket's listener has a Pipe handle, whose clients have no peer address: net.Socket stays.
  if (serverHandle?.constructor.name !== 'TCP') return;
  serverHandle.onconnection = (status: number, handle: StreamHandle | undefined) => {
    if (status < 0 || !handle) {
      onError(errnoError(status, 'accept'));
      return;
    }
    onSocket(new HandleSocket(handle));
  };
}
