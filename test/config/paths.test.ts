import {describe, expect, it} from 'vitest';
import {groupIsUserAlone} from '../../source/config/paths.js';

const passwd = [
  'root:x:0:0:root:/root:/bin/bash',
  'ada:x:1000:1000:Ada:/home/ada:/bin/bash',
  'bob:x:1001:1001:Bob:/home/bob:/bin/bash',
  'carol:x:1002:100:Carol:/home/carol:/bin/bash',
  '# a comment',
  '',
].join('\n');
const group = [
  'root:x:0:',
  'users:x:100:',
  'ada:x:1000:',
  'bob:x:1001:bob',
  'shared:x:1003:ada,bob',
  'adaonly:x:1004:ada',
  'empty:x:1005:',
  'stranger:x:1006:bob',
].join('\n');
const files = {passwd, group};

describe('groupIsUserAlone (Debian ssh: a group-writable config is fine in a group of the user alone)', () => {
  it('a user private group: the user’s primary group, nobody else in it', () => {
    expect(groupIsUserAlone(files, 1000, 1000, 1000)).toBe(true);
    expect(groupIsUserAlone(files, 0, 0, 0)).toBe(true);
  });

  it('the user listed as the one member, or primary and listed', () => {
    expect(groupIsUserAlone(files, 1004, 1000, 1000)).toBe(true);
    expect(groupIsUserAlone(files, 1001, 1001, 1001)).toBe(true);
  });

  it('refuses a group with another member, primary or listed', () => {
    // carol's primary group is users.
    expect(groupIsUserAlone(files, 100, 1000, 1000)).toBe(false);
    expect(groupIsUserAlone(files, 1003, 1000, 1000)).toBe(false);
    expect(groupIsUserAlone(files, 1006, 1000, 1000)).toBe(false);
    // ada's group, read by bob: ada is a member who is not him.
    expect(groupIsUserAlone(files, 1000, 1001, 1001)).toBe(false);
  });

  it('refuses a group with no member, one that is not there, and an owner with no entry', () => {
    expect(groupIsUserAlone(files, 1005, 1000, 1000)).toBe(false);
    expect(groupIsUserAlone(files, 4242, 1000, 1000)).toBe(false);
    expect(groupIsUserAlone(files, 1004, 1000, 4242)).toBe(false);
  });
});
