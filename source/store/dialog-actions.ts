import {addForward, disconnect, removeForward, runCommand, shutdown} from './actions.js';
import {
  connectPickedFavorites,
  deleteFavorite,
  saveEditedFavorite,
  saveSessionAsFavorite,
} from './favorites-actions.js';
import {replaceForward} from './forward-edit.js';
import {addForwardProblem} from './forward-entry-check.js';
import {connectOrSelect} from './session-match.js';
import {type ConfirmAction, store} from './state.js';
import {answerPrompt} from './ui-prompter.js';

/** Enter in a dialog. */
export async function submitDialog(): Promise<void> {
  const {dialog} = store.getState();
  if (!dialog) return;
  const close = () => store.setState({dialog: undefined});
  switch (dialog.kind) {
    case 'prompt':
      answerPrompt(dialog.text);
      return;
    case 'add-forward': {
      if (dialog.replacing) {
        await replaceForward(dialog.sessionId, dialog.replacing, dialog.text);
        return;
      }
      // The checks typing showed (a port taken here, a privileged one) hold on Enter too.
      const problem = addForwardProblem(dialog, dialog.text, store.getState().sessions);
      if (problem) store.setState({dialog: {...dialog, error: problem}});
      else await addForward(dialog.sessionId, dialog.text);
      return;
    }
    case 'connect':
      if (dialog.text.trim()) await connectOrSelect(dialog.text.trim());
      return;
    case 'favorites':
      await connectPickedFavorites(dialog);
      return;
    case 'save-favorite':
      if (dialog.text.trim()) await saveSessionAsFavorite(dialog.sessionId, dialog.text.trim());
      return;
    case 'edit-favorite':
      await saveEditedFavorite(dialog.name, dialog.text);
      return;
    case 'run-command':
      if (!dialog.text.trim()) return;
      close();
      await runCommand(dialog.sessionId, dialog.text.trim(), {x11: dialog.x11, agent: dialog.agent});
      return;
    case 'confirm':
      close();
      await confirm(dialog.action);
      return;
    case 'help':
      close();
      return;
  }
}

async function confirm(action: ConfirmAction): Promise<void> {
  switch (action.kind) {
    case 'overwrite-favorite':
      await saveSessionAsFavorite(action.sessionId, action.name, {overwrite: true});
      return;
    case 'delete-favorite':
      await deleteFavorite(action.name);
      return;
    case 'remove-forward':
      await removeForward(action.sessionId, action.forwardId);
      return;
    case 'disconnect':
      await disconnect(action.sessionId);
      return;
    case 'quit':
    case 'detach':
      await shutdown();
      return;
  }
}
