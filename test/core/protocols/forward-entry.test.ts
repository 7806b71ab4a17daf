import {describe, expect, it} from 'vitest';
import {parseForwardEntry} from '../../../source/core/protocols/forward-entry.js';

describe('add-forward entries', () => {
  it.each([
    ['L 8080:db:5432', {kind: 'local', port: 8080, host: 'db', hostPort: 5432}],
    ['-L 8080:db:5432', {kind: 'local', port: 8080}],
    ['l8080:db:5432', {kind: 'local', port: 8080}],
    ['R 9000:localhost:3000', {kind: 'remote', port: 9000, host: 'localhost', hostPort: 3000}],
    ['D 1080', {kind: 'dynamic', port: 1080}],
    ['D [::1]:1080', {kind: 'dynamic', bindAddress: '::1'}],
    ['ftp/2121:ftp:21', {kind: 'ftp', port: 2121, host: 'ftp', hostPort: 21}],
    ['L ftp/2121:ftp:21', {kind: 'ftp'}],
    ['L /tmp/x.sock:db:80', {kind: 'local-unix', listen: {path: '/tmp/x.sock'}}],
    ['R 9000:/run/app.sock', {kind: 'remote-unix', target: {path: '/run/app.sock'}}],
    ['R 1080', {kind: 'remote-dynamic', port: 1080}],
    ['-R localhost:1080', {kind: 'remote-dynamic', bindAddress: 'localhost'}],
  ])('%s', (text, expected) => {
    expect(parseForwardEntry(text)).toMatchObject(expected);
  });

  it.each([
    ['8080:db:5432', /start with L, R or D/],
    ['L 8o80:db:5432', /"8o80" is not a port number/],
    ['D', /start with L, R or D/],
    ['R ftp/1:h:2', /FTP forwarding is only/],
  ])('rejects %j', (text, message) => {
    expect(() => parseForwardEntry(text)).toThrow(message);
  });
});
