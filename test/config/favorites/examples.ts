import type {Favorite} from '../../../source/config/favorites/favorite.js';

/** Favorites the tests of config/favorites share: every field set, the fewest, and one with a -D. */
export const full: Favorite = {
  name: 'prod-db',
  host: 'db1.example.com',
  user: 'deploy',
  port: 2222,
  identityFiles: ['~/.ssh/id_ed25519', '/keys/with space/id_rsa'],
  options: {serverAliveInterval: 30, exitOnForwardFailure: true, forwardAgent: true, forwardX11: true},
  forwards: [
    '-L 8080:db:5432',
    '-L *:8081:db:5433',
    '-L [::1]:8082:[2001:db8::5]:80',
    '-R 9000:localhost:3000',
    '-D 1080',
    '-L ftp/2121:ftp:21',
  ],
};

export const minimal: Favorite = {name: 'a', host: 'jump', identityFiles: [], options: {}, forwards: []};

export function favorite(name: string, extra: Partial<Favorite> = {}): Favorite {
  return {name, host: `${name}.example`, identityFiles: [], options: {}, forwards: ['-D 1080'], ...extra};
}
