import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {ConfigLineError, splitArguments, splitConfigLine} from '../../../source/config/ssh-config/line.js';

/** A line and what readconf.c makes of it: keyword and arguments, a blank line, or an error. */
type Expected = {keyword: string; args: string[]; rest?: string} | 'blank' | 'error';

const CASES: Array<[string, Expected]> = [
  // Key Value, Key=Value, Key = Value, Key =Value, Key= Value, tabs.
  ['User x', {keyword: 'user', args: ['x']}],
  ['User=x', {keyword: 'user', args: ['x']}],
  ['User = x', {keyword: 'user', args: ['x']}],
  ['User =x', {keyword: 'user', args: ['x']}],
  ['User= x', {keyword: 'user', args: ['x']}],
  ['User\tx', {keyword: 'user', args: ['x']}],
  ['\tUser\t=\tx', {keyword: 'user', args: ['x']}],
  ['User \t = \t x', {keyword: 'user', args: ['x']}],
  ['   User x', {keyword: 'user', args: ['x']}],
  // The keyword is lower-cased, the value is not.
  ['USER X', {keyword: 'user', args: ['X']}],
  // Only one "=" is a delimiter: the next one is part of the value.
  ['User==a', {keyword: 'user', args: ['=a']}],
  ['User=a=b', {keyword: 'user', args: ['a=b']}],
  ['User= =x', {keyword: 'user', args: ['=x']}],
  ['User = = x', {keyword: 'user', args: ['=', 'x']}],
  // One "=" (or whitespace) before the keyword is passed over; two are not.
  ['=User x', {keyword: 'user', args: ['x']}],
  ['= User x', {keyword: 'user', args: ['x']}],
  ['==User x', 'blank'],
  // strdelim takes a double quote out of the keyword: "User" is User.
  ['"User" x', {keyword: 'user', args: ['x']}],
  [' "User" x', {keyword: 'user', args: ['x']}],
  ['Us"er" x', {keyword: 'user', args: ['x']}],
  ['User"" x', {keyword: 'user', args: ['x']}],
  ['"User"=x', {keyword: 'user', args: ['=x']}],
  // ...and a keyword whose quote is not closed makes the line nothing at all.
  ['"User x', 'blank'],
  // Trailing whitespace, CR (CRLF files) and form feeds go; a CR inside a value stays.
  ['User  x  ', {keyword: 'user', args: ['x'], rest: 'x'}],
  ['User x\r', {keyword: 'user', args: ['x'], rest: 'x'}],
  ['User x\r\n', {keyword: 'user', args: ['x']}],
  ['User x\f', {keyword: 'user', args: ['x']}],
  ['User a\rb', {keyword: 'user', args: ['a\rb']}],
  // A vertical tab is not whitespace to ssh.
  ['User x\v', {keyword: 'user', args: ['x\v']}],
  // Quotes: double or single, around part of a word or all of it, joined with what touches them.
  ['User "a b"', {keyword: 'user', args: ['a b']}],
  ["User 'a b'", {keyword: 'user', args: ['a b']}],
  ['User="x y"', {keyword: 'user', args: ['x y'], rest: '"x y"'}],
  ['User a"b c"d', {keyword: 'user', args: ['ab cd']}],
  ['User \'a\'b"c"', {keyword: 'user', args: ['abc']}],
  ['User "a""b"', {keyword: 'user', args: ['ab']}],
  ['User ""x', {keyword: 'user', args: ['x']}],
  ["User 'a\"b'", {keyword: 'user', args: ['a"b']}],
  ['User "a\'b"', {keyword: 'user', args: ["a'b"]}],
  // An empty quoted word is an argument (User then refuses it).
  ['User ""', {keyword: 'user', args: ['']}],
  ["User ''", {keyword: 'user', args: ['']}],
  ['User "" x', {keyword: 'user', args: ['', 'x']}],
  // Escapes: \" \' \\ anywhere, "\ " outside quotes; any other backslash is kept.
  ['User a\\ b', {keyword: 'user', args: ['a b']}],
  ['User "a\\ b"', {keyword: 'user', args: ['a\\ b']}],
  ['User a\\"b', {keyword: 'user', args: ['a"b']}],
  ["User a\\'b", {keyword: 'user', args: ["a'b"]}],
  ["User 'a\\'b'", {keyword: 'user', args: ["a'b"]}],
  ['User \\"a', {keyword: 'user', args: ['"a']}],
  ['User a\\\\b', {keyword: 'user', args: ['a\\b']}],
  ['User a\\\\', {keyword: 'user', args: ['a\\']}],
  ['User a\\', {keyword: 'user', args: ['a\\']}],
  ['User a\\xb', {keyword: 'user', args: ['a\\xb']}],
  ['User \\#a', {keyword: 'user', args: ['\\#a']}],
  // "#" starting a word ends the line; inside a word or quotes it is a character.
  ['User x #c', {keyword: 'user', args: ['x'], rest: 'x #c'}],
  ['User x#c', {keyword: 'user', args: ['x#c']}],
  ['User a#b', {keyword: 'user', args: ['a#b']}],
  ['User "#a"', {keyword: 'user', args: ['#a']}],
  ['User "a#b"', {keyword: 'user', args: ['a#b']}],
  ['User #a', {keyword: 'user', args: []}],
  ['Port 22 # c', {keyword: 'port', args: ['22']}],
  // Tabs separate arguments too.
  ['User a\tb', {keyword: 'user', args: ['a', 'b']}],
  ['User a b', {keyword: 'user', args: ['a', 'b']}],
  // Blank lines and comments.
  ['', 'blank'],
  ['   ', 'blank'],
  ['\t', 'blank'],
  [' \f', 'blank'],
  ['#User x', 'blank'],
  [' # User x', 'blank'],
  ['\t#x', 'blank'],
  // No value: an error, whether or not there is an "=".
  ['User', 'error'],
  ['User ', 'error'],
  ['User=', 'error'],
  ['User =', 'error'],
  ['User = ', 'error'],
  // readconf.c never strips a line's first character: a lone form feed is a keyword without a value.
  ['\f', 'error'],
  // Unterminated quotes in the value.
  ['User "ab', 'error'],
  ["User 'ab", 'error'],
  ['User a"b', 'error'],
  ['User "a\\"', 'error'],
];

function outcome(line: string): Expected {
  try {
    const split = splitConfigLine(line);
    return split === undefined ? 'blank' : {keyword: split.keyword, args: split.args, rest: split.rest};
  } catch (error) {
    if (error instanceof ConfigLineError) return 'error';
    throw error;
  }
}

describe('splitConfigLine', () => {
  it.each(CASES)('%j', (line, expected) => {
    const got = outcome(line);
    if (typeof expected === 'string') expect(got).toBe(expected);
    else expect(got).toMatchObject(expected);
  });

  it('keeps the text after the keyword whole for ProxyCommand (comments, quotes, inner spacing)', () => {
    expect(splitConfigLine('ProxyCommand  "nc"  \'x y\'  ')).toEqual({
      keyword: 'proxycommand',
      rest: '"nc"  \'x y\'',
      args: ['nc', 'x y'],
    });
    expect(splitConfigLine('ProxyCommand nc %h %p # comment')?.rest).toBe('nc %h %p # comment');
  });

  it('says what is wrong', () => {
    expect(() => splitConfigLine('User')).toThrow(/user has no value/);
    expect(() => splitConfigLine('User "x')).toThrow(/invalid quotes/);
  });
});

describe('splitArguments', () => {
  it('splits as argv_split does', () => {
    expect(splitArguments('')).toEqual([]);
    expect(splitArguments('  a  b\t\tc ')).toEqual(['a', 'b', 'c']);
    expect(splitArguments('a # b')).toEqual(['a']);
    expect(splitArguments('# a')).toEqual([]);
    expect(splitArguments('"a b" \'c d\' e\\ f')).toEqual(['a b', 'c d', 'e f']);
  });
});

// The table above, checked against the installed ssh: each line alone in a file given with -F.
const ssh = spawnSync('ssh', ['-V']);
describe.skipIf(ssh.error !== undefined)('against ssh -G', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tunnels-config-line-'));
  afterAll(() => rmSync(dir, {recursive: true, force: true}));
  const me = os.userInfo().username;

  it.each(CASES.filter(([, expected]) => typeof expected === 'string' || expected.keyword === 'user'))(
    '%j',
    (line, expected) => {
      const file = path.join(dir, 'config');
      writeFileSync(file, `${line}\n`, {mode: 0o600});
      const run = spawnSync('ssh', ['-G', '-F', file, 'h'], {encoding: 'utf8'});
      const user = /^user ([^\n]*)$/m.exec(run.stdout)?.[1];
      if (expected === 'error') expect(run.status).toBe(255);
      else if (expected === 'blank') expect(user).toBe(me);
      else if (expected.args.length !== 1 || expected.args[0] === '') expect(run.status).toBe(255);
      else expect(user).toBe(expected.args[0]);
    },
  );
});
