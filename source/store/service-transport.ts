/**
 * What the attached UI needs of a connection to the background service, as source/service/protocol.ts
 * defines its messages: the store does not import the service (it sits beside it), so the UI's entry
 * hands in the service's client, which has this shape.
 */
import type {CommandLineOptions} from '../config/command-line.js';
import type {TunnelEvent} from '../core/events.js';

/** The service's commands the UI sends, as source/service/protocol.ts defines them. */
export type ServiceCommand =
  | {command: 'ls'}
  | {
      command: 'up';
      name: string;
      origin: CommandLineOptions;
      favorite: boolean;
      prompts?: boolean;
      agent?: string;
    }
  | {command: 'down'; name: string}
  | {command: 'add'; name: string; forward: string}
  | {command: 'rm'; name: string; forward: string}
  | {command: 'reconnect'; name: string}
  | {command: 'retry'; name: string; forward: string}
  | {command: 'watch'; replay?: boolean}
  | {command: 'stop'};

/** One session as the service lists it (protocol.ts's SessionSummary, the fields used here). */
export interface ListedSession {
  name: string;
  destination: string;
  state: string;
  forwards: {
    id: string;
    label: string;
    state: string;
    failure?: string;
    listening?: string;
    openConnections: number;
    totalConnections: number;
    bytesIn: number;
    bytesOut: number;
  }[];
}

export interface ServiceResult {
  ok: boolean;
  error?: string;
  /** The session's own events already said why. */
  told?: boolean;
  sessions?: ListedSession[];
}

/** A connection to the service, as the attached UI uses it. */
export interface ServiceTransport {
  request(command: ServiceCommand): Promise<ServiceResult>;
  /** time: when the service saw it (epoch ms). */
  onEvent(listener: (message: {session: string; event: TunnelEvent; time?: number}) => void): void;
  onPrompt(
    listener: (
      message:
        | {prompt: number; session: string; text: string; secret: boolean; shownBefore?: string}
        | {inform: string; session: string},
    ) => void,
  ): void;
  answer(prompt: number, answer: string | undefined): void;
  close(): void;
  readonly closed: Promise<void>;
}
