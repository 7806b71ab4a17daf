import {setFlagsFromString} from 'node:v8';
import {runInNewContext} from 'node:vm';

/**
 * A bound on the dead buffers the forwarding path leaves for the garbage collector. V8 collects the young
 * generation once its buffers add up to a fixed amount (twice its largest semi-space, whatever the
 * flags), and moving data through tunnels allocates a buffer for nearly every byte (reads of local
 * sockets, ssh2's packets, reads of the SSH connection that something still holds): all of that garbage
 * sits on top of the data in flight, and the allocator keeps much of it resident after. Counting what the
 * path allocates and asking for a young collection every GARBAGE_BUDGET_BYTES keeps it to a fraction. A
 * young collection with nearly nothing alive is cheap, and it frees what V8 would have freed a little
 * later anyway (README, Performance: the figures).
 */

const MiB = 1024 * 1024;
/** TUNNELS_GC_BUDGET_MIB=0 leaves collection to V8 alone (for A/B measurements). */
export const GARBAGE_BUDGET_BYTES = Number(process.env.TUNNELS_GC_BUDGET_MIB ?? 8) * MiB;

type Collect = (options: {type: 'minor'}) => void;

/** undefined until first needed (a new V8 context costs a millisecond at start-up); null when unavailable. */
let collect: Collect | null | undefined;
let allocatedSince = 0;
let scheduled = false;

/** V8's gc(), taken from a context made while --expose-gc is on; the process's own globals are left as they are. */
function gcFunction(): Collect | null {
  const existing = (globalThis as {gc?: unknown}).gc;
  if (typeof existing === 'function') return existing as Collect;
  try {
    setFlagsFromString('--expose-gc');
    const found: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
    return typeof found === 'function' ? (found as Collect) : null;
  } catch {
    return null;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

function collectYoung(): void {
  scheduled = false;
  allocatedSince = 0;
  collect?.({type: 'minor'});
}

/** The forwarding path allocated `bytes` of buffers that will soon be garbage. */
export function allocated(bytes: number): void {
  if (GARBAGE_BUDGET_BYTES <= 0) return;
  allocatedSince += bytes;
  if (allocatedSince < GARBAGE_BUDGET_BYTES || scheduled) return;
  collect ??= gcFunction();
  if (!collect) return;
  // After the current callback: what it allocated is still referenced from its stack.
  scheduled = true;
  setImmediate(collectYoung);
}
