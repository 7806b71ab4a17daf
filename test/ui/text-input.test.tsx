import chalk from 'chalk';
import {useInput} from 'ink';
import {render} from 'ink-testing-library';
import {useState} from 'react';
import stringWidth from 'string-width';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {editLine, type LineState, lineOf} from '../../source/store/line-editor.js';
import {keyToEdit} from '../../source/ui/edit-keys.js';
import {type FieldView, fieldView, TextInput} from '../../source/ui/text-input.js';

/** A field as it looks, the cursor cell in brackets. */
const shown = (view: FieldView) =>
  `${view.moreLeft ? '…' : ''}${view.before}[${view.atCursor}]${view.after}${view.moreRight ? '…' : ''}`;

const cellsOf = (view: FieldView) => stringWidth(shown(view).replace(/[[\]]/g, ''));

// Frames here are not drawn to a terminal, so chalk (Ink's styling) would drop the inverse cell.
let level: typeof chalk.level;
beforeAll(() => {
  level = chalk.level;
  chalk.level = 1;
});
afterAll(() => {
  chalk.level = level;
});

describe('fieldView', () => {
  it('shows a short line whole, the cursor a space at its end', () => {
    expect(shown(fieldView(lineOf('user@host'), 20))).toBe('user@host[ ]');
    expect(shown(fieldView({text: 'user@host', cursor: 4}, 20))).toBe('user[@]host');
    expect(shown(fieldView(lineOf(''), 5))).toBe('[ ]');
  });

  it('scrolls a long line to keep the cursor at its end in view, with … where text is hidden', () => {
    const text = '-L 8080:db.internal.example.com:5432';
    const view = fieldView(lineOf(text), 12);
    expect(shown(view)).toBe('…e.com:5432[ ]');
    expect(cellsOf(view)).toBe(12);
    const home = fieldView({text, cursor: 0}, 12, view.start);
    expect(shown(home)).toBe('[-]L 8080:db.…');
    expect(cellsOf(home)).toBe(12);
  });

  it('does not move the text while the cursor moves inside the field', () => {
    const text = 'abcdefghijklmnopqrstuvwxyz';
    let line: LineState = lineOf(text);
    let view = fieldView(line, 10);
    const start = view.start;
    for (let step = 0; step < 7; step++) {
      line = editLine(line, {kind: 'left'});
      view = fieldView(line, 10, view.start);
      expect(view.start).toBe(start);
    }
    // One more step past the left edge scrolls by one.
    line = editLine(line, {kind: 'left'});
    line = editLine(line, {kind: 'left'});
    view = fieldView(line, 10, view.start);
    expect(view.start).toBeLessThan(start);
    expect(shown(view)).toContain('[');
  });

  it('never draws more cells than the width, with wide characters too', () => {
    const text = '漢字のホスト名.example.jp';
    for (let cursor = 0; cursor <= text.length; cursor++) {
      for (const width of [2, 3, 4, 5, 8]) {
        const view = fieldView({text, cursor}, width);
        expect(cellsOf(view)).toBeLessThanOrEqual(width);
      }
    }
  });

  it('shows the cursor alone in a field one cell wide', () => {
    expect(shown(fieldView(lineOf('abcdef'), 1))).toBe('[ ]');
    expect(shown(fieldView({text: 'abcdef', cursor: 2}, 1))).toBe('[c]');
    expect(shown(fieldView({text: 'abcdef', cursor: 2}, 2))).toBe('[c]');
  });

  it('shows more of the start again when text at the end is deleted', () => {
    const long = lineOf('abcdefghijklmnopqrstuvwxyz');
    const view = fieldView(long, 10);
    const shorter = editLine(editLine(long, {kind: 'delete-blank-word'}), {kind: 'insert', text: 'abc'});
    expect(shown(fieldView(shorter, 10, view.start))).toBe('abc[ ]');
  });
});

describe('TextInput', () => {
  it('draws the cursor as an inverse cell', () => {
    const {lastFrame, unmount} = render(<TextInput line={{text: 'staging', cursor: 3}} width={20} />);
    expect(lastFrame()).toBe('sta\u001b[7mg\u001b[27ming');
    unmount();
  });

  it('keeps the cursor in view in a narrow field', () => {
    const {lastFrame, unmount} = render(
      <TextInput line={lineOf('deploy@db-primary.internal.example.com')} width={16} />,
    );
    // A dim … says the text goes on to the left.
    expect(lastFrame()).toBe('\u001b[2m…\u001b[22mal.example.com\u001b[7m \u001b[27m');
    unmount();
  });
});

/** A field driven by Ink's own key parsing, as a dialog would drive it. */
function Field(props: {initial: string}) {
  const [line, setLine] = useState(() => lineOf(props.initial));
  useInput((input, key) => {
    const edit = keyToEdit(input, key);
    if (edit) setLine((current) => editLine(current, edit));
  });
  return <TextInput line={line} width={40} />;
}

/** A frame with its inverse cell written [like this]. */
const withCursor = (frame: string | undefined) =>
  (frame ?? '').replace('\u001b[7m', '[').replace('\u001b[27m', ']');

describe('a field fed by Ink', () => {
  /** Writes what a terminal sends for a key and waits for the frame that follows. */
  async function press(
    stdin: {write: (data: string) => void},
    lastFrame: () => string | undefined,
    data: string,
  ) {
    const before = lastFrame();
    stdin.write(data);
    const deadline = Date.now() + 2000;
    while (lastFrame() === before && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 5));
  }

  it('edits with the sequences terminals send: arrows, Home, Ctrl-A/E/W/U, Alt-B, Ctrl-Left, DEL', async () => {
    const {lastFrame, stdin, unmount} = render(<Field initial="-L 8080:db:5432" />);
    await press(stdin, lastFrame, '\u001b[1;5D'); // Ctrl-Left
    expect(withCursor(lastFrame())).toBe('-L 8080:db:[5]432');
    await press(stdin, lastFrame, '\u001bb'); // Alt-B
    await press(stdin, lastFrame, '\u007f'); // Backspace (DEL)
    expect(withCursor(lastFrame())).toBe('-L 8080[d]b:5432');
    await press(stdin, lastFrame, '\u0001'); // Ctrl-A
    await press(stdin, lastFrame, '\u001b[C'); // Right
    await press(stdin, lastFrame, 'x');
    expect(withCursor(lastFrame())).toBe('-x[L] 8080db:5432');
    await press(stdin, lastFrame, '\u0005'); // Ctrl-E
    await press(stdin, lastFrame, '\u0017'); // Ctrl-W
    expect(withCursor(lastFrame())).toBe('-xL [ ]');
    await press(stdin, lastFrame, '\u001b[H'); // Home
    await press(stdin, lastFrame, '\u000b'); // Ctrl-K
    expect(withCursor(lastFrame())).toBe('[ ]');
    await press(stdin, lastFrame, 'R 9000:localhost:3000');
    expect(withCursor(lastFrame())).toBe('R 9000:localhost:3000[ ]');
    await press(stdin, lastFrame, '\u001b[D'); // Left
    await press(stdin, lastFrame, '\u0015'); // Ctrl-U
    expect(withCursor(lastFrame())).toBe('[0]');
    unmount();
  });
});
