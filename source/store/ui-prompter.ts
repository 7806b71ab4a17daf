import {PromptCancelled, type Prompter} from '../core/session/prompter.js';
import {handles} from './session-handles.js';
import {store} from './state.js';

/** The core's questions become a dialog; the answer comes back through answerPrompt/cancelPrompt. */
export const uiPrompter: Prompter = {
  ask(message, {secret}) {
    return new Promise((resolve, reject) => {
      handles.pendingPrompt?.reject(new PromptCancelled());
      handles.pendingPrompt = {resolve, reject};
      store.setState({dialog: {kind: 'prompt', lines: message.split(/\r?\n/), secret, text: ''}});
    });
  },
  inform(message) {
    store.setState({message: {kind: 'info', text: message}});
  },
};

export function answerPrompt(text: string): void {
  const waiting = handles.pendingPrompt;
  handles.pendingPrompt = undefined;
  store.setState({dialog: undefined});
  waiting?.resolve(text);
}

export function cancelPrompt(): void {
  const waiting = handles.pendingPrompt;
  handles.pendingPrompt = undefined;
  store.setState({dialog: undefined});
  waiting?.reject(new PromptCancelled());
}
