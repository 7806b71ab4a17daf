/**
 * Text from outside (the server's messages and prompts, a remote command's output in the UI, config
 * values, what was typed or pasted) made harmless for a terminal, as ssh shows it: every character that
 * a terminal could act on or that hides or reorders what is around it becomes a visible escape, and
 * printable text stays as it is. A text can then set no window title, clear no screen, write no clipboard
 * (OSC 52), move no cursor and turn no following text around.
 *
 * - C0 controls (newline and tab included) and DEL: ssh's octal, "\033" for ESC, "\012" for a newline. A
 *   newline in a one-line field would start a line the server wrote; a tab moves the cursor by a width
 *   string-width does not count, so rows would no longer line up.
 * - C1 controls (U+0080-U+009F: U+009B is a CSI to terminals that take C1), format characters (bidi
 *   overrides, embeddings, isolates and marks, zero-width space, BOM...), line and paragraph separators,
 *   lone surrogates: "\u009b", "\u202e". Left as they are: the zero-width joiner and non-joiner and the tag
 *   characters, which build emoji and words and move nothing.
 *
 * The escapes are ASCII, so a row measures what it shows. A backslash is not doubled (as ssh): text that
 * already reads "\033" shows the same, harmless either way, and the function can be applied twice.
 */
export function safeText(text: string): string {
  return UNSAFE.test(text) ? text.replace(UNSAFE_ALL, visible) : text;
}

/** As safeText, but line breaks stay (CRLF becomes one): prompts and instructions of several lines. */
export function safeLines(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => safeText(line))
    .join('\n');
}

/**
 * JSON.stringify whose output shows the same on a terminal: it escapes C0 controls itself, and here the
 * other characters safeText escapes become \u escapes too (U+009B written raw is a CSI on some terminals).
 * Parsed, it is the same value, the true text.
 */
export function safeJson(value: unknown, space?: number): string {
  const json = JSON.stringify(value, null, space);
  // Outside strings JSON is ASCII: any other such character is inside a string, where a \u escape means it.
  return UNSAFE.test(json) ? json.replace(UNSAFE_ALL, jsonEscape) : json;
}

const views = new WeakMap<object, unknown>();

/**
 * Every string in a value (plain objects and arrays, deeply) through safeText: what the UI's views are
 * given of the store, which itself keeps the true text. Each object is done once (the store's objects
 * are replaced, not changed), and one with nothing to escape is returned as it is, so a view's selector
 * gives the same object for the same state.
 */
export function safeStrings<T>(value: T): T {
  if (typeof value === 'string') return safeText(value) as T;
  if (typeof value !== 'object' || value === null) return value;
  const known = views.get(value);
  if (known !== undefined) return known as T;
  let view: unknown = value;
  if (Array.isArray(value)) {
    const items = value.map((item) => safeStrings(item as unknown));
    if (items.some((item, index) => item !== value[index])) view = items;
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.entries(value).map(([key, item]) => [key, safeStrings(item as unknown)] as const);
    if (entries.some(([key, item]) => item !== (value as Record<string, unknown>)[key]))
      view = Object.fromEntries(entries);
  }
  views.set(value, view);
  return view as T;
}

const UNSAFE_CLASS = String.raw`[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]`;
const UNSAFE = new RegExp(UNSAFE_CLASS, 'u');
const UNSAFE_ALL = new RegExp(UNSAFE_CLASS, 'gu');

/** Format characters that only join or build characters (emoji sequences, scripts): kept. */
function harmless(code: number): boolean {
  return code === 0x200c || code === 0x200d || (code >= 0xe0020 && code <= 0xe007f);
}

function visible(character: string): string {
  const code = character.codePointAt(0)!;
  if (harmless(code)) return character;
  if (code < 0x20 || code === 0x7f) return `\\${code.toString(8).padStart(3, '0')}`;
  return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

function jsonEscape(character: string): string {
  const code = character.codePointAt(0)!;
  // JSON.stringify escapes C0 controls in strings: any left are its indentation's newlines.
  if (code < 0x20 || harmless(code)) return character;
  let escaped = '';
  for (let index = 0; index < character.length; index++)
    escaped += `\\u${character.charCodeAt(index).toString(16).padStart(4, '0')}`;
  return escaped;
}
