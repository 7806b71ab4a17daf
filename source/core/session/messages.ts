import type {SessionFailureLevel} from '../events.js';

/** A failure to connect, with the level that tells a CLI its exit status and a UI its wording. */
export class SessionError extends Error {
  constructor(
    message: string,
    readonly level: SessionFailureLevel,
  ) {
    super(message);
  }
}

/** Why an established connection ended, from its socket error. */
export function droppedMessage(error: Error & {code?: string}): string {
  switch (error.code) {
    case 'ECONNRESET':
    case 'EPIPE':
      return 'the connection was reset (the server or the network went away)';
    case 'ETIMEDOUT':
      return 'the connection timed out (the network went away)';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENETDOWN':
      return 'the network to the server went away';
    default:
      return error.message;
  }
}

/** How the user sets the port of the destination, and of a jump host (-p is the destination's only). */
export const DESTINATION_PORT_ADVICE = 'use -p to change it';
export const JUMP_HOST_PORT_ADVICE = "set it with -J host:port, or the Port of the jump host's Host block";

/** Why the connection could not be made, from its socket error. */
export function socketErrorMessage(
  error: Error & {code?: string},
  host: string,
  port: number,
  portAdvice = DESTINATION_PORT_ADVICE,
): string {
  const where = `${host}:${port}`;
  switch (error.code) {
    case 'ECONNREFUSED':
      return `cannot connect to ${where}: connection refused (is sshd running there, and is the port right? ${portAdvice})`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve the host name ${host}: check the spelling, or its HostName in ~/.ssh/config`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `cannot reach ${host}: no route to the host (check the network)`;
    case 'ETIMEDOUT':
      return `timed out connecting to ${where}`;
    case 'ECONNRESET':
      return `the connection to ${where} was reset during the handshake`;
    default:
      return `cannot connect to ${where}: ${error.message}`;
  }
}

/** A failure of the handshake, from ssh2's error and its level. */
export function connectErrorMessage(
  error: Error & {level?: string; code?: string},
  host: string,
  port: number,
  authenticationFailure: () => string,
  portAdvice = DESTINATION_PORT_ADVICE,
): SessionError {
  const where = `${host}:${port}`;
  switch (error.level) {
    case 'client-authentication':
      return new SessionError(authenticationFailure(), 'authentication');
    case 'client-timeout':
      return new SessionError(`timed out connecting to ${where}`, 'timeout');
    case 'client-socket':
      return new SessionError(socketErrorMessage(error, host, port, portAdvice), 'connect');
    case 'handshake':
      return new SessionError(
        `the SSH handshake with ${where} failed: ${error.message}${/algorithm|cipher/i.test(error.message) ? ' (check -c / -o Ciphers=)' : ''}`,
        'protocol',
      );
    default:
      return new SessionError(`the connection to ${where} failed: ${error.message}`, 'protocol');
  }
}

/**
 * The keepalives went unanswered; `who` stopped answering: the server, "the server via bastion", or a jump
 * host known to have frozen.
 */
export function keepaliveMessage(
  config: {
    serverAliveIntervalMs: number;
    serverAliveCountMax: number;
  },
  who = 'the server',
): string {
  const {serverAliveIntervalMs, serverAliveCountMax} = config;
  return `${who} stopped answering (${serverAliveCountMax} keepalives unanswered, every ${serverAliveIntervalMs / 1000} s)`;
}

/** A channel asked for while the connection ended, and why it ended when that is known. */
export function connectionLostMessage(reason: string | undefined): string {
  return `the SSH connection dropped before the server answered${reason ? `: ${reason}` : ''}`;
}

export function notConnectedMessage(reconnecting: boolean): string {
  return reconnecting ? 'the session is reconnecting; try again in a moment' : 'the session is not connected';
}
