import chalk from 'chalk';
import {render} from 'ink-testing-library';
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {type Dialog, fieldLine, initialState, store} from '../../source/store/state.js';
import {App} from '../../source/ui/app.js';

const LEFT = '\u001b[D';
const HOME = '\u001b[H';
const CTRL_A = '\u0001';
const CTRL_E = '\u0005';
const CTRL_D = '\u0004';
const CTRL_W = '\u0017';
const CTRL_K = '\u000b';
const INVERSE = '\u001b[7m';

/** The open dialog's field with | where its cursor is. */
function field(): string {
  const {dialog} = store.getState();
  if (!dialog || !('text' in dialog)) throw new Error(`no field open: ${dialog?.kind}`);
  const {text, cursor} = fieldLine(dialog);
  return `${text.slice(0, cursor)}|${text.slice(cursor)}`;
}

async function until(check: () => boolean, what: string, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Types keys one at a time (as a person does), each once the last has reached the store. */
async function press(stdin: {write(data: string): void}, ...keys: string[]): Promise<void> {
  for (const key of keys) {
    const before = JSON.stringify(store.getState().dialog);
    stdin.write(key);
    await until(() => JSON.stringify(store.getState().dialog) !== before, `the key ${JSON.stringify(key)}`);
  }
}

function open(dialog: Dialog) {
  store.setState({dialog});
  return render(<App />);
}

const favorite = {
  name: 'db',
  address: 'deploy@db1:22',
  summary: '-L 8080:db:5432',
  args: '-L 8080:db:5432 deploy@db1',
};

let level: typeof chalk.level;
beforeAll(() => {
  level = chalk.level;
  chalk.level = 1;
});
afterAll(() => {
  chalk.level = level;
});

describe('a dialog field with a cursor', () => {
  beforeEach(() => store.setState(initialState()));
  afterEach(() => store.setState(initialState()));

  it('moves with Left, Home, Ctrl-A and Ctrl-E, inserts and deletes where it is, and is drawn there', async () => {
    const {lastFrame, stdin, unmount} = open({kind: 'connect', text: ''});
    await until(() => /Connect to/.test(lastFrame() ?? ''), 'the dialog');
    await press(stdin, 'dbhost');
    expect(field()).toBe('dbhost|');
    await press(stdin, LEFT, LEFT, LEFT, LEFT);
    expect(field()).toBe('db|host');
    await press(stdin, '1');
    expect(field()).toBe('db1|host');
    await until(() => (lastFrame() ?? '').includes(`> db1${INVERSE}h`), 'the cursor on the h');
    await press(stdin, HOME, 'deploy@');
    expect(field()).toBe('deploy@|db1host');
    await press(stdin, CTRL_E, '.example');
    expect(field()).toBe('deploy@db1host.example|');
    await press(stdin, CTRL_A, CTRL_D);
    expect(field()).toBe('|eploy@db1host.example');
    await press(stdin, CTRL_K);
    expect(field()).toBe('|');
    unmount();
  });

  it('Ctrl-W deletes back to the last blank: a whole forward spec at once', async () => {
    store.setState({sessions: []});
    const {lastFrame, stdin, unmount} = open({kind: 'add-forward', sessionId: 1, text: ''});
    await until(() => /Add a forward/.test(lastFrame() ?? ''), 'the dialog');
    await press(stdin, 'L 8080:db:5432');
    await press(stdin, CTRL_W);
    expect(field()).toBe('L |');
    // The spec is checked again as it changes: an L alone says what it lacks.
    expect(store.getState().dialog).toMatchObject({error: expect.any(String)});
    unmount();
  });

  it('keeps Tab completion in the connect dialog, the cursor after the completed host', async () => {
    store.setState({hosts: ['alpha.example', 'beta.example']});
    const {lastFrame, stdin, unmount} = open({kind: 'connect', text: ''});
    await until(() => /Tab completes/.test(lastFrame() ?? ''), 'the host list');
    await press(stdin, 'al', '\t');
    expect(field()).toBe('alpha.example|');
    await press(stdin, HOME, 'root@');
    expect(field()).toBe('root@|alpha.example');
    unmount();
  });

  it('in the favorites picker: Ctrl-E edits the chosen one (pre-filled, the cursor at its end), Ctrl-D asks to delete it', async () => {
    const {lastFrame, stdin, unmount} = open({
      kind: 'favorites',
      text: '',
      selected: 0,
      favorites: [favorite],
    });
    await until(() => /Favorites/.test(lastFrame() ?? ''), 'the picker');
    await press(stdin, CTRL_E);
    expect(store.getState().dialog).toMatchObject({kind: 'edit-favorite', name: 'db'});
    expect(field()).toBe('-L 8080:db:5432 deploy@db1|');
    await press(stdin, HOME, '-A ');
    expect(field()).toBe('-A |-L 8080:db:5432 deploy@db1');
    store.setState({dialog: {kind: 'favorites', text: '', selected: 0, favorites: [favorite]}});
    await press(stdin, CTRL_D);
    expect(store.getState().dialog).toMatchObject({kind: 'confirm', title: 'Delete favorite db?'});
    unmount();
  });

  it('typing in the picker filters it, and moving the cursor keeps the highlighted row', async () => {
    const other = {...favorite, name: 'dbx', args: '-L 1:x:1 dbx'};
    const {lastFrame, stdin, unmount} = open({
      kind: 'favorites',
      text: '',
      selected: 0,
      favorites: [favorite, other],
    });
    await until(() => /Favorites/.test(lastFrame() ?? ''), 'the picker');
    await press(stdin, 'db', '\u001b[B');
    expect(store.getState().dialog).toMatchObject({selected: 1});
    await press(stdin, LEFT);
    expect(field()).toBe('d|b');
    expect(store.getState().dialog).toMatchObject({selected: 1});
    unmount();
  });

  it('masks a secret with a • for each character, the cursor among them', async () => {
    const {lastFrame, stdin, unmount} = open({kind: 'prompt', lines: ['password:'], secret: true, text: ''});
    await until(() => /Secret/.test(lastFrame() ?? ''), 'the prompt');
    await press(stdin, 'hunter2', LEFT, LEFT);
    expect(field()).toBe('hunte|r2');
    await until(() => (lastFrame() ?? '').includes(`> •••••${INVERSE}•`), 'the masked field');
    expect(lastFrame()).not.toContain('hunter');
    unmount();
  });
});
