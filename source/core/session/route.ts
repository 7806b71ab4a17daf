import {hostPort} from '../../text/address.js';
import type {SessionConfig} from './session-config.js';

/** What the connection goes through: its jump hosts (nearest last), "ProxyCommand", or undefined. */
export function routeOf(config: Pick<SessionConfig, 'jumpHost' | 'proxyCommand'>): string | undefined {
  const hops: string[] = [];
  let proxied = false;
  for (let hop = config.jumpHost; hop; hop = hop.jumpHost) {
    // A hop named by its host (not a config alias) is told by its port too: two sshds of one host are two hops.
    const name = hop.name ?? hop.host;
    hops.unshift(name === hop.host && hop.port !== 22 ? hostPort(hop.host, hop.port) : name);
    if (hop.proxyCommand) proxied = true;
  }
  if (config.proxyCommand) proxied = true;
  const parts = [...(proxied ? ['ProxyCommand'] : []), ...hops];
  return parts.length > 0 ? parts.join(', ') : undefined;
}
