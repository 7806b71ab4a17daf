import {Writable} from 'node:stream';
import {StringDecoder} from 'node:string_decoder';

/**
 * A stream that hands on what is written to it line by line (without the newline); a last line with
 * no newline comes when the stream ends. For a remote command's output, shown as lines of a log.
 */
export function lineWriter(onLine: (line: string) => void): Writable {
  // A character split between two chunks is decoded whole.
  const decoder = new StringDecoder('utf8');
  let partial = '';
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      const parts = (partial + decoder.write(chunk)).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) onLine(line);
      done();
    },
    final(done) {
      partial += decoder.end();
      if (partial) onLine(partial);
      done();
    },
  });
}
