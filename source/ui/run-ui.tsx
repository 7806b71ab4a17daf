import {render} from 'ink';
import {connect, loadHostAliases, shutdown} from '../store/actions.js';
import {stopBridge} from '../store/bridge.js';
import {attachService, detachService, type ServiceTransport} from '../store/remote-sessions.js';
import {connectOrSelectInitial} from '../store/session-match.js';
import {showMessage} from '../store/ui-actions.js';
import {safeLines} from '../text/safe-text.js';
import {App} from './app.js';

const ENTER_ALTERNATE_SCREEN = '\u001b[?1049h\u001b[H';
// The alternate screen is cleared before it is left: a terminal resized meanwhile may keep some of its rows.
const LEAVE_ALTERNATE_SCREEN = '\u001b[2J\u001b[H\u001b[?1049l';
const CLEAR_SCROLLBACK = '\u001b[3J';
/**
 * The terminal as Ink sees it, but never told to clear its scrollback. Every frame is a line shorter than the
 * terminal (see layout.ts), yet right after a resize to fewer rows Ink draws the last frame, as tall as the
 * old size, once more before the app redraws for the new one: it takes that for a full-screen frame and
 * clears the screen and the scrollback with it. On the alternate screen, clearing the screen is enough.
 */
function keepingScrollback(stdout: NodeJS.WriteStream): NodeJS.WriteStream {
  const write = (chunk: unknown, ...rest: unknown[]) =>
    (stdout.write as (...args: unknown[]) => boolean)(
      typeof chunk === 'string' ? chunk.replaceAll(CLEAR_SCROLLBACK, '') : chunk,
      ...rest,
    );
  return new Proxy(stdout, {
    get: (target, property) => (property === 'write' ? write : Reflect.get(target, property, target)),
  });
}

/** The full-screen UI; resolves with the exit status once every forward is closed. */
export async function runUi(options: {
  configFile?: string | undefined;
  initial?: {name: string; invocation: Parameters<typeof connect>[1]; origin?: Parameters<typeof connect>[2]};
  /**
   * tunnels attach: the service's sessions are the rows, and the UI's commands go to it. lost: the
   * sessions of a service that died without stopping, found when this one was started.
   */
  attach?: {transport: ServiceTransport; lost: string[]};
  /** Said on the status line when the UI starts (the service could not be reached, say). */
  notice?: string;
}): Promise<number> {
  const {initial} = options;
  if (options.attach) {
    const {lost} = options.attach;
    void attachService(options.attach.transport).then((error) => {
      if (error) showMessage('error', error);
      else if (lost.length > 0)
        showMessage(
          'error',
          `the service had ended without stopping; its sessions were lost: ${lost.join(', ')}`,
        );
      // The command line's session once the service's are listed: it may be one of them already.
      if (!error && initial) void connectOrSelectInitial(initial.name, initial.invocation, initial.origin);
    });
  } else if (initial) {
    // The command line's session first: its row is in the store, connecting, for the first frame, which
    // is drawn while the connection code loads (connect awaits it).
    void connect(initial.name, initial.invocation, initial.origin);
  }
  if (options.notice) showMessage('error', options.notice);
  process.stdout.write(ENTER_ALTERNATE_SCREEN);
  // Traffic cannot redraw more often than the bridge writes the store (FLUSH_INTERVAL_MS, counters once a
  // second). Ink's own limit is a debounce: at 10 fps a change right after a frame waited up to 200 ms.
  const instance = render(<App />, {
    stdout: keepingScrollback(process.stdout),
    exitOnCtrlC: false,
    maxFps: 30,
    patchConsole: true,
  });
  // Host aliases are for the connect dialog's completion only: read after the first frame.
  void loadHostAliases(options.configFile);
  const onSignal = () => {
    void shutdown();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  // A bug must not leave the terminal in raw mode on the alternate screen: restore it, then say what broke.
  process.on('uncaughtException', (error) => {
    instance.unmount();
    process.stdout.write(LEAVE_ALTERNATE_SCREEN);
    process.stderr.write(`tunnels: unexpected error: ${safeLines(error.stack ?? error.message)}\n`);
    process.exit(70);
  });
  try {
    await instance.waitUntilExit();
  } finally {
    await shutdown();
    // Attached: the connection goes, the service's tunnels stay (unless q's answer stopped them).
    detachService();
    stopBridge();
    instance.cleanup();
    process.stdout.write(LEAVE_ALTERNATE_SCREEN);
  }
  return 0;
}
