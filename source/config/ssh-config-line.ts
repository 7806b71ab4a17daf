/**
 * One line of an ssh_config file (or one -o option) split as OpenSSH's readconf.c splits it: the keyword
 * (ended by whitespace or a single "="), then the arguments as argv_split reads them (quotes, the escapes
 * \" \' \\ and "\ ", a word that starts with "#" ends the line). Pure: no IO.
 */

export interface ConfigLine {
  /** Lower-cased. */
  keyword: string;
  /** The text after the keyword (and its "="), trailing whitespace removed: ProxyCommand takes it whole. */
  rest: string;
  args: string[];
}

const WHITESPACE = ' \t\r\n';

/** A line the parser cannot read; the message is ssh's, in words. */
export class ConfigLineError extends Error {}

/** Undefined for a blank line or a comment. */
export function splitConfigLine(line: string): ConfigLine | undefined {
  let end = line.length;
  while (end > 0 && `${WHITESPACE}\f`.includes(line[end - 1]!)) end--;
  const text = line.slice(0, end);
  let index = 0;
  while (index < text.length && WHITESPACE.includes(text[index]!)) index++;
  if (index === text.length || text[index] === '#') return undefined;
  const start = index;
  while (index < text.length && !`${WHITESPACE}"=`.includes(text[index]!)) index++;
  const keyword = text.slice(start, index).toLowerCase();
  if (keyword === '') return undefined;
  // strdelim: one "=" may stand in for the whitespace, or follow it.
  const delimiter = text[index];
  if (delimiter !== undefined) index++;
  while (index < text.length && WHITESPACE.includes(text[index]!)) index++;
  if (delimiter !== '=' && text[index] === '=') {
    index++;
    while (index < text.length && WHITESPACE.includes(text[index]!)) index++;
  }
  const rest = text.slice(index);
  if (rest === '') throw new ConfigLineError(`${keyword} has no value (write Key=Value, or Key Value)`);
  return {keyword, rest, args: splitArguments(rest)};
}

/** misc.c's argv_split with terminate_on_comment. */
export function splitArguments(text: string): string[] {
  const args: string[] = [];
  let index = 0;
  while (index < text.length) {
    const char = text[index]!;
    if (char === ' ' || char === '\t') {
      index++;
      continue;
    }
    if (char === '#') break;
    let quote: string | undefined;
    let word = '';
    for (; index < text.length; index++) {
      const c = text[index]!;
      if (c === '\\') {
        const next = text[index + 1];
        if (next === "'" || next === '"' || next === '\\' || (quote === undefined && next === ' ')) {
          word += next;
          index++;
        } else word += c;
      } else if (quote === undefined && (c === ' ' || c === '\t')) break;
      else if (quote === undefined && (c === '"' || c === "'")) quote = c;
      else if (quote !== undefined && c === quote) quote = undefined;
      else word += c;
    }
    if (quote !== undefined) throw new ConfigLineError('invalid quotes');
    args.push(word);
  }
  return args;
}
