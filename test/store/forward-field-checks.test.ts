import {describe, expect, it} from 'vitest';
import {parseForwardEntry} from '../../source/core/protocols/forward-entry.js';
import {addDialogProblem, forwardFieldProblem} from '../../source/store/forward-field-checks.js';
import {forwardRow, sessionRow} from '../helpers/rows.js';

describe('the add dialog checks what this machine and the forwards here allow', () => {
  const check = (text: string, sessions = [sessionRow(1)], isRoot = false) =>
    forwardFieldProblem(parseForwardEntry(text), {sessions, isRoot});

  it('a local port below 1024 needs root, as ssh says; root may; a remote one is the server’s business', () => {
    expect(check('L 80:web:80')).toBe(
      'port 80 is privileged (below 1024): only root can listen on it, as ssh says; pick a port of 1024 or above',
    );
    expect(check('D 1023')).toMatch(/^port 1023 is privileged/);
    expect(check('ftp/21:ftp:21')).toMatch(/^port 21 is privileged/);
    expect(check('L 80:web:80', [sessionRow(1)], true)).toBeUndefined();
    expect(check('R 80:localhost:3000')).toBeUndefined();
    expect(check('L 1024:web:80')).toBeUndefined();
    expect(check('L 0:web:80')).toBeUndefined();
  });

  it('a local port another forward of any session holds is refused by name; failed ones hold nothing', () => {
    const sessions = [
      sessionRow(1, [forwardRow(8080)], {name: 'db'}),
      sessionRow(
        2,
        [
          forwardRow(0, {id: 'D2', kind: 'dynamic', label: '-D 0', display: '41234'}),
          forwardRow(9090, {state: 'failed', failure: 'port 9090 is in use'}),
          forwardRow(7070, {
            id: 'R3',
            kind: 'remote',
            label: '-R 7070:localhost:80',
            display: '7070:localhost:80',
          }),
        ],
        {name: 'web'},
      ),
    ];
    expect(check('L 8080:other:1', sessions)).toBe(
      "port 8080 is already used here by db's L 8080:db:5432; pick another port",
    );
    // A forward that asked for port 0 holds the one it bound (its display).
    expect(check('D 41234', sessions)).toBe(
      "port 41234 is already used here by web's D 41234; pick another port",
    );
    expect(check('L 9090:db:1', sessions)).toBeUndefined();
    // A -R listens on the server: its port is free here.
    expect(check('L 7070:db:1', sessions)).toBeUndefined();
  });

  it('two listeners on one port clash only when their addresses meet: the default is loopback, * is every address', () => {
    const sessions = [
      sessionRow(1, [
        forwardRow(8080, {label: '-L 127.0.0.2:8080:db:5432', display: '127.0.0.2:8080:db:5432'}),
        forwardRow(9090),
      ]),
    ];
    expect(check('L 127.0.0.3:8080:db:1', sessions)).toBeUndefined();
    expect(check('L 127.0.0.2:8080:db:1', sessions)).toMatch(/^port 8080 is already used here/);
    expect(check('L *:8080:db:1', sessions)).toMatch(/^port 8080 is already used here/);
    expect(check('L 127.0.0.1:9090:db:1', sessions)).toMatch(/^port 9090 is already used here/);
    expect(check('L [::1]:9090:db:1', sessions)).toMatch(/^port 9090 is already used here/);
    expect(check('L 10.1.2.3:9090:db:1', sessions)).toBeUndefined();
  });

  it('an edit does not clash with the forward it replaces; text that does not parse is left to the parser', () => {
    const sessions = [sessionRow(1, [forwardRow(8080)])];
    expect(addDialogProblem({sessionId: 1}, 'L 8080:db:1', sessions)).toMatch(/already used here/);
    expect(
      addDialogProblem({sessionId: 1, replacing: {forwardId: 'L8080'}}, 'L 8080:db:1', sessions),
    ).toBeUndefined();
    expect(addDialogProblem({sessionId: 1}, 'L 8o80', sessions)).toBeUndefined();
  });
});
