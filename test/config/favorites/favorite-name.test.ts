import {describe, expect, it} from 'vitest';
import {validateFavorite} from '../../../source/config/favorites/favorite.js';
import {favoriteNameProblem} from '../../../source/config/favorites/favorite-name.js';

describe('a favorite name, checked as it is typed', () => {
  it.each([
    ['', 'type a name: letters, digits, ".", "_" and "-"'],
    ['my db', 'a name may only hold letters, digits, ".", "_" and "-", not a space'],
    ['db/1:x', 'a name may only hold letters, digits, ".", "_" and "-", not "/", ":"'],
    ['-db', 'a name must not start with "-" (it would read as an option)'],
    ['a'.repeat(65), 'a name is at most 64 characters; this one has 65'],
    ['bell\u0007', 'a name may only hold letters, digits, ".", "_" and "-", not "\\u0007"'],
  ])('%j is refused in words, with no field path', (name, sentence) => {
    expect(favoriteNameProblem(name)).toBe(sentence);
    expect(favoriteNameProblem(name)).not.toMatch(/favorite\.name/);
  });

  it('agrees with the check every favorite passes', () => {
    for (const name of ['db', 'db-2.prod_x', 'a'.repeat(64), 'x y', '-x', '', 'é', '@x']) {
      const favorite = {name, host: 'h', identityFiles: [], options: {}, forwards: []};
      expect(favoriteNameProblem(name) === undefined).toBe(validateFavorite(favorite) === undefined);
    }
  });
});
