import {describe, expect, it} from 'vitest';
import {
  connectErrorMessage,
  droppedMessage,
  JUMP_HOST_PORT_ADVICE,
  keepaliveMessage,
  notConnectedMessage,
  SessionError,
  socketErrorMessage,
} from '../../../source/core/session/messages.js';

const withCode = (code: string, message = `${code} happened`) => Object.assign(new Error(message), {code});
const withLevel = (level: string, message: string) => Object.assign(new Error(message), {level});

describe('the words a session fails in', () => {
  it('names a dropped connection by its socket error, and passes others on', () => {
    expect(droppedMessage(withCode('ECONNRESET'))).toBe(
      'the connection was reset (the server or the network went away)',
    );
    expect(droppedMessage(withCode('EPIPE'))).toBe(droppedMessage(withCode('ECONNRESET')));
    expect(droppedMessage(withCode('ENETDOWN'))).toBe('the network to the server went away');
    expect(droppedMessage(withCode('EWHATEVER', 'something odd'))).toBe('something odd');
  });

  it('says what to check when the connection cannot be made', () => {
    expect(socketErrorMessage(withCode('ECONNREFUSED'), 'db', 2222)).toBe(
      'cannot connect to db:2222: connection refused (is sshd running there, and is the port right? use -p to change it)',
    );
    expect(socketErrorMessage(withCode('ENOTFOUND'), 'nosuch', 22)).toMatch(
      /^cannot resolve the host name nosuch:/,
    );
    expect(socketErrorMessage(withCode('EOTHER', 'odd'), 'db', 22)).toBe('cannot connect to db:22: odd');
  });

  it("tells how to set a jump host's port, which -p does not set", () => {
    const refused = connectErrorMessage(
      Object.assign(withCode('ECONNREFUSED'), {level: 'client-socket'}),
      'bastion',
      2398,
      () => '',
      JUMP_HOST_PORT_ADVICE,
    );
    expect(refused.message).toBe(
      "cannot connect to bastion:2398: connection refused (is sshd running there, and is the port right? set it with -J host:port, or the Port of the jump host's Host block)",
    );
  });

  it("gives each of ssh2's error levels its failure level", () => {
    const level = (error: Error) => connectErrorMessage(error, 'db', 22, () => 'no key was accepted').level;
    expect(level(withLevel('client-authentication', 'All configured authentication methods failed'))).toBe(
      'authentication',
    );
    expect(
      connectErrorMessage(withLevel('client-authentication', 'x'), 'db', 22, () => 'no key').message,
    ).toBe('no key');
    expect(level(withLevel('client-timeout', 'Timed out'))).toBe('timeout');
    expect(level(Object.assign(withCode('ECONNREFUSED'), {level: 'client-socket'}))).toBe('connect');
    const cipher = connectErrorMessage(withLevel('handshake', 'no matching cipher'), 'db', 22, () => '');
    expect(cipher).toBeInstanceOf(SessionError);
    expect(cipher.level).toBe('protocol');
    expect(cipher.message).toBe(
      'the SSH handshake with db:22 failed: no matching cipher (check -c / -o Ciphers=)',
    );
    expect(level(new Error('strange'))).toBe('protocol');
  });

  it('says how long keepalives went unanswered, and why a channel cannot open now', () => {
    expect(keepaliveMessage({serverAliveIntervalMs: 15_000, serverAliveCountMax: 3})).toBe(
      'the server stopped answering (3 keepalives unanswered, every 15 s)',
    );
    expect(notConnectedMessage(true)).toBe('the session is reconnecting; try again in a moment');
    expect(notConnectedMessage(false)).toBe('the session is not connected');
  });
});
