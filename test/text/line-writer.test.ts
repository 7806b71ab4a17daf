import {finished} from 'node:stream/promises';
import {describe, expect, it} from 'vitest';
import {lineWriter} from '../../source/text/line-writer.js';

describe('lineWriter', () => {
  it('hands on lines across chunks, a character split between chunks whole, and the last line at the end', async () => {
    const lines: string[] = [];
    const writer = lineWriter((line) => lines.push(line));
    const euro = Buffer.from('€');
    writer.write(Buffer.from('one\ntw'));
    writer.write(Buffer.concat([Buffer.from('o '), euro.subarray(0, 1)]));
    writer.write(Buffer.concat([euro.subarray(1), Buffer.from('\n\nlast')]));
    writer.end();
    await finished(writer);
    expect(lines).toEqual(['one', 'two €', '', 'last']);
  });
});
