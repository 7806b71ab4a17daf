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

/**
 * misc.c's strdelim: the word up to whitespace, a double quote or one "="; a word that starts with a double
 * quote runs to the next one (undefined when there is none). `rest` is what follows the delimiter and the
 * whitespace after it (and, after whitespace, one "=" and the whitespace after that); undefined at the end.
 */
function strdelim(text: string): {word: string; rest: string | undefined} | undefined {
  const skip = (from: string, index: number) => {
    while (index < from.length && WHITESPACE.includes(from[index]!)) index++;
    return index;
  };
  let at = 0;
  while (at < text.length && !`${WHITESPACE}"=`.includes(text[at]!)) at++;
  if (at === text.length) return {word: text, rest: undefined};
  if (text[at] === '"') {
    // The quote is taken out, and the word ends at the next one.
    const joined = text.slice(0, at) + text.slice(at + 1);
    const close = joined.indexOf('"', at);
    if (close === -1) return undefined;
    return {word: joined.slice(0, close), rest: joined.slice(skip(joined, close + 1))};
  }
  const equals = text[at] === '=';
  let next = skip(text, at + 1);
  if (!equals && text[next] === '=') next = skip(text, next + 1);
  return {word: text.slice(0, at), rest: text.slice(next)};
}

/** Undefined for a blank line or a comment (readconf.c's process_config_line_depth). */
export function splitConfigLine(line: string): ConfigLine | undefined {
  // Trailing whitespace and form feeds go, but never the first character (as in readconf.c).
  let end = line.length;
  while (end > 1 && `${WHITESPACE}\f`.includes(line[end - 1]!)) end--;
  const text = line.slice(0, end);
  let found = strdelim(text);
  // Leading whitespace (or one "=") gives an empty first word: the keyword is the next one.
  if (found?.word === '') found = found.rest === undefined ? undefined : strdelim(found.rest);
  if (found === undefined || found.word === '' || found.word.startsWith('#')) return undefined;
  const keyword = found.word.toLowerCase();
  let rest = found.rest;
  if (rest !== undefined) {
    let index = 0;
    while (index < rest.length && WHITESPACE.includes(rest[index]!)) index++;
    rest = rest.slice(index);
  }
  if (rest === undefined || rest === '')
    throw new ConfigLineError(`${keyword} has no value (write Key=Value, or Key Value)`);
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
