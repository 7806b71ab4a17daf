import {describe, expect, it} from 'vitest';
import {useHomeWithHost, useSshdAndEcho} from '../helpers/fixtures.js';
import {bordersIntact} from '../helpers/ink-frames.js';
import {openTerminal, settledScreen, type Terminal} from '../helpers/tmux.js';
import {TUNNELS_BIN} from '../helpers/tunnels-process.js';

/** The numbers `seq` printed that the log shows ("12:34:56 417"), in order. */
const seqLines = (screen: string) =>
  [...screen.matchAll(/^│\d\d:\d\d:\d\d (\d+) *│$/gm)].map((match) => Number(match[1]));

describe('the log in a real terminal (tmux): scrolled through after a command printed 500 lines', () => {
  const fixture = useSshdAndEcho();
  const home = useHomeWithHost(fixture);

  async function run(terminal: Terminal, command: string): Promise<void> {
    await terminal.type('r');
    await terminal.waitForScreen(/Run a command on the server/);
    await terminal.type(command);
    await terminal.keys('Enter');
  }

  for (const [width, height] of [
    [60, 20],
    [80, 24],
  ] as const) {
    it(`at ${width}x${height}: PgUp, Home, PgDn and End move through it, new lines wait, no line over a border`, async () => {
      const terminal = await openTerminal([process.execPath, TUNNELS_BIN, '--no-service', 'box'], {
        width,
        height,
        env: {HOME: home(), SSH_AUTH_SOCK: ''},
      });
      try {
        await terminal.waitForScreen(/● connected/);
        await run(terminal, 'seq 1 500');
        // The status line says it at once; the log's lines come with the store's next fold: wait for the log's.
        const end = await settledScreen(
          terminal,
          /│\d\d:\d\d:\d\d exit status 0 +│[\s\S]*seq 1 500: exit status 0/,
        );
        expect(bordersIntact(end, width)).toBe(true);
        expect(end).toContain('PgUp scrolls back');
        const rows = end.split('\n').filter((line) => /^│\d\d:\d\d:\d\d /.test(line)).length;
        expect(seqLines(end).at(-1)).toBe(500);

        await terminal.keys('PPage');
        const back = await settledScreen(terminal, /End follows/);
        expect(bordersIntact(back, width)).toBe(true);
        const reading = seqLines(back);
        // A page back, one line kept: the exit status line and 500 went below.
        expect(reading.at(-1)).toBe(500 - rows + 2);

        // A second command's lines arrive below what is being read: it stays, and they are counted.
        await run(terminal, 'echo one; echo two');
        const waiting = await settledScreen(terminal, /4 new · End follows/);
        expect(seqLines(waiting)).toEqual(reading);
        expect(bordersIntact(waiting, width)).toBe(true);

        // Home: the oldest lines the log keeps (it keeps 500: the first of seq's are gone by now).
        await terminal.keys('Home');
        const top = await settledScreen(terminal, /End follows/);
        const first = seqLines(top);
        expect(first[0]).toBeLessThan(10);
        expect(first).toEqual(Array.from({length: rows}, (_, index) => first[0]! + index));
        expect(bordersIntact(top, width)).toBe(true);
        // Two pages on, a line of each kept.
        await terminal.keys('NPage');
        await terminal.keys('NPage');
        const paged = await settledScreen(
          terminal,
          new RegExp(`│\\d\\d:\\d\\d:\\d\\d ${first.at(-1)! + 2 * (rows - 1)} +│\n╰`),
        );
        expect(bordersIntact(paged, width)).toBe(true);

        // End follows again: the last command's lines at the bottom.
        await terminal.keys('End');
        const followed = await settledScreen(
          terminal,
          /│\d\d:\d\d:\d\d two +│\n│\d\d:\d\d:\d\d exit status 0 +│/,
        );
        expect(followed).not.toContain('End follows');

        await terminal.type('q');
        expect(await terminal.waitForScreen(/\[exit status \d+\]/)).toContain('[exit status 0]');
      } finally {
        await terminal.close();
      }
    });
  }
});
