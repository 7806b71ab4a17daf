/** OpenSSH's match_pattern: '*' matches any run of characters, '?' exactly one. */
export function matchPattern(text: string, pattern: string): boolean {
  let source = '';
  for (const char of pattern) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's').test(text);
}
