import {eventText, isSessionEvent} from '../core/event-text.js';
import {STORE_ONLY_EVENTS, type TunnelEvent} from '../core/events.js';
import {formatBytes} from '../text/format.js';
import {safeJson, safeText} from '../text/safe-text.js';

export {formatBytes};

/**
 * Turns core events into the headless output: one human line each on stderr and, with --json, the
 * event itself as one JSON line on stdout. Both are made safe for a terminal here, where they are
 * printed: an event's texts may come from the server or the config (see safeText).
 */
export class EventPrinter {
  private readonly labels = new Map<string, string>();

  constructor(
    /** `batchable`: a connection's line, which may wait a moment to go out with others. */
    private readonly out: {
      stderr: (line: string, batchable: boolean) => void;
      stdout: (line: string, batchable: boolean) => void;
    },
    /** `command`: a remote command's output is on the same terminal; stay as quiet as ssh. */
    private readonly options: {json: boolean; verbose: number; command?: boolean},
  ) {}

  readonly handle = (coreEvent: TunnelEvent): void => {
    if (STORE_ONLY_EVENTS.has(coreEvent.event)) return;
    const event = printed(coreEvent);
    const batchable = event.event === 'connection-opened' || event.event === 'connection-closed';
    if (this.options.json) this.out.stdout(safeJson(event), batchable);
    const line = this.describe(event);
    if (line !== undefined) this.out.stderr(safeText(line), batchable);
  };

  private describe(event: TunnelEvent): string | undefined {
    // What the headless output leaves out unless -v: ssh is silent about these.
    const quiet =
      (event.event === 'session-connecting' && this.options.verbose === 0) ||
      (event.event === 'session-connected' && this.options.command && this.options.verbose === 0) ||
      (event.event === 'session-closed' && !event.reason) ||
      (event.event === 'forward-closed' && this.options.verbose === 0);
    if (event.event === 'forward-listening' || event.event === 'forward-failed')
      this.labels.set(event.forwardId, event.spec);
    if (quiet) return undefined;
    const text = eventText(event, (forwardId) => this.labels.get(forwardId) ?? forwardId);
    if (text === undefined) return undefined;
    return isSessionEvent(event) ? `tunnels: ${text}` : text;
  }
}

/**
 * An event as the headless output has always had it: without the fields added for the store (a
 * connection's label and its forward's counters, a listener's display), which --json does not promise.
 */
function printed(event: TunnelEvent): TunnelEvent {
  if (!('label' in event || 'counters' in event || 'display' in event)) return event;
  const {
    label: _label,
    counters: _counters,
    display: _display,
    ...rest
  } = event as TunnelEvent & {
    label?: string;
    counters?: unknown;
    display?: string;
  };
  return rest as TunnelEvent;
}
