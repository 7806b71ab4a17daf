import {execFile} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import net from 'node:net';
import {promisify} from 'node:util';
import type {ClientChannel} from 'ssh2';
import type {ChannelLink} from '../forwards/channel-link.js';
import {MIT_MAGIC_COOKIE, parseDisplay, type X11Display, X11SetupChecker} from './x11-setup.js';

const run = promisify(execFile);

/** Untrusted X11 forwarding for one session, as OpenSSH does it: the server only ever sees a fake cookie. */
export interface X11Forwarding {
  display: X11Display;
  displayName: string;
  /** Sent to the server; a fresh random one for each session. */
  fakeCookie: Buffer;
  /** The local display's cookie, put in only after the fake one is checked. */
  realCookie: Buffer;
  warnings: string[];
}

/**
 * Gets ready to forward X11 to $DISPLAY. Returns a reason instead when that cannot be done (no DISPLAY,
 * no xauth): the command then runs without X11.
 */
export async function prepareX11(displayName: string | undefined): Promise<X11Forwarding | string> {
  if (!displayName) return 'X11 forwarding was asked for, but DISPLAY is not set; running without X11';
  const display = parseDisplay(displayName);
  if (!display)
    return `X11 forwarding was asked for, but DISPLAY "${displayName}" cannot be read; running without X11`;
  const fakeCookie = randomBytes(16);
  const warnings: string[] = [];
  let realCookie: Buffer | undefined;
  try {
    const {stdout} = await run('xauth', ['list', displayName], {timeout: 5000});
    const line = stdout.split('\n').find((entry) => entry.split(/\s+/)[1] === MIT_MAGIC_COOKIE);
    const hex = line?.split(/\s+/)[2];
    if (hex && /^[0-9a-f]+$/i.test(hex)) realCookie = Buffer.from(hex, 'hex');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      return 'X11 forwarding was asked for, but xauth is not installed (Debian package xauth); running without X11';
    return `X11 forwarding was asked for, but "xauth list ${displayName}" failed; running without X11`;
  }
  if (!realCookie) {
    // As OpenSSH: with no cookie for the display, the X server gets the fake one (enough for a server without access control).
    warnings.push(`no xauth cookie for display ${displayName}; the X server will get a made-up one`);
    realCookie = fakeCookie;
  }
  return {display, displayName, fakeCookie, realCookie, warnings};
}

/**
 * Handles one x11 channel: reads the client's setup, refuses it unless it carries the fake cookie, then
 * connects to the local display, passes the setup on with the real cookie, and carries the rest over a
 * ChannelLink (`adopt` takes the channel over, with whatever it holds by then).
 */
export function serveX11Channel(
  channel: ClientChannel,
  x11: X11Forwarding,
  onRefused: (reason: string) => void,
  adopt: (channel: ClientChannel) => ChannelLink,
): void {
  const checker = new X11SetupChecker(x11.fakeCookie, x11.realCookie);
  channel.on('error', () => {});
  // The X client stopped (EOF or close from the server) before its setup was whole: nothing more can
  // come, so the channel is closed; left open, sshd would hold the client's socket for the session.
  const onEnd = () => {
    channel.off('data', onData);
    channel.destroy();
  };
  const onData = (chunk: Buffer) => {
    const result = checker.push(chunk);
    if (result.status === 'need-more') return;
    channel.off('data', onData);
    channel.off('end', onEnd);
    channel.pause();
    if (result.status === 'rejected') {
      onRefused(result.reason);
      channel.destroy();
      return;
    }
    const {display} = x11;
    const socket = display.socketPath
      ? net.connect({path: display.socketPath, allowHalfOpen: true})
      : net.connect({host: display.host!, port: display.port!, allowHalfOpen: true});
    socket.on('error', (error) => {
      onRefused(`cannot reach the X display ${x11.displayName}: ${error.message}`);
      channel.destroy();
    });
    socket.once('connect', () => {
      // From here to link.start nothing waits: the link handles the socket's errors (and closes the
      // channel once). ssh2's own channel.destroy() on a linked channel would close it a second time.
      socket.removeAllListeners('error');
      let link: ChannelLink;
      try {
        link = adopt(channel);
      } catch (error) {
        onRefused((error as Error).message);
        socket.destroy();
        return;
      }
      socket.write(result.setup);
      if (result.rest.length > 0) socket.write(result.rest);
      link.start(socket, () => {});
    });
  };
  channel.on('data', onData);
  channel.once('end', onEnd);
}
