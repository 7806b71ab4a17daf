import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';

/**
 * The dependency rule (README, "How it is built"), checked by reading every import in source/ and cli.tsx:
 * data flows up from core through the store to the views, commands flow down, and nothing points back.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');

/** Which top-level rooms of source/ each room may import (itself always). */
const MAY_IMPORT: Record<string, string[]> = {
  text: [],
  core: ['text'],
  config: ['core', 'text'],
  store: ['core', 'config', 'text'],
  ui: ['store', 'text'],
  service: ['core', 'config', 'text'],
  cli: ['core', 'config', 'text', 'service'],
};

/** Pure modules: bytes and text in, bytes and text out; no sockets, files, processes or timers of their own. */
const PURE = ['source/core/protocols/', 'source/core/x11/x11-setup.ts', 'source/text/'];
const IO_MODULES = ['node:net', 'node:fs', 'node:fs/promises', 'node:child_process', 'node:dgram', 'ssh2'];
/** What a pure module may take from node:net: its address syntax checks, which do no IO. */
const ADDRESS_CHECKS = /^\{\s*(isIP|isIPv4|isIPv6)(\s*,\s*(isIP|isIPv4|isIPv6))*\s*\}$/;

interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
  /** What is imported: "{isIPv4, isIPv6}", "net", "type {X}". */
  names: string;
}

function sourceFiles(directory: string): string[] {
  return readdirSync(path.join(ROOT, directory), {withFileTypes: true}).flatMap((entry) => {
    const relative = path.join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(relative);
    return /\.tsx?$/.test(entry.name) ? [relative] : [];
  });
}

function importsOf(file: string): Import[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const found: Import[] = [];
  const pattern =
    /^\s*(?:import|export)\s+(type\s+)?([^'"]*?)\s*from\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const match of text.matchAll(pattern)) {
    const specifier = match[3] ?? match[4]!;
    const typeOnly = Boolean(match[1]);
    const names = (match[2] ?? '').replace(/\s+/g, ' ');
    if (!specifier.startsWith('.')) {
      found.push({from: file, to: specifier, typeOnly, names});
      continue;
    }
    const target = path.normalize(path.join(path.dirname(file), specifier)).replace(/\.js$/, '');
    const resolved = ['.ts', '.tsx']
      .map((extension) => target + extension)
      .find((candidate) => {
        try {
          readFileSync(path.join(ROOT, candidate));
          return true;
        } catch {
          return false;
        }
      });
    found.push({from: file, to: resolved ?? target, typeOnly, names});
  }
  return found;
}

function roomOf(file: string): string | undefined {
  const match = /^source\/([^/]+)\//.exec(file);
  return match?.[1];
}

const files = [...sourceFiles('source'), 'cli.tsx'];
const imports = files.flatMap(importsOf);

describe('the dependency rule', () => {
  it('every room imports only the rooms below it', () => {
    const against = imports.flatMap(({from, to}) => {
      const fromRoom = roomOf(from);
      const toRoom = roomOf(to);
      if (!fromRoom || !toRoom || fromRoom === toRoom) return [];
      return MAY_IMPORT[fromRoom]?.includes(toRoom) ? [] : [`${from} -> ${to}`];
    });
    expect(against).toEqual([]);
  });

  it('knows every room', () => {
    const rooms = new Set(files.map(roomOf).filter((room) => room !== undefined));
    expect([...rooms].sort()).toEqual(Object.keys(MAY_IMPORT).sort());
  });

  it('nothing below the views loads React or Ink', () => {
    const against = imports.filter(
      ({from, to}) => roomOf(from) !== 'ui' && from !== 'cli.tsx' && /^(react|ink)(\/|$)/.test(to),
    );
    expect(against.map(({from, to}) => `${from} -> ${to}`)).toEqual([]);
  });

  it('the parsers and rewriters are pure: no sockets, files or processes', () => {
    const against = imports.filter(
      ({from, to, typeOnly, names}) =>
        !typeOnly &&
        PURE.some((prefix) => from.startsWith(prefix)) &&
        IO_MODULES.includes(to) &&
        !(to === 'node:net' && ADDRESS_CHECKS.test(names)),
    );
    expect(against.map(({from, to}) => `${from} -> ${to}`)).toEqual([]);
  });

  it('no module imports itself back through others (no circles)', () => {
    const edges = new Map<string, string[]>();
    for (const {from, to} of imports)
      if (to.startsWith('source/')) edges.set(from, [...(edges.get(from) ?? []), to]);
    const circles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const walk = (file: string, trail: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        circles.push([...trail.slice(trail.indexOf(file)), file].join(' -> '));
        return;
      }
      state.set(file, 'open');
      for (const next of edges.get(file) ?? []) walk(next, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of files) walk(file, []);
    expect(circles).toEqual([]);
  });
});
