// Clients that misbehave at a random point of an exchange, for the hostile-client suite. Everything random
// comes from one seeded generator, so a failing round is replayed by its seed (HOSTILE_SEED=...).
import {randomBytes} from 'node:crypto';
import net from 'node:net';

/** mulberry32: a small, fast, seedable generator; good enough to pick faults, not for secrets. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    below: (n) => Math.floor(next() * n),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    chance: (p) => next() < p,
    bytes: (n) => {
      const out = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) out[i] = Math.floor(next() * 256);
      return out;
    },
  };
}

export interface Random {
  next(): number;
  below(n: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  bytes(n: number): Buffer;
}

/** How a hostile client leaves: a TCP reset, a half-close either way, a stall, or simply gone. */
export type Ending = 'reset' | 'half-close' | 'read-close' | 'stall' | 'vanish' | 'garbage';
export const ENDINGS: readonly Ending[] = ['reset', 'half-close', 'read-close', 'stall', 'vanish', 'garbage'];

/**
 * One step of an exchange: bytes to send, then (when `reply` is set) how many reply bytes a well-behaved
 * client would wait for before the next step.
 */
export interface Step {
  send: Buffer;
  reply?: number;
}

/** What one hostile client did, for the failure message. */
export interface HostileRun {
  script: string;
  cut: string;
  ending: Ending;
  /** The client's own port, to find it in the forwarder's log. */
  port?: number;
}

/**
 * Plays `steps` up to a random cut (inside a step's bytes, between steps, or before or after waiting for
 * a reply), then ends as `ending` says. Never rejects: whatever the server does is fine, as long as the
 * client is gone at the end (bounded by `limitMs`).
 */
export function hostileClient(
  /** A TCP port, or a unix socket's path. */
  port: number | string,
  steps: Step[],
  random: Random,
  script: string,
  limitMs = 3000,
  host = '127.0.0.1',
): Promise<HostileRun> {
  const cutStep = random.below(steps.length + 1);
  const cutByte = cutStep < steps.length ? random.below(steps[cutStep]!.send.length + 1) : 0;
  const waitForReply = random.chance(0.6);
  const ending = random.pick(ENDINGS);
  const stallMs = random.below(400);
  const splitWrites = random.chance(0.3);
  const run: HostileRun = {script, cut: `step ${cutStep} byte ${cutByte} wait ${waitForReply}`, ending};
  return new Promise((resolve) => {
    const socket =
      typeof port === 'string'
        ? net.connect({path: port, allowHalfOpen: true})
        : net.connect({port, host, allowHalfOpen: true});
    // A unix socket has no reset: it is closed instead.
    const reset = () => (typeof port === 'string' ? socket.destroy() : socket.resetAndDestroy());
    let received = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(limit);
      socket.destroy();
      resolve(run);
    };
    const limit = setTimeout(finish, limitMs);
    let onReceived: (() => void) | undefined;
    socket.on('error', finish);
    socket.on('close', () => {
      finish();
      onReceived?.();
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      onReceived?.();
    });
    const awaitReply = (bytes: number) =>
      new Promise<void>((resolveReply) => {
        const target = received + bytes;
        // A reply that never comes (the server closed, or is slow) ends the wait with the client.
        const timer = setTimeout(() => check(true), 500);
        const check = (timedOut = false) => {
          if (received >= target || done || timedOut) {
            clearTimeout(timer);
            onReceived = undefined;
            resolveReply();
          }
        };
        onReceived = check;
        check();
      });
    const write = (data: Buffer) => {
      if (done || socket.destroyed || data.length === 0) return;
      if (!splitWrites) {
        socket.write(data);
        return;
      }
      for (let offset = 0; offset < data.length; offset += 1 + random.below(4))
        socket.write(data.subarray(offset, offset + 1 + random.below(4)));
    };
    const end = () => {
      if (done) return;
      switch (ending) {
        case 'reset':
          reset();
          break;
        case 'half-close':
          // Our side is done sending; the server's is left to close the connection (or the limit does).
          socket.end();
          break;
        case 'read-close':
          // Stop reading and send nothing more, then reset: whatever the server writes meets a dead peer.
          socket.pause();
          setTimeout(reset, stallMs);
          break;
        case 'stall':
          setTimeout(() => socket.destroy(), stallMs);
          break;
        case 'vanish':
          socket.destroy();
          break;
        case 'garbage':
          write(randomBytes(1 + random.below(64)));
          setTimeout(() => (random.chance(0.5) ? reset() : socket.end()), stallMs / 4);
          break;
      }
    };
    socket.once('connect', async () => {
      run.port = socket.localPort;
      for (let index = 0; index < steps.length && !done; index++) {
        const step = steps[index]!;
        if (index === cutStep) {
          write(step.send.subarray(0, cutByte));
          break;
        }
        write(step.send);
        if (step.reply && (waitForReply || index < cutStep - 1)) await awaitReply(step.reply);
      }
      end();
    });
  });
}

/** Runs `count` clients, at most `parallel` at a time; each is made by `make(index)`. */
export async function runClients(
  count: number,
  parallel: number,
  make: (index: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({length: parallel}, async () => {
      while (next < count) await make(next++);
    }),
  );
}
