import {describe, expect, it} from 'vitest';
import {LineBatcher} from '../../source/cli/line-batcher.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('LineBatcher', () => {
  it('writes batchable lines together after the delay, in order', async () => {
    const writes: string[] = [];
    const batcher = new LineBatcher((text) => writes.push(text), 20);
    batcher.line('a', true);
    batcher.line('b', true);
    expect(writes).toEqual([]);
    await sleep(60);
    expect(writes).toEqual(['a\nb\n']);
  });

  it('a line that may not wait goes at once, with what was waiting before it', () => {
    const writes: string[] = [];
    const batcher = new LineBatcher((text) => writes.push(text), 1000);
    batcher.line('connection #1', true);
    batcher.line('listening', false);
    expect(writes).toEqual(['connection #1\nlistening\n']);
    batcher.flush();
    expect(writes).toHaveLength(1);
  });

  it('never holds more than 64 KiB', () => {
    const writes: string[] = [];
    const batcher = new LineBatcher((text) => writes.push(text), 1000);
    const line = 'x'.repeat(1023);
    for (let index = 0; index < 64; index++) batcher.line(line, true);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toHaveLength(64 * 1024);
    batcher.flush();
  });

  it('flush() writes what waits, once', () => {
    const writes: string[] = [];
    const batcher = new LineBatcher((text) => writes.push(text), 1000);
    batcher.line('last words', true);
    batcher.flush();
    batcher.flush();
    expect(writes).toEqual(['last words\n']);
  });
});
