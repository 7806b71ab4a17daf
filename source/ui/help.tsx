import {Box, type Key, Text} from 'ink';
import {scrollHelp} from '../store/log-actions.js';
import {keyLabel} from './footer.js';
import {keymap} from './keymap.js';
import {color} from './theme.js';
import {wrapText} from './wrap.js';

/**
 * The help overlay: every key of the keymap with its description, wrapped to the overlay's width, and
 * scrolled when it does not fit (↑↓, PgUp PgDn), so at any size it draws whole lines inside its border.
 */

/** The key column, and the indent of a description's further lines. */
const KEY_WIDTH = 12;

export type HelpLine = {keys: string; text: string};

export function helpLines(width: number): HelpLine[] {
  const entries = [
    ...keymap.map((binding) => ({keys: binding.keys.map(keyLabel).join(', '), text: binding.description})),
    {keys: 'Ctrl-C', text: 'quit at once, closing every forward'},
  ];
  return entries.flatMap((entry) =>
    wrapText(entry.text, Math.max(10, width - KEY_WIDTH)).map((text, index) => ({
      keys: index === 0 ? entry.keys : '',
      text,
    })),
  );
}

/** The last frame's help: how many lines and how many fit, for the scroll keys. */
export const shownHelp = {lines: 0, rows: 1};

const clampTop = (top: number) => Math.max(0, Math.min(top, shownHelp.lines - shownHelp.rows));

/** The help overlay's scroll keys. */
export function helpInput(top: number, key: Key, input: string): void {
  const page = Math.max(1, shownHelp.rows - 1);
  if (key.upArrow || input === 'k') scrollHelp(clampTop(top - 1));
  else if (key.downArrow || input === 'j') scrollHelp(clampTop(top + 1));
  else if (key.pageUp) scrollHelp(clampTop(top - page));
  else if (key.pageDown || input === ' ') scrollHelp(clampTop(top + page));
  else if (key.home) scrollHelp(0);
  else if (key.end) scrollHelp(clampTop(shownHelp.lines));
}

/** The title's note of where the help is scrolled: "lines 1-12 of 30". */
export function helpPosition(top: number, rows: number, lines: number): string {
  if (lines <= rows) return '';
  const first = Math.max(0, Math.min(top, lines - rows));
  return `lines ${first + 1}-${first + rows} of ${lines}`;
}

/** `rows` lines of the help from `top`, in `width` columns. */
export function HelpBody(props: {top: number; width: number; rows: number}) {
  const lines = helpLines(props.width);
  const rows = Math.max(1, props.rows);
  shownHelp.lines = lines.length;
  shownHelp.rows = rows;
  const top = Math.max(0, Math.min(props.top, lines.length - rows));
  return (
    <Box flexDirection="column" height={rows} flexShrink={0}>
      {lines.slice(top, top + rows).map((line, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: lines of a fixed text, by their place on screen
        <Box key={index}>
          <Box width={KEY_WIDTH} flexShrink={0}>
            <Text color={color('cyan')}>{line.keys}</Text>
          </Box>
          <Text wrap="truncate-end">{line.text}</Text>
        </Box>
      ))}
    </Box>
  );
}

/** The help dialog's title, body and hint, in a box `height` lines high whose inside is `width` wide. */
export function helpContent(top: number, width: number, height: number) {
  // The border, the title and the hint take four lines.
  const rows = height - 4;
  const position = helpPosition(top, rows, helpLines(width).length);
  return {
    title: `Keys${position ? `  (${position}, ↑↓ PgUp PgDn)` : ''}`,
    body: <HelpBody top={top} width={width} rows={rows} />,
    hint: 'Esc or Enter to close',
  };
}
