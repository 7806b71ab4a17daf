import {PromptCancelled, type Prompter} from '../core/session/prompter.js';
import {handles} from './session-handles.js';
import {store} from './state.js';

/** The core's questions become a dialog; the answer comes back through answerPrompt/cancelPrompt. */
export const uiPrompter: Prompter = {
  ask(message, {secret, shownBefore}) {
    return new Promise((resolve, reject) => {
      handles.pendingPrompt?.reject(new PromptCancelled());
      handles.pendingPrompt = {resolve, reject};
      // A question asked again keeps what it is about (the host and its fingerprint) on screen.
      const lines = [...(shownBefore ? shownBefore.split(/\r?\n/) : []), ...message.split(/\r?\n/)];
      store.setState({dialog: {kind: 'prompt', lines, secret, text: ''}});
    });
  },
  inform(message) {
    // Set here, not through ui-actions' showMessage: that module imports this one.
    store.setState({message: {kind: 'info', text: message, untilConnected: true}});
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
