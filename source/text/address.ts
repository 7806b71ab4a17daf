/** Addresses as ssh and people write them: an IPv6 literal in square brackets where a port may follow. */

/** `host` as it stands before ":port": in square brackets when it holds a colon (an IPv6 literal). */
export function bracketed(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** "db:5432", "[::1]:80". */
export function hostPort(host: string, port: number | string): string {
  return `${bracketed(host)}:${port}`;
}

/** "alice@db:22", "alice@[::1]:22". */
export function userAtHostPort(user: string, host: string, port: number | string): string {
  return `${user}@${hostPort(host, port)}`;
}

/** An address as written before ":port", back to itself: "[::1]" is "::1"; anything else stays. */
export function unbracketed(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
