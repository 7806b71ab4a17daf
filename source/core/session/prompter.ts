/**
 * How the core asks a person something (host key, password, passphrase, keyboard-interactive). The
 * headless CLI answers on the terminal; the UI answers with dialogs. Without one, nothing is asked and
 * the question becomes an error that says what to do instead.
 */
export interface Prompter {
  /**
   * Free text answer; `secret` means no echo. Rejects if the person cancels. `shownBefore`: what a
   * question asked again follows on a terminal (the host and its fingerprint), for a prompter that shows
   * one question at a time and would otherwise lose it.
   */
  ask(prompt: string, options: {secret: boolean; shownBefore?: string}): Promise<string>;
  /** Tells the person something while a prompt sequence runs (keyboard-interactive instructions, "try again"). */
  inform(message: string): void;
}

export class PromptCancelled extends Error {
  constructor() {
    super('cancelled at the prompt');
  }
}
