import type {TunnelEvent} from '../core/events.js';
import {formatBytes} from '../core/format.js';

export {formatBytes};

/**
 * Turns core events into the headless output: one human line each on stderr and, with --json, the
 * event itself as one JSON line on stdout.
 */
export class EventPrinter {
  private readonly labels = new Map<string, string>();

  constructor(
    private readonly out: {stderr: (line: string) => void; stdout: (line: string) => void},
    /** `command`: a remote command's output is on the same terminal; stay as quiet as ssh. */
    private readonly options: {json: boolean; verbose: number; command?: boolean},
  ) {}

  readonly handle = (event: TunnelEvent): void => {
    if (this.options.json) this.out.stdout(JSON.stringify(event));
    const line = this.describe(event);
    if (line !== undefined) this.out.stderr(line);
  };

  private describe(event: TunnelEvent): string | undefined {
    switch (event.event) {
      case 'session-connecting':
        return this.options.verbose > 0
          ? `tunnels: connecting to ${event.user}@${event.host}:${event.port}`
          : undefined;
      case 'session-connected':
        if (this.options.command && this.options.verbose === 0) return undefined;
        return `tunnels: connected to ${event.user}@${event.host}:${event.port} (${event.authMethod})`;
      case 'session-failed':
        return `tunnels: ${event.reason}`;
      case 'session-closed':
        return event.reason ? `tunnels: connection closed: ${event.reason}` : undefined;
      case 'host-key-added':
        return `tunnels: permanently added '${event.host}' (${event.fingerprint}) to ${event.file}`;
      case 'forward-listening':
        this.labels.set(event.forwardId, event.spec);
        return `${event.spec}: listening on ${event.kind === 'remote' ? 'the server at ' : ''}${event.bindAddress.includes(':') ? `[${event.bindAddress}]` : event.bindAddress}:${event.port}`;
      case 'forward-failed':
        this.labels.set(event.forwardId, event.spec);
        return `${event.spec}: failed: ${event.reason}`;
      case 'forward-closed':
        return this.options.verbose > 0 ? `${event.spec}: closed` : undefined;
      case 'connection-opened':
        return `${this.label(event.forwardId)}: connection #${event.connectionId} from ${event.from} to ${event.to}`;
      case 'connection-closed':
        return `${this.label(event.forwardId)}: connection #${event.connectionId} closed (${formatBytes(event.bytesIn)} in, ${formatBytes(event.bytesOut)} out${event.error ? `; ${event.error}` : ''})`;
      case 'connection-failed':
        return `${this.label(event.forwardId)}: connection from ${event.from} to ${event.to} failed: ${event.reason}`;
      case 'ftp-data-opened':
        return `${this.label(event.forwardId)}: data channel #${event.dataId} (${event.mode}) ${event.local} <-> ${event.remote}`;
      case 'ftp-data-closed':
        return `${this.label(event.forwardId)}: data channel #${event.dataId} closed (${formatBytes(event.bytesIn)} in, ${formatBytes(event.bytesOut)} out${event.reason ? `; ${event.reason}` : ''})`;
      case 'warning':
        return `tunnels: warning: ${event.message}`;
    }
  }

  private label(forwardId: string): string {
    return this.labels.get(forwardId) ?? forwardId;
  }
}
