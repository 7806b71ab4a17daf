/**
 * The host aliases an ssh_config file names, for completion and for `tunnels favorites import-ssh-config`:
 * the Host lines' patterns without wildcards or negation, in file order, each once. Only the file itself
 * is read (ssh's own completion does not follow Include either); lines are split as ssh splits them.
 */
import {ConfigLineError, splitConfigLine} from './line.js';

export function listHostAliases(text: string): string[] {
  const aliases = new Set<string>();
  for (const line of text.split('\n')) {
    let split: ReturnType<typeof splitConfigLine>;
    try {
      split = splitConfigLine(line);
    } catch (error) {
      // A line ssh would refuse names no host; resolving one of the others says what is wrong with it.
      if (error instanceof ConfigLineError) continue;
      throw error;
    }
    if (split?.keyword !== 'host') continue;
    for (const pattern of split.args) {
      if (pattern !== '' && !pattern.startsWith('!') && !/[*?]/.test(pattern)) aliases.add(pattern);
    }
  }
  return [...aliases];
}
