import stringWidth from 'string-width';
import {describe, expect, it} from 'vitest';
import {wrapText} from '../../source/ui/wrap.js';

const widest = (lines: string[]) => Math.max(...lines.map((line) => stringWidth(line)));

describe('wrapText', () => {
  it('leaves a short text on one line', () => {
    expect(wrapText('listening on 127.0.0.1:8080', 40)).toEqual(['listening on 127.0.0.1:8080']);
  });

  it('breaks a long error text at blanks, every word kept', () => {
    const text =
      'port 8080 is in use by another program; pick another port or stop the program that holds it';
    const lines = wrapText(text, 30);
    expect(lines).toEqual([
      'port 8080 is in use by another',
      'program; pick another port or',
      'stop the program that holds it',
    ]);
    expect(lines.join(' ')).toBe(text);
  });

  it('breaks a host name longer than the width where it reaches the edge', () => {
    const lines = wrapText('cannot resolve db-primary-eu-west-1.internal.corp.example.com: no such host', 20);
    expect(lines).toEqual([
      'cannot resolve',
      'db-primary-eu-west-1',
      '.internal.corp.examp',
      'le.com: no such host',
    ]);
    expect(widest(lines)).toBeLessThanOrEqual(20);
  });

  it('measures wide characters as two columns and never splits one', () => {
    const lines = wrapText('接続できません ホスト名が見つかりません', 10);
    expect(widest(lines)).toBeLessThanOrEqual(10);
    expect(lines.join('')).toBe('接続できませんホスト名が見つかりません');
    expect(lines[0]).toBe('接続できま');
  });

  it('keeps a grapheme whole, even one wider than the width', () => {
    expect(wrapText('漢字', 1)).toEqual(['漢', '字']);
    expect(wrapText('e\u0301e\u0301e\u0301', 2)).toEqual(['e\u0301e\u0301', 'e\u0301']);
  });

  it('starts a new line at a newline, and keeps an empty one', () => {
    expect(wrapText('first line\n\nthird', 40)).toEqual(['first line', '', 'third']);
    expect(wrapText('', 10)).toEqual(['']);
  });

  it('collapses runs of blanks between words', () => {
    expect(wrapText('  a   b\tc  ', 10)).toEqual(['a b c']);
  });

  it('treats a width below one as one', () => {
    expect(wrapText('ab', 0)).toEqual(['a', 'b']);
  });
});
