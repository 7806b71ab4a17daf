import {useStdout} from 'ink';
import {useEffect} from 'react';
import {copyText} from '../store/detail-actions.js';
import type {AppState, DetailTarget} from '../store/state.js';
import {showMessage} from '../store/ui-actions.js';

/**
 * Copying to the clipboard of the terminal the user sits at, over SSH or not: OSC 52 asks the terminal
 * itself to set its clipboard, so no X display or clipboard program on this machine is needed.
 */

/** The OSC 52 sequence that sets the clipboard to `text`. */
export function osc52(text: string): string {
  return `\u001b]52;c;${Buffer.from(text, 'utf8').toString('base64')}\u0007`;
}

/**
 * What to write for `text`. Inside tmux the plain sequence is taken by tmux when its set-clipboard is on
 * (it keeps a paste buffer and passes the sequence on to the outer terminal); when it is off or
 * "external", only the same sequence wrapped for passthrough (DCS tmux;, with allow-passthrough on) gets
 * out. Each way ignores the form it does not take, so both are written.
 */
export function clipboardSequence(text: string, inTmux: boolean): string {
  const plain = osc52(text);
  if (!inTmux) return plain;
  return `${plain}\u001bPtmux;${plain.replaceAll('\u001b', '\u001b\u001b')}\u001b\\`;
}

let writeToTerminal: ((data: string) => void) | undefined;

/** Lets copy reach the terminal Ink draws on (the app calls it once). */
export function useClipboardWriter(): void {
  const {stdout} = useStdout();
  useEffect(() => {
    writeToTerminal = (data) => stdout.write(data);
    return () => {
      writeToTerminal = undefined;
    };
  }, [stdout]);
}

/** Asks the terminal to put `text` on its clipboard; false when no terminal is there to ask. */
export function copyToClipboard(text: string): boolean {
  if (!writeToTerminal) return false;
  writeToTerminal(clipboardSequence(text, Boolean(process.env.TMUX)));
  return true;
}

/** `y`: the target's address onto the clipboard, and a word on the status line either way. */
export function copyAddress(state: AppState, target: DetailTarget | undefined): void {
  const what = copyText(state, target);
  if ('reason' in what) showMessage('error', what.reason);
  else if (!copyToClipboard(what.text)) showMessage('error', 'cannot copy: there is no terminal to ask');
  else showMessage('info', `copied ${what.text}`);
}
