/**
 * A favorite's name, checked as it is typed: the rule validateFavorite (favorite.ts) holds every favorite
 * to, told in words a person reads in a dialog. Kept apart so the UI can check names without loading the
 * rest of the favorites code.
 */

export const FAVORITE_NAME_MAX = 64;
const NAME_CHARACTERS = /^[A-Za-z0-9._-]*$/;

/** Why a name cannot name a favorite, as a sentence; undefined when it can. */
export function favoriteNameProblem(name: string): string | undefined {
  if (name === '') return 'type a name: letters, digits, ".", "_" and "-"';
  if (name.length > FAVORITE_NAME_MAX) {
    return `a name is at most ${FAVORITE_NAME_MAX} characters; this one has ${name.length}`;
  }
  if (!NAME_CHARACTERS.test(name)) {
    const bad = [...new Set([...name].filter((char) => !NAME_CHARACTERS.test(char)))];
    const shown = bad.map((char) => (char === ' ' ? 'a space' : JSON.stringify(char))).join(', ');
    return `a name may only hold letters, digits, ".", "_" and "-", not ${shown}`;
  }
  if (name.startsWith('-')) return 'a name must not start with "-" (it would read as an option)';
  return undefined;
}
