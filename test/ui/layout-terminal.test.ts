import {describe, expect, it} from 'vitest';
import {useHomeWithHost, useSshdAndEcho} from '../helpers/fixtures.js';
import {bordersIntact} from '../helpers/ink-frames.js';
import {openTerminal, settledScreen, type Terminal} from '../helpers/tmux.js';
import {TUNNELS_BIN} from '../helpers/tunnels-process.js';

/** The lines printed in the terminal before tunnels starts: its scrollback must keep them. */
const BEFORE = Array.from({length: 60}, (_, index) => `before-launch-${index + 1}`);

/**
 * The row of the forward listening on 127.0.0.n drawn in inverse video: selected, and on screen. Narrower
 * than 80 columns the FORWARD column shows "127.0.0.4…", and "127.0.0.1…" for the 10th to the 12th.
 */
const ESC = String.fromCharCode(27);
const selectedForward = (n: number, width: number) =>
  new RegExp(
    `${ESC}\\[7m(${ESC}\\[[0-9;]*m)*L\\s+127\\.0\\.0\\.${width < 80 ? `${n < 10 ? n : 1}…` : `${n}:\\d+:`}`,
  );

describe('the UI at small sizes in a real terminal (tmux, 12 forwards)', () => {
  const fixture = useSshdAndEcho();
  const home = useHomeWithHost(fixture);

  /** tunnels with 12 -L forwards to the echo server, started after 60 numbered lines were printed. */
  async function start(width: number, height: number): Promise<Terminal> {
    // Twelve listen addresses (127.0.0.1 to .12, any free port): twelve distinct forwards.
    const forwards = Array.from({length: 12}, (_, index) => [
      '-L',
      `127.0.0.${index + 1}:0:127.0.0.1:${fixture.echo.port}`,
    ]).flat();
    const command = [process.execPath, TUNNELS_BIN, '--no-service', ...forwards, 'box'];
    const quoted = command.map((arg) => `'${arg}'`).join(' ');
    return openTerminal(['sh', '-c', `printf '%s\\n' ${BEFORE.join(' ')}; exec ${quoted}`], {
      width,
      height,
      env: {HOME: home(), SSH_AUTH_SOCK: ''},
    });
  }

  async function quitAndCheckScrollback(terminal: Terminal): Promise<void> {
    await terminal.type('q');
    const after = await terminal.waitForScreen(/\[exit status \d+\]/);
    expect(after).toContain('[exit status 0]');
    // Nothing of the frame is left on the shell's screen, and the lines from before are all there.
    expect(after).not.toMatch(/[│╭╮╰╯]|tunnels|Forwards/);
    const history = await terminal.withScrollback(100);
    for (const line of BEFORE) expect(history).toContain(`${line}\n`);
  }

  for (const [width, height] of [
    [60, 20],
    [80, 24],
  ] as const) {
    it(`at ${width}x${height}: the selected forward always shown, no line over a border, the scrollback kept`, async () => {
      const terminal = await start(width, height);
      try {
        const up = await settledScreen(terminal, /↓ \d+ more/);
        expect(up.split('\n').filter((line) => /listening/.test(line)).length).toBeGreaterThan(0);
        expect(bordersIntact(up, width)).toBe(true);
        await terminal.keys('Tab');
        await expect
          .poll(async () => selectedForward(1, width).test(await terminal.screenWithStyles()))
          .toBe(true);
        for (let index = 1; index < 12; index++) {
          await terminal.type('j');
          // The selected row, drawn in inverse video, is on screen after every move.
          await expect
            .poll(async () => selectedForward(index + 1, width).test(await terminal.screenWithStyles()))
            .toBe(true);
        }
        // The last forward selected: the rows above it are counted, none is left below.
        const bottom = await settledScreen(terminal, /↑ \d+ more(?![\s\S]*↓ \d+ more)/);
        expect(bottom).not.toMatch(/↓ \d+ more/);
        expect(bordersIntact(bottom, width)).toBe(true);
        // The add dialog, with a spec in error: its field, error and hint inside its border, above the footer.
        await terminal.type('a');
        await terminal.waitForScreen(/Add a forward/);
        await terminal.type('L 99999:db:5432');
        const dialog = await settledScreen(terminal, /> L 99999:db:5432 *║\n.*out of range/);
        for (const line of dialog.split('\n')) {
          expect(line.length).toBeLessThanOrEqual(width);
          if (/^[║╔╚]/.test(line)) expect(line).toMatch(/[║╗╝]$/);
        }
        expect(dialog).toMatch(/╚═+╝\n.*\nEnter add · Esc cancel/);
        await terminal.keys('Escape');
        await terminal.waitForScreen(/Log/);
        await quitAndCheckScrollback(terminal);
      } finally {
        await terminal.close();
      }
    });
  }

  it('resized from 60x20 to 80x24 and quit, leaves no fragment of the frame on the screen', async () => {
    const terminal = await start(60, 20);
    try {
      await terminal.waitForScreen(/↓ \d+ more/);
      await terminal.resize(80, 24);
      const wide = await settledScreen(terminal, /╭─{78}╮/);
      expect(bordersIntact(wide, 80)).toBe(true);
      await quitAndCheckScrollback(terminal);
    } finally {
      await terminal.close();
    }
  });

  it('shows the too-small screen below 60x18, and the panes again once larger', async () => {
    const terminal = await start(80, 24);
    try {
      await terminal.waitForScreen(/↓ \d+ more/);
      await terminal.resize(50, 15);
      await terminal.waitForScreen(/terminal too small: 50×15, needs at least 60×18/);
      await terminal.resize(80, 24);
      await terminal.waitForScreen(/Forwards of box/);
      await quitAndCheckScrollback(terminal);
    } finally {
      await terminal.close();
    }
  });
});
