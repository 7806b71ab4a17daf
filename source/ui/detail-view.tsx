import {Box, Text, useInput} from 'ink';
import {useEffect, useState} from 'react';
import {closeDetail, targetRows} from '../store/detail-actions.js';
import {type DetailTarget, store} from '../store/state.js';
import {showMessage} from '../store/ui-actions.js';
import {copyAddress} from './clipboard.js';
import {type DetailLine, forwardDetailLines, sessionDetailLines} from './detail-lines.js';
import {moreAbove, moreBelow} from './scroll-window.js';
import {color} from './theme.js';
import {useAppState} from './use-app-state.js';

/** The border, the title line and the key hint: lines of the view that do not scroll. */
const CHROME_LINES = 4;

const HINT = '↑↓ PgUp/PgDn scroll · y copy · Esc close';

/** Now, once a second while the view is open: connection ages and the sparkline move with it. */
function useSecondClock(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/**
 * Which lines show in `rows` lines: all when they fit, else a window from `scroll` with a "more" line above
 * it once scrolled and below it while more follow.
 */
export function detailWindow(total: number, rows: number, scroll: number) {
  if (total <= rows) return {first: 0, end: total, above: 0, below: 0, maxScroll: 0};
  const maxScroll = total - (rows - 1);
  const first = Math.max(0, Math.min(scroll, maxScroll));
  const end = first === 0 ? rows - 1 : first === maxScroll ? total : first + Math.max(1, rows - 2);
  return {first, end, above: first, below: total - end, maxScroll};
}

/**
 * Enter on the main screen: the whole of one forward or session in place of the panes. It takes its own
 * keys (a dialog, such as a host-key question, comes before it and takes them meanwhile).
 */
export function DetailView(props: {target: DetailTarget; width: number; height: number; active: boolean}) {
  const {target, width, height, active} = props;
  // Each row selected alone: a selector must give the same object for the same state.
  const session = useAppState((state) => targetRows(state, target)?.session);
  const forward = useAppState((state) => targetRows(state, target)?.forward);
  const rows = session ? {session, forward} : undefined;
  const now = useSecondClock();
  const [scroll, setScroll] = useState(0);
  const inside = width - 4;
  const lines: DetailLine[] = !rows
    ? [{text: 'It is gone: its session was closed or it was removed.', dim: true}]
    : rows.forward
      ? forwardDetailLines(rows.forward, rows.session, inside, now)
      : sessionDetailLines(rows.session, inside, now);
  const bodyRows = Math.max(1, height - CHROME_LINES);
  const window = detailWindow(lines.length, bodyRows, scroll);

  useInput(
    (input, key) => {
      const page = Math.max(1, bodyRows - 3);
      const move = (delta: number) =>
        setScroll(Math.max(0, Math.min(window.first + delta, window.maxScroll)));
      if (key.escape || key.return) closeDetail();
      else if (key.upArrow || input === 'k') move(-1);
      else if (key.downArrow || input === 'j') move(1);
      else if (key.pageUp) move(-page);
      else if (key.pageDown || input === ' ') move(page);
      else if (key.home || input === 'g') move(-lines.length);
      else if (key.end || input === 'G') move(lines.length);
      else if (input === 'y') copyAddress(store.getState(), target);
      else if (input && !key.ctrl && !key.meta) showMessage('error', 'in the detail: Esc or Enter closes it');
    },
    {isActive: active},
  );

  return (
    <Box
      borderStyle="round"
      borderColor={color('cyan')}
      flexDirection="column"
      width={width}
      height={height}
      paddingX={1}
      overflow="hidden"
    >
      <Text bold wrap="truncate-end">
        {target.forwardId === undefined ? 'Session' : 'Forward'}
      </Text>
      {window.above > 0 ? <Text dimColor>{moreAbove(window.above)}</Text> : null}
      {lines.slice(window.first, window.end).map((line, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: lines of one frame, by position
        <Text key={index} wrap="truncate-end">
          {line.label ?? ''}
          <Text bold={line.bold} dimColor={line.dim} color={line.color ? color(line.color) : undefined}>
            {line.text || ' '}
          </Text>
        </Text>
      ))}
      {window.below > 0 ? <Text dimColor>{moreBelow(window.below)}</Text> : null}
      <Box flexGrow={1} />
      <Text dimColor wrap="truncate-end">
        {HINT}
      </Text>
    </Box>
  );
}
