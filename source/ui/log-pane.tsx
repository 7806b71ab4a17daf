import {Box, Text} from 'ink';
import {useMemo} from 'react';
import {fieldLine, type LogEntry} from '../store/state.js';
import {filteredLog, logLines, logWindow, shownLog} from './log-view.js';
import {TextInput} from './text-input.js';
import {color} from './theme.js';
import {useAppState} from './use-app-state.js';

const kindColor = (kind: LogEntry['kind']) =>
  color(kind === 'error' ? 'red' : kind === 'ftp' ? 'magenta' : 'white');

/**
 * The log: the selected session's entries (every session's with none), wrapped to the pane, under the
 * filter typed after `/`. It follows the newest entries until PgUp or Home scrolls back; then it stays on
 * what is being read while new entries arrive, and its heading counts them until End follows again.
 */
export function LogPane(props: {
  entries: LogEntry[];
  sessionId: number | undefined;
  width: number;
  height: number;
}) {
  const {entries, sessionId, width, height} = props;
  const {anchor, filter, editingFilter} = useAppState((state) => state.logView);
  const rows = Math.max(1, height - 3);
  const filterText = filter?.text;
  // Wrapped again only when the log, the session, the filter or the width change, not on every frame.
  const {shown, total, lines} = useMemo(() => {
    const filtered = filteredLog(entries, sessionId, filterText);
    return {...filtered, lines: logLines(filtered.shown, width)};
  }, [entries, sessionId, filterText, width]);
  shownLog.lines = lines;
  shownLog.rows = rows;
  const window = logWindow(lines, anchor, rows);
  const scroll = window.following
    ? lines.length > rows
      ? '  PgUp scrolls back'
      : ''
    : `  ${window.newEntries > 0 ? `${window.newEntries} new · ` : ''}End follows`;
  const count = `  ${shown.length} of ${total}`;
  return (
    <Box borderStyle="round" borderColor={color('gray')} flexDirection="column" width={width} height={height}>
      {filter ? (
        <Box>
          <Text bold>Log</Text>
          <Text>{'  filter: '}</Text>
          {editingFilter ? (
            <Box flexShrink={0}>
              <TextInput line={fieldLine(filter)} width={Math.max(8, Math.min(24, width - 40))} />
            </Box>
          ) : (
            <Text color={color('cyan')} wrap="truncate-end">
              {filter.text}
            </Text>
          )}
          <Text dimColor wrap="truncate-end">
            {`${count}${scroll}`}
          </Text>
        </Box>
      ) : (
        <Text wrap="truncate-end">
          <Text bold>Log</Text>
          <Text dimColor>{scroll}</Text>
        </Text>
      )}
      {lines.slice(window.first, window.end).map((line, offset) => (
        <Text key={`${line.id}-${line.line}`} wrap="truncate-end" color={kindColor(line.kind)}>
          {/* The last line drawn of an entry that goes on below says so. */}
          {window.first + offset === window.end - 1 && lines[window.end]?.id === line.id
            ? `${line.text}…`
            : line.text}
        </Text>
      ))}
    </Box>
  );
}
