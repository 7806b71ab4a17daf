import {Box, Text} from 'ink';
import {wrapText} from './wrap.js';

/**
 * What the app shows in a terminal smaller than the screen needs: the size it has and the size it needs,
 * wrapped to the width and no taller than the terminal minus one line (as every frame).
 */
export function TooSmall(props: {columns: number; rows: number; minimum: {columns: number; rows: number}}) {
  const {columns, rows, minimum} = props;
  const width = Math.max(1, columns);
  const said = wrapText(
    `terminal too small: ${columns}×${rows}, needs at least ${minimum.columns}×${minimum.rows}`,
    width,
  ).map((text, index) => ({key: `said-${index}`, text, hint: false}));
  const hint = wrapText('Make the window larger to go on; Ctrl-C quits.', width).map((text, index) => ({
    key: `hint-${index}`,
    text,
    hint: true,
  }));
  const lines = [...said, ...hint].slice(0, Math.max(1, rows - 1));
  return (
    <Box flexDirection="column" width={width}>
      {lines.map((line) => (
        <Text key={line.key} wrap="truncate-end" dimColor={line.hint}>
          {line.text}
        </Text>
      ))}
    </Box>
  );
}
