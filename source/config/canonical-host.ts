/** Host name canonicalisation, as ssh.c's resolve_canonicalize does it (CanonicalizeHostname). */
import {lookup} from 'node:dns/promises';
import {ConfigError} from './command-line.js';
import {canonicalAddressText} from './ssh-config/addresses.js';
import type {SshOptions} from './ssh-config/options.js';

/** resolve_canonicalize: tries each CanonicalDomains suffix through the resolver. */
export async function canonicalHost(options: SshOptions, host: string): Promise<string> {
  // An address is written in its standard form whatever CanonicalizeHostname says, as ssh does.
  const address = canonicalAddressText(host);
  if (address !== undefined) return address;
  const proxied =
    (options.proxyCommand !== undefined && options.proxyCommand !== 'none') || options.jump !== undefined;
  const mode = options.canonicalizeHostname ?? 'no';
  if (mode === 'no' || (proxied && mode !== 'always')) return host;
  if (host.endsWith('.')) {
    // Fully qualified: resolved as it is, the dot dropped once it resolves.
    try {
      await lookup(host);
      return host.slice(0, -1);
    } catch {
      return fallBack(options, host);
    }
  }
  const dots = host.split('.').length - 1;
  if (dots > (options.canonicalizeMaxDots ?? 1)) return host;
  for (const domain of options.canonicalDomains ?? []) {
    if (domain.toLowerCase() === 'none') break;
    const candidate = `${host}.${domain}`;
    try {
      await lookup(`${candidate}.`);
      return candidate.toLowerCase();
    } catch {
      // Not this domain.
    }
  }
  return fallBack(options, host);
}

function fallBack(options: SshOptions, host: string): string {
  if (options.canonicalizeFallbackLocal === false)
    throw new ConfigError(
      `could not resolve host "${host}" in any of CanonicalDomains (${(options.canonicalDomains ?? []).join(' ')}), and CanonicalizeFallbackLocal is no`,
    );
  return host;
}
