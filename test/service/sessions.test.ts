import {describe, expect, it} from 'vitest';
import type {SessionEvent} from '../../source/service/protocol.js';
import {reconnecting} from '../../source/service/sessions.js';

describe('what ls says of a reconnecting session', () => {
  const drop = (time: number, reason: string, delayMs: number): SessionEvent => ({
    session: 'db',
    time,
    event: {event: 'session-reconnecting', attempt: 1, delayMs, reason},
  });

  it('the latest drop’s reason and when it is tried again', () => {
    const recent = [
      drop(1000, 'the server closed the connection', 1000),
      drop(5000, 'connection refused', 2000),
    ];
    expect(reconnecting('reconnecting', recent)).toEqual({reason: 'connection refused', retryAt: 7000});
  });

  it('nothing for a session in any other state, or with no such event kept', () => {
    expect(reconnecting('connected', [drop(1000, 'gone', 1000)])).toEqual({});
    expect(reconnecting('reconnecting', [])).toEqual({});
  });
});
