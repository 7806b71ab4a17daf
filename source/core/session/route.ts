import type {SessionConfig} from './session-config.js';

/** What the connection goes through: its jump hosts (nearest last), "ProxyCommand", or undefined. */
export function routeOf(config: Pick<SessionConfig, 'jumpHost' | 'proxyCommand'>): string | undefined {
  const hops: string[] = [];
  let proxied = false;
  for (let hop = config.jumpHost; hop; hop = hop.jumpHost) {
    hops.unshift(hop.name ?? hop.host);
    if (hop.proxyCommand) proxied = true;
  }
  if (config.proxyCommand) proxied = true;
  const parts = [...(proxied ? ['ProxyCommand'] : []), ...hops];
  return parts.length > 0 ? parts.join(', ') : undefined;
}
