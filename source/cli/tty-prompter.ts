import {openSync} from 'node:fs';
import tty from 'node:tty';
import {PromptCancelled, type Prompter} from '../core/session/prompter.js';
import {safeLines, safeText} from '../text/safe-text.js';

/**
 * Asks on the controlling terminal (/dev/tty), as ssh does, so prompts work even with stdout or stdin
 * redirected. Returns undefined where there is no terminal; nothing is asked then. Prompts and messages
 * come from the server (keyboard-interactive) or name the host: made safe, keeping their line breaks.
 */
export function openTerminalPrompter(): Prompter | undefined {
  let fd: number;
  try {
    fd = openSync('/dev/tty', 'r+');
  } catch {
    return undefined;
  }
  if (!tty.isatty(fd)) return undefined;
  const output = new tty.WriteStream(fd);
  return {
    inform(message) {
      output.write(`${safeLines(message)}\n`);
    },
    ask(prompt, {secret}) {
      return new Promise<string>((resolve, reject) => {
        const input = new tty.ReadStream(fd);
        input.setRawMode(true);
        output.write(safeLines(prompt));
        let answer = '';
        const finish = (error?: Error) => {
          input.setRawMode(false);
          input.off('data', onData);
          input.pause();
          // The fd stays open for the next prompt; only this stream's handle goes.
          (input as unknown as {_handle?: {readStop(): void}})._handle?.readStop();
          output.write('\n');
          if (error) reject(error);
          else resolve(answer);
        };
        const onData = (chunk: Buffer) => {
          for (const char of chunk.toString('utf8')) {
            if (char === '\r' || char === '\n') return finish();
            if (char === '\u0003') return finish(new PromptCancelled()); // Ctrl-C
            if (char === '\u0004' && answer === '') return finish(new PromptCancelled()); // Ctrl-D
            if (char === '\u007f' || char === '\b') {
              if (answer.length > 0) {
                const characters = [...answer];
                // The echo of a pasted control character was its escape: erase all of it.
                if (!secret) output.write('\b \b'.repeat([...safeText(characters.pop()!)].length));
                answer = characters.join('');
              }
            } else if (char === '\u0015') {
              // Ctrl-U clears the line.
              if (!secret) output.write('\b \b'.repeat([...safeText(answer)].length));
              answer = '';
            } else if (char >= ' ') {
              answer += char;
              if (!secret) output.write(safeText(char));
            }
          }
        };
        input.on('data', onData);
      });
    },
  };
}
