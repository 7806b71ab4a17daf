import {describe, expect, it} from 'vitest';
import {routeOf} from '../../../source/core/session/route.js';
import type {SessionConfig} from '../../../source/core/session/session-config.js';

const hop = (host: string, port: number, name?: string, jumpHost?: SessionConfig) =>
  ({host, port, ...(name !== undefined ? {name} : {}), ...(jumpHost ? {jumpHost} : {})}) as SessionConfig;

describe('routeOf: what the connection goes through, as messages and the UI name it', () => {
  it('names a config alias as it is, and a hop typed by its host with its port unless it is 22', () => {
    expect(routeOf({jumpHost: hop('10.0.0.1', 2222, 'bastion')})).toBe('bastion');
    expect(routeOf({jumpHost: hop('127.0.0.1', 2352, '127.0.0.1')})).toBe('127.0.0.1:2352');
    expect(routeOf({jumpHost: hop('::1', 2352, '::1')})).toBe('[::1]:2352');
    expect(routeOf({jumpHost: hop('jump.example', 22, 'jump.example')})).toBe('jump.example');
  });

  it('lists a chain nearest last, and a ProxyCommand first', () => {
    expect(routeOf({jumpHost: hop('b', 22, 'b', hop('a', 2200, 'a'))})).toBe('a:2200, b');
    expect(routeOf({proxyCommand: 'nc %h %p'})).toBe('ProxyCommand');
    expect(routeOf({})).toBeUndefined();
  });
});
