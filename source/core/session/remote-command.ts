import type {Readable, Writable} from 'node:stream';
import {prepareX11, serveX11Channel, type X11Forwarding} from '../x11/x11-relay.js';
import type {Session} from './session.js';

export interface RemoteCommandOptions {
  x11: boolean;
  agent: boolean;
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  /** Where the local X display is ($DISPLAY). */
  display: string | undefined;
}

/** Runs a command on the server, with X11 and agent forwarding only when asked; resolves with its exit status. */
export async function runRemoteCommand(
  session: Session,
  command: string,
  options: RemoteCommandOptions,
): Promise<number> {
  const warn = (message: string) => session.events.emit({event: 'warning', message});
  let x11: X11Forwarding | undefined;
  if (options.x11) {
    const prepared = await prepareX11(options.display);
    if (typeof prepared === 'string') warn(prepared);
    else {
      x11 = prepared;
      for (const message of prepared.warnings) warn(message);
    }
  }
  let agent = options.agent;
  if (agent && !(session.config.forwardAgentSocket ?? session.config.agentSocket)) {
    warn(
      'agent forwarding was asked for, but there is no agent (SSH_AUTH_SOCK is not set); not forwarding it',
    );
    agent = false;
  }
  if (agent && session.hostKeyTrust === 'unchecked') {
    // The server's identity was not checked: it must not get to use our keys.
    warn('agent forwarding refused: the host key was accepted without checking (StrictHostKeyChecking=no)');
    agent = false;
  }
  const {channel, exitStatus} = await session.exec(command, {
    agentForward: agent,
    ...(x11
      ? {
          x11: {cookie: x11.fakeCookie, screen: x11.display.screen},
          onX11: (x11Channel) =>
            serveX11Channel(
              x11Channel,
              x11,
              (reason) => warn(`X11 connection refused: ${reason}`),
              (channel) => session.adoptChannel(channel),
            ),
        }
      : {}),
  });
  return new Promise((resolve) => {
    channel.stdout.pipe(options.stdout, {end: false});
    channel.stderr.pipe(options.stderr, {end: false});
    options.stdin.pipe(channel);
    channel.on('close', () => {
      options.stdin.unpipe(channel);
      resolve(exitStatus() ?? 255);
    });
  });
}
