import {describe, expect, it} from 'vitest';
import {matchPattern} from '../../source/text/ssh-pattern.js';

describe('matchPattern', () => {
  it.each<[string, string, boolean]>([
    ['db.example.com', '*.example.com', true],
    ['example.com', '*.example.com', false],
    ['host1', 'host?', true],
    ['host10', 'host?', false],
    ['a.b', 'a?b', true],
    ['a+b', 'a+b', true],
    ['aab', 'a+b', false],
    ['line\nbreak', 'line*', true],
  ])('%j against %j: %j', (text, pattern, expected) => {
    expect(matchPattern(text, pattern)).toBe(expected);
  });
});
