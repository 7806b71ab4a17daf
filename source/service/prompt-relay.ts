/**
 * The prompts of a session coming up in the service, relayed to the client that brought it up (`tunnels
 * -f` on a terminal) and answered there: they travel over the socket, never to disk or the log. When that
 * client is gone, a question is cancelled, and the session fails as it would at a cancelled prompt.
 */
import {PromptCancelled, type Prompter} from '../core/session/prompter.js';
import type {ServerMessage} from './protocol.js';

export class PromptRelay {
  private nextPrompt = 1;
  private readonly pending = new Map<number, {resolve(answer: string): void; reject(error: Error): void}>();

  constructor(
    private readonly send: (message: ServerMessage) => void,
    private readonly connected: () => boolean,
  ) {}

  /** A prompter for session `name` that asks this client. */
  prompterFor(session: string): Prompter {
    return {
      ask: (text, {secret, shownBefore}) => {
        if (!this.connected()) return Promise.reject(new PromptCancelled());
        const prompt = this.nextPrompt++;
        return new Promise<string>((resolve, reject) => {
          this.pending.set(prompt, {resolve, reject});
          this.send({prompt, session, text, secret, ...(shownBefore !== undefined ? {shownBefore} : {})});
        });
      },
      inform: (message) => {
        if (this.connected()) this.send({inform: message, session});
      },
    };
  }

  /** The client's answer to prompt `prompt` (undefined: cancelled); false when none such waits. */
  answer(prompt: number, answer: string | undefined): boolean {
    const waiting = this.pending.get(prompt);
    if (!waiting) return false;
    this.pending.delete(prompt);
    if (answer === undefined) waiting.reject(new PromptCancelled());
    else waiting.resolve(answer);
    return true;
  }

  /** The client went away: every question it was asked is cancelled. */
  cancelAll(): void {
    for (const waiting of this.pending.values()) waiting.reject(new PromptCancelled());
    this.pending.clear();
  }
}
