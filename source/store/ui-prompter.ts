import {PromptCancelled, type Prompter} from '../core/session/prompter.js';
import {registry} from './registry.js';
import {store} from './state.js';

/** The core's questions become a dialog; the answer comes back through answerPrompt/cancelPrompt. */
export const uiPrompter: Prompter = {
  ask(message, {secret}) {
    return new Promise((resolve, reject) => {
      registry.pendingPrompt?.reject(new PromptCancelled());
      registry.pendingPrompt = {resolve, reject};
      store.setState({dialog: {kind: 'prompt', lines: message.split(/\r?\n/), secret, text: ''}});
    });
  },
  inform(message) {
    store.setState({message: {kind: 'info', text: message}});
  },
};

export function answerPrompt(text: string): void {
  const waiting = registry.pendingPrompt;
  registry.pendingPrompt = undefined;
  store.setState({dialog: undefined});
  waiting?.resolve(text);
}

export function cancelPrompt(): void {
  const waiting = registry.pendingPrompt;
  registry.pendingPrompt = undefined;
  store.setState({dialog: undefined});
  waiting?.reject(new PromptCancelled());
}
