/** glob(3) as ssh's Include uses it. */
import fs from 'node:fs';
import path from 'node:path';

/** ssh's glob(3) for Include: sorted matches, "~" expanded; no match is no file. */
export function globFiles(pattern: string): string[] {
  if (!/[*?[]/.test(pattern)) return [pattern];
  const root = path.parse(pattern).root;
  let candidates = [root];
  const segments = pattern.slice(root.length).split('/').filter(Boolean);
  for (const [index, segment] of segments.entries()) {
    const last = index === segments.length - 1;
    const next: string[] = [];
    for (const base of candidates) {
      if (!/[*?[]/.test(segment)) {
        next.push(path.join(base, segment));
        continue;
      }
      let names: string[];
      try {
        names = fs.readdirSync(base);
      } catch {
        continue;
      }
      for (const name of names.sort()) {
        if (!globSegmentMatches(name, segment)) continue;
        const candidate = path.join(base, name);
        if (last || isDirectory(candidate)) next.push(candidate);
      }
    }
    candidates = next;
  }
  return candidates.sort();
}

function isDirectory(file: string): boolean {
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
}

/** glob(3): a wildcard never matches a leading dot unless the pattern has one. */
function globSegmentMatches(name: string, pattern: string): boolean {
  if (name.startsWith('.') && !pattern.startsWith('.')) return false;
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index]!;
    if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '[') {
      const end = pattern.indexOf(']', index + 2);
      if (end === -1) {
        source += '\\[';
        continue;
      }
      let set = pattern.slice(index + 1, end);
      const negated = set.startsWith('!');
      if (negated) set = set.slice(1);
      source += `[${negated ? '^' : ''}${set.replace(/[\\\]^]/g, '\\$&')}]`;
      index = end;
    } else source += char.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's').test(name);
}
