import {addForward, connectTo, disconnect, removeForward, runCommand, shutdown} from './actions.js';
import {
  connectFavorite,
  deleteFavorite,
  filteredFavorites,
  saveEditedFavorite,
  saveSessionAsFavorite,
} from './favorites-actions.js';
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
    case 'add-forward':
      await addForward(dialog.sessionId, dialog.text);
      return;
    case 'connect':
      if (dialog.text.trim()) await connectTo(dialog.text.trim());
      return;
    case 'favorites': {
      const chosen = filteredFavorites(dialog.favorites, dialog.text)[dialog.selected];
      if (chosen) await connectFavorite(chosen.name);
      return;
    }
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
      await shutdown();
      return;
  }
}
