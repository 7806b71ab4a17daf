import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import {type Favorite, validateFavorite} from '../../../source/config/favorites/favorite.js';
import {
  commandLineFor,
  favoriteFromArguments,
  favoriteFromCommandLine,
  splitWords,
} from '../../../source/config/favorites/favorite-args.js';
import {tunnelsOptionsFor} from '../../../source/config/favorites/favorite-text.js';
import {openFavorites} from '../../../source/config/favorites/favorites-file.js';
import {resolveInvocation} from '../../../source/config/session-options.js';

describe('a favorite from ssh-style options, as the UI editor and `favorites add` take them', () => {
  // The UI may be on screen: reading a favorite's options must never print (commander would write help
  // and errors to the terminal under Ink's frame).
  let written: string[];
  beforeEach(() => {
    written = [];
    const capture = (text: string | Uint8Array) => {
      written.push(String(text));
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  });
  afterEach(() => vi.restoreAllMocks());

  it.each([
    [['-Z', 'host'], "unknown option '-Z'"],
    [['host', '-p'], "option '-p <port>' argument missing"],
    [['-h'], '--help and --version are not options to keep'],
    [['--version'], '--help and --version are not options to keep'],
    [['-o', 'Reconnect=maybe', 'host'], 'Reconnect=maybe: expected yes or no'],
    [
      ['-o', 'ServerAliveInterval=soon', 'host'],
      'ServerAliveInterval=soon: expected a whole number of seconds',
    ],
    [['-L', '8080:db:5432'], 'a favorite needs a host'],
  ])('%j is refused, saying why, and prints nothing', (words, message) => {
    expect(() => favoriteFromArguments('x', words)).toThrow(message);
    expect(written).toEqual([]);
  });

  it('keeps the forwards in the order typed, through the file and the editor', () => {
    const words = [
      '-R',
      '9000:localhost:3000',
      '-D',
      '1080',
      '-L',
      '8080:db:5432',
      '-Lftp/2121:ftp:21',
      'db',
    ];
    const {favorite} = favoriteFromArguments('db', words);
    const typed = ['-R 9000:localhost:3000', '-D 1080', '-L 8080:db:5432', '-L ftp/2121:ftp:21'];
    expect(favorite.forwards).toEqual(typed);
    expect(tunnelsOptionsFor(favorite)).toBe(
      '-R 9000:localhost:3000 -D 1080 -L 8080:db:5432 -L ftp/2121:ftp:21 db',
    );
    expect(favoriteFromArguments('db', splitWords(tunnelsOptionsFor(favorite))).favorite.forwards).toEqual(
      typed,
    );
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnels-favorite-order-'));
    try {
      openFavorites({cwd: directory}).save(favorite);
      expect(openFavorites({cwd: directory}).get('db')?.forwards).toEqual(typed);
    } finally {
      fs.rmSync(directory, {recursive: true, force: true});
    }
  });

  it('keeps -J: in the favorite, its command line, its options text; a bad one is refused', () => {
    const {favorite, warnings} = favoriteFromArguments('db', ['-J', 'admin@bastion:2200,inner', 'db']);
    expect(warnings).toEqual([]);
    expect(favorite).toMatchObject({host: 'db', jumpHost: 'admin@bastion:2200,inner'});
    expect(validateFavorite(favorite)).toBeUndefined();
    expect(commandLineFor(favorite).jumpHost).toBe('admin@bastion:2200,inner');
    expect(tunnelsOptionsFor(favorite)).toBe('-J admin@bastion:2200,inner db');
    expect(favoriteFromCommandLine('db', commandLineFor(favorite), []).jumpHost).toBe(
      'admin@bastion:2200,inner',
    );
    expect(validateFavorite({...favorite, jumpHost: 'a b'})).toMatch(/^favorite\.jumpHost: .*whitespace/);
  });

  it('keeps Reconnect=no, and connecting the favorite asks for it', async () => {
    const {favorite, warnings} = favoriteFromArguments('nightly', [
      '-o',
      'Reconnect=no',
      '-o',
      'ServerAliveInterval=15',
      '-o',
      'Compression=yes',
      '-L',
      '8080:db:5432',
      'me@db1',
    ]);
    expect(warnings).toEqual(['-o Compression=yes is not kept in favorites']);
    expect(favorite.options).toEqual({reconnect: false, serverAliveInterval: 15});
    expect(validateFavorite(favorite)).toBeUndefined();
    const commandLine = commandLineFor(favorite);
    expect(commandLine.options).toEqual(['ServerAliveInterval=15', 'Reconnect=no']);
    const invocation = await resolveInvocation({...commandLine, configFile: '/dev/null'});
    expect(invocation.session.reconnect).toBe(false);
    expect(written).toEqual([]);
  });

  it('a session saved as a favorite keeps its Reconnect', () => {
    const favorite = favoriteFromCommandLine(
      'saved',
      {
        destination: 'db1',
        identityFiles: [],
        options: ['Reconnect=yes', 'BatchMode=yes'],
        localForwards: [],
        remoteForwards: [],
        dynamicForwards: [],
      },
      ['-L 8080:db:5432'],
    );
    expect(favorite.options).toEqual({reconnect: true});
    expect(commandLineFor(favorite).options).toEqual(['Reconnect=yes']);
  });

  // The UI's editor starts from tunnelsOptionsFor(): saving it unchanged must give the same favorite.
  it.each<Favorite>([
    {name: 'plain', host: 'db1', identityFiles: [], options: {}, forwards: ['-L 8080:db:5432']},
    {
      name: 'full',
      host: 'bastion',
      user: "o'neil",
      port: 2222,
      identityFiles: ['~/.ssh/id_ed25519', '/keys/with space'],
      options: {
        serverAliveInterval: 30,
        exitOnForwardFailure: false,
        forwardAgent: true,
        forwardX11: false,
        reconnect: false,
      },
      forwards: ['-L ftp/2121:ftp.internal:21', '-R 9000:localhost:3000', '-D [::1]:1080'],
    },
  ])('$name: edited without a change, it is the same favorite', (favorite) => {
    const edited = favoriteFromArguments(favorite.name, splitWords(tunnelsOptionsFor(favorite)));
    expect(edited).toEqual({favorite, warnings: []});
  });
});
