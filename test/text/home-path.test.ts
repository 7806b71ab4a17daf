import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {expandHome} from '../../source/text/home-path.js';

describe('expandHome', () => {
  it('expands "~" and "~/..." only', () => {
    expect(expandHome('~', '/home/a')).toBe('/home/a');
    expect(expandHome('~/.ssh/config', '/home/a')).toBe(path.join('/home/a', '.ssh/config'));
    expect(expandHome('~bob/x', '/home/a')).toBe('~bob/x');
    expect(expandHome('/etc/ssh/ssh_config', '/home/a')).toBe('/etc/ssh/ssh_config');
  });
});
