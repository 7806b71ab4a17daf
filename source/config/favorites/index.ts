/**
 * What the UI loads when favorites are first used, not before its first frame: the file and a favorite
 * as text, in one module so that they load as one chunk. Everything else imports the file it needs.
 */
export type {Favorite} from './favorite.js';
export {favoriteAddress, favoriteSummary, tunnelsOptionsFor} from './favorite-text.js';
export {FavoritesFile, openFavorites} from './favorites-file.js';
