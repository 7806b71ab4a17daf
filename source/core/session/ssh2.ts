import crypto from 'node:crypto';
import Module, {createRequire} from 'node:module';
import path from 'node:path';
import type ssh2Types from 'ssh2';

/**
 * ssh2, loaded so that its packet padding comes from a pool of random bytes. ssh2 fills each packet's
 * 4–19 padding bytes with its own randomFillSync call, a cost per packet that is a large share of the CPU
 * of a short forwarded connection and shows in bulk transfers too. The pool is filled by the same CSPRNG
 * and each byte is used once, so the padding is exactly as random as before. ssh2 takes randomFillSync from
 * require('crypto') when its crypto.js loads, so that one require is answered with a copy of crypto
 * whose randomFillSync serves small fills from the pool. Everything else in ssh2 is untouched, and if
 * ssh2 is already loaded (or changes how it pads) this changes nothing.
 */
const PADDING_SOURCE = `${path.sep}ssh2${path.sep}lib${path.sep}protocol${path.sep}crypto.js`;
const POOL_SIZE = 16 * 1024;
/** Larger fills (keys, cookies) go straight to the CSPRNG. */
const LARGEST_POOLED_FILL = 64;

const pool = Buffer.allocUnsafe(POOL_SIZE);
let poolOffset = POOL_SIZE;
/** Bytes handed out from the pool (for the tests). */
export let pooledPaddingBytes = 0;

/** crypto.randomFillSync, with small fills served from the pool. */
export function pooledRandomFillSync<T extends NodeJS.ArrayBufferView>(
  buffer: T,
  offset?: number,
  size?: number,
): T {
  if (
    !Buffer.isBuffer(buffer) ||
    typeof offset !== 'number' ||
    typeof size !== 'number' ||
    size > LARGEST_POOLED_FILL ||
    offset < 0 ||
    offset + size > buffer.length
  )
    return crypto.randomFillSync(buffer, offset, size);
  if (poolOffset + size > POOL_SIZE) {
    crypto.randomFillSync(pool);
    poolOffset = 0;
  }
  // A byte loop: for a handful of bytes it is cheaper than Buffer.copy's call.
  for (let index = 0; index < size; index++) buffer[offset + index] = pool[poolOffset + index] as number;
  poolOffset += size;
  pooledPaddingBytes += size;
  return buffer;
}

function loadSsh2(): typeof ssh2Types {
  const load = createRequire(import.meta.url);
  const loader = Module as unknown as {
    _load(request: string, parent: {filename?: string} | undefined, isMain: boolean): unknown;
  };
  const originalLoad = loader._load;
  const cryptoWithPooledPadding = Object.create(crypto, {randomFillSync: {value: pooledRandomFillSync}});
  loader._load = function (this: unknown, request, parent, isMain) {
    if ((request === 'crypto' || request === 'node:crypto') && parent?.filename?.endsWith(PADDING_SOURCE))
      return cryptoWithPooledPadding;
    return originalLoad.call(this, request, parent, isMain);
  };
  try {
    return load('ssh2') as typeof ssh2Types;
  } finally {
    loader._load = originalLoad;
  }
}

const ssh2 = loadSsh2();
export default ssh2;
