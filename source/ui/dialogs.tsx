import {Box, Text} from 'ink';
import {filteredFavorites} from '../store/favorites-actions.js';
import type {LineState} from '../store/line-editor.js';
import {type Dialog, type Field as FieldState, fieldLine} from '../store/state.js';
import {graphemesOf} from '../text/graphemes.js';
import {keymap} from './keymap.js';
import {TextInput} from './text-input.js';
import {color} from './theme.js';
import {useAppState} from './use-app-state.js';

/** A secret's field: a • for each character typed, the cursor where it is among them. */
function masked(line: LineState): LineState {
  const before = graphemesOf(line.text.slice(0, line.cursor)).length;
  return {text: '•'.repeat(graphemesOf(line.text).length), cursor: before};
}

/**
 * A dialog's text field, its cursor where the store keeps it (masked for secrets), and the problem with
 * what is typed below it. `width` is the dialog's inside.
 */
function Field(props: {field: FieldState; width: number; secret?: boolean; error?: string | undefined}) {
  const line = fieldLine(props.field);
  return (
    <>
      <Box>
        <Text>{'> '}</Text>
        <TextInput line={props.secret ? masked(line) : line} width={Math.max(1, props.width - 2)} />
      </Box>
      {props.error ? (
        <Text color={color('red')} wrap="wrap">
          {props.error}
        </Text>
      ) : null}
    </>
  );
}

const HINT = 'Enter to confirm · Esc to cancel';

/** The open dialog; it takes the keys before the screen behind it. */
export function DialogView(props: {dialog: Dialog; width: number; height: number}) {
  const {dialog, width, height} = props;
  // Read here, not by the app: the aliases arrive after the first frame and redraw nothing else.
  const hosts = useAppState((state) => state.hosts);
  // Inside the double border and the padding.
  const inside = width - 4;
  // It takes the log pane's place and height, so the footer stays at the bottom.
  const box = (title: string, body: React.ReactNode, hint = HINT) => (
    <Box
      borderStyle="double"
      borderColor={color('cyan')}
      flexDirection="column"
      width={width}
      height={height}
      paddingX={1}
      overflow="hidden"
    >
      <Text bold>{title}</Text>
      {body}
      <Box flexGrow={1} />
      <Text dimColor>{hint}</Text>
    </Box>
  );
  switch (dialog.kind) {
    case 'help':
      return box(
        'Keys',
        <Box flexDirection="column">
          {keymap.map((binding) => (
            <Box key={binding.label}>
              <Box width={12} flexShrink={0}>
                <Text color={color('cyan')}>{binding.keys.join(', ')}</Text>
              </Box>
              <Text wrap="wrap">{binding.description}</Text>
            </Box>
          ))}
          <Box>
            <Box width={12} flexShrink={0}>
              <Text color={color('cyan')}>Ctrl-C</Text>
            </Box>
            <Text wrap="wrap">quit at once, closing every forward</Text>
          </Box>
        </Box>,
        'Esc or Enter to close',
      );
    case 'connect': {
      const matches = hosts.filter((host) => host.startsWith(dialog.text)).slice(0, 5);
      return box(
        'Connect to',
        <Box flexDirection="column">
          <Field field={dialog} width={inside} />
          {matches.length > 0 ? (
            <Text dimColor wrap="truncate-end">{`Hosts: ${matches.join('  ')}  (Tab completes)`}</Text>
          ) : null}
          {dialog.error ? (
            <Text color={color('red')} wrap="wrap">
              {dialog.error}
            </Text>
          ) : null}
        </Box>,
      );
    }
    case 'add-forward':
      return box(
        'Add a forward',
        <Box flexDirection="column">
          <Text dimColor wrap="truncate-end">
            L 8080:db:5432 · R 9000:localhost:3000 · D 1080 · ftp/2121:ftp.example:21
          </Text>
          <Text dimColor wrap="truncate-end">
            L /tmp/docker.sock:/var/run/docker.sock · L 5432:/run/pg.sock · R 1080 (SOCKS on the server)
          </Text>
          <Field field={dialog} width={inside} error={dialog.error} />
        </Box>,
      );
    case 'favorites': {
      const shown = filteredFavorites(dialog.favorites, dialog.text);
      return box(
        'Favorites',
        <Box flexDirection="column">
          <Field field={dialog} width={inside} />
          {dialog.favorites.length === 0 ? (
            <Text dimColor wrap="wrap">
              No favorites yet: connect, then press s to save a session, or run tunnels favorites
              import-ssh-config.
            </Text>
          ) : null}
          {shown.slice(0, Math.max(1, height - 6)).map((favorite, index) => (
            <Text key={favorite.name} wrap="truncate-end" inverse={index === dialog.selected}>
              {`${index < 9 && dialog.text === '' ? String(index + 1) : ' '} ${favorite.name.padEnd(16)} ${favorite.address.padEnd(26)} ${favorite.summary}`}
            </Text>
          ))}
        </Box>,
        'Enter or 1-9 to connect · Ctrl-E edit · Ctrl-D delete · Esc to close',
      );
    }
    case 'save-favorite':
      return box(
        'Save this session as a favorite',
        <Box flexDirection="column">
          <Text dimColor>Name (letters, digits, . _ -); its forwards are saved as they are now</Text>
          <Field field={dialog} width={inside} error={dialog.error} />
        </Box>,
      );
    case 'edit-favorite':
      return box(
        `Edit favorite ${dialog.name}`,
        <Box flexDirection="column">
          <Text dimColor wrap="truncate-end">
            The options of tunnels itself: -L -R -D -p -l -i -o -A -X [user@]host
          </Text>
          <Field field={dialog} width={inside} error={dialog.error} />
        </Box>,
      );
    case 'run-command':
      return box(
        'Run a command on the server',
        <Box flexDirection="column">
          <Text dimColor wrap="truncate-end">
            {`Output and exit status go to the log · X11 ${dialog.x11 ? 'forwarded (-X)' : 'off'} · agent ${dialog.agent ? 'forwarded (-A)' : 'off'}`}
          </Text>
          <Field field={dialog} width={inside} />
        </Box>,
      );
    case 'confirm':
      return box(
        dialog.title,
        <Text wrap="wrap">{dialog.message}</Text>,
        'Enter or y to confirm · Esc or n to cancel',
      );
    case 'prompt':
      return box(
        dialog.secret ? 'Secret' : 'Question',
        <Box flexDirection="column">
          {dialog.lines.map((line, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the lines of one question, fixed while it is open
            <Text key={index} wrap="wrap">
              {line || ' '}
            </Text>
          ))}
          <Field field={dialog} width={inside} secret={dialog.secret} />
        </Box>,
      );
  }
}
