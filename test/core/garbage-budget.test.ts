import {constants, PerformanceObserver} from 'node:perf_hooks';
import {afterEach, describe, expect, it} from 'vitest';
import {allocated, GARBAGE_BUDGET_BYTES} from '../../source/core/garbage-budget.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('the garbage budget of the forwarding path', () => {
  let observer: PerformanceObserver | undefined;
  afterEach(() => observer?.disconnect());

  /** Young collections asked for by code (gc()), as the performance timeline reports them. */
  function forcedYoungCollections(): {count: number} {
    const seen = {count: 0};
    observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const {detail} = entry as unknown as {detail: {kind: number; flags: number}};
        if (
          detail.kind === constants.NODE_PERFORMANCE_GC_MINOR &&
          detail.flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED
        )
          seen.count++;
      }
    });
    observer.observe({entryTypes: ['gc']});
    return seen;
  }

  /** Long enough for the timeline to deliver its entries. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

  it('is 8 MiB, a quarter of what V8 lets pile up by itself', () => {
    expect(GARBAGE_BUDGET_BYTES).toBe(8 * 1024 * 1024);
  });

  it('asks for one young collection once the budget is spent, after the callback that spent it', async () => {
    const collections = forcedYoungCollections();
    allocated(GARBAGE_BUDGET_BYTES - 1);
    await turn();
    await settle();
    expect(collections.count).toBe(0);
    // Spent, twice over in the same callback: one collection, in the next turn.
    allocated(1);
    allocated(GARBAGE_BUDGET_BYTES);
    await settle();
    expect(collections.count).toBe(1);
    // The count starts again after it.
    allocated(GARBAGE_BUDGET_BYTES / 2);
    await turn();
    await settle();
    expect(collections.count).toBe(1);
    allocated(GARBAGE_BUDGET_BYTES / 2);
    await turn();
    await settle();
    expect(collections.count).toBe(2);
  });

  it('leaves the process without a global gc()', () => {
    expect((globalThis as {gc?: unknown}).gc).toBeUndefined();
  });
});
