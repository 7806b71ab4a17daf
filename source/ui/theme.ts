/** Colours, unless NO_COLOR asks for none (https://no-color.org). */
const noColor = () => process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';

export function color(name: string): string | undefined {
  return noColor() ? undefined : name;
}

export const stateColor: Record<string, string> = {
  connecting: 'yellow',
  connected: 'green',
  reconnecting: 'yellow',
  waiting: 'yellow',
  listening: 'green',
  refusing: 'yellow',
  starting: 'yellow',
  failed: 'red',
  closed: 'gray',
  idle: 'gray',
};
