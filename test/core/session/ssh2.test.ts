import {describe, expect, it} from 'vitest';
import ssh2, {pooledPaddingBytes, pooledRandomFillSync} from '../../../source/core/session/ssh2.js';
import {useSshdAndEcho} from '../../helpers/fixtures.js';
import {connectedSession, forwardTo, until} from '../../helpers/session.js';
import {exchange} from '../../helpers/targets.js';

describe('pooled padding bytes', () => {
  it('fills exactly the range asked for, and never hands out the same bytes twice', () => {
    const seen = new Set<string>();
    for (let round = 0; round < 5000; round++) {
      const buffer = Buffer.alloc(40, 0xaa);
      const size = 4 + (round % 16);
      expect(pooledRandomFillSync(buffer, 5, size)).toBe(buffer);
      expect(buffer.subarray(0, 5).every((byte) => byte === 0xaa)).toBe(true);
      expect(buffer.subarray(5 + size).every((byte) => byte === 0xaa)).toBe(true);
      // 16 random bytes repeating by chance: about 2^-100 over this test.
      if (size === 16) {
        const padding = buffer.subarray(5, 5 + size).toString('hex');
        expect(seen.has(padding)).toBe(false);
        seen.add(padding);
      }
    }
    expect(seen.size).toBeGreaterThan(300);
  });

  it('leaves large, whole-buffer and out-of-range fills to crypto itself', () => {
    const large = Buffer.alloc(4096);
    pooledRandomFillSync(large, 0, 4096);
    expect(large.some((byte) => byte !== 0)).toBe(true);
    const whole = new Uint8Array(32);
    pooledRandomFillSync(whole);
    expect(whole.some((byte) => byte !== 0)).toBe(true);
    expect(() => pooledRandomFillSync(Buffer.alloc(8), 6, 4)).toThrow(RangeError);
  });
});

describe('ssh2 as loaded by tunnels, against a real sshd', () => {
  const fixture = useSshdAndEcho();

  it('exports the ssh2 API the core uses', () => {
    expect(typeof ssh2.Client).toBe('function');
    expect(typeof ssh2.utils.parseKey).toBe('function');
    expect(typeof ssh2.OpenSSHAgent).toBe('function');
  });

  for (const cipher of ['aes128-gcm@openssh.com', 'chacha20-poly1305@openssh.com', 'aes128-ctr']) {
    it(`pads its packets from the pool and carries data intact (${cipher})`, async () => {
      const before = pooledPaddingBytes;
      const session = await connectedSession(fixture.sshd, [`Ciphers=${cipher}`]);
      try {
        const forward = await forwardTo(session, 'local', fixture.echo.port);
        const result = await exchange(forward.listeningOn!.port, 4 * 1024 * 1024);
        expect(result.received).toBe(4 * 1024 * 1024);
        expect(result.receivedHash).toBe(result.sentHash);
        await until(() => forward.counters().openConnections === 0, 5000, 'connection to close');
      } finally {
        await session.close();
      }
      // 4 MiB each way is over 128 packets of ours, each with at least 4 bytes of padding.
      expect(pooledPaddingBytes - before).toBeGreaterThan(128 * 4);
    });
  }
});
