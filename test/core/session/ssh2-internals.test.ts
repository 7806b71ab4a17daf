import type {Client} from 'ssh2';
import {describe, expect, it} from 'vitest';
import ssh2 from '../../../source/core/session/ssh2.js';
import {linkInternals, openChannelCount, pingWithReply} from '../../../source/core/session/ssh2-internals.js';

describe("ssh2's private fields, read in one place", () => {
  it('says which ssh2 it needs when the fields are not there (a client not connected has none)', () => {
    const client = new ssh2.Client();
    expect(openChannelCount(client)).toBe(0);
    expect(() => linkInternals(client)).toThrow(/this version of ssh2 is not one tunnels knows/);
  });

  it('counts no channels without a client, and pings with a reply when ssh2 can', () => {
    expect(openChannelCount(undefined)).toBe(0);
    const pings: string[] = [];
    const callbacks: Array<() => void> = [];
    const fake = {_callbacks: callbacks, _protocol: {ping: () => pings.push('ping')}} as unknown as Client;
    let answered = false;
    expect(
      pingWithReply(fake, () => {
        answered = true;
      }),
    ).toBe(true);
    expect(pings).toEqual(['ping']);
    callbacks.shift()?.();
    expect(answered).toBe(true);
    expect(pingWithReply({} as Client, () => {})).toBe(false);
  });
});
