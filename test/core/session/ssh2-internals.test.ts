import {createRequire} from 'node:module';
import type {Client} from 'ssh2';
import {describe, expect, it} from 'vitest';
import ssh2 from '../../../source/core/session/ssh2.js';
import {
  type DecipherInternals,
  decipherHolds,
  linkInternals,
  openChannelCount,
  pingWithReply,
} from '../../../source/core/session/ssh2-internals.js';

/** ssh2's own cipher table and decipher factory, to hold a decipher mid-packet as a read can leave it. */
const ssh2Crypto = createRequire(import.meta.url)('ssh2/lib/protocol/crypto.js') as {
  CIPHER_INFO: Record<string, {keyLen: number; ivLen: number}>;
  createDecipher(
    config: unknown,
  ): DecipherInternals & {decrypt(data: Buffer, p: number, end: number): unknown};
};

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

describe("whether ssh2's decipher keeps a view into a read", () => {
  for (const cipher of ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com']) {
    it(`${cipher}: a packet whose tag has not all come is held where it lies; a read of whole packets is not`, () => {
      const info = ssh2Crypto.CIPHER_INFO[cipher]!;
      const payloads: number[] = [];
      const decipher = ssh2Crypto.createDecipher({
        inbound: {
          onPayload: (payload: Buffer) => payloads.push(payload.length),
          decipherInfo: info,
          decipherKey: Buffer.alloc(info.keyLen, 1),
          decipherIV: Buffer.alloc(info.ivLen, 2),
          seqno: 0,
        },
      });
      const read = Buffer.alloc(64 * 1024);
      // A 32-byte packet (the length is in the clear) whose body ends 8 bytes before the read does: the
      // rest of its 16-byte tag comes in the next read, and the body waits for it where it is.
      const start = read.length - (4 + 32 + 8);
      read.writeUInt32BE(32, start);
      expect(decipherHolds(decipher, read.buffer)).toBe(false);
      decipher.decrypt(read, start, read.length);
      expect(payloads).toEqual([]);
      expect(decipherHolds(decipher, read.buffer)).toBe(true);
      // Unrelated buffers are not mistaken for it.
      expect(decipherHolds(decipher, Buffer.alloc(64 * 1024).buffer)).toBe(false);
    });
  }
});
