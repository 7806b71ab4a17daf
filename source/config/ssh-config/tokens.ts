/**
 * ssh_config(5)'s TOKENS and ENVIRONMENT VARIABLES: "%h"-style tokens, "${VAR}", and "~" / "~user" in file
 * names, expanded as ssh's misc.c does (an unknown token or an unset variable is an error). Pure but for
 * the password file read for "~user".
 */
import fs from 'node:fs';

/** Token letter → value. */
export type Tokens = Partial<Record<string, string>>;

/** A value that cannot be expanded; the message says which token or variable. */
export class TokenError extends Error {}

/**
 * misc.c's vdollar_percent_expand in one pass: "${VAR}" from the environment when `dollar` (an unset
 * variable, an empty name or a "${" without "}" is an error; an empty value is fine), and "%%" / "%x" from
 * `tokens` when given (any other "%x", or a lone "%" at the end, is an error). A "%" in a variable's value
 * is not a token.
 */
function expand(
  value: string,
  tokens: Tokens | undefined,
  dollar: boolean,
  what: string,
  env: NodeJS.ProcessEnv,
): string {
  let out = '';
  for (let index = 0; index < value.length; index++) {
    const char = value[index]!;
    if (dollar && char === '$' && value[index + 1] === '{') {
      const end = value.indexOf('}', index + 2);
      if (end === -1) throw new TokenError(`${what}: "${value}": \${ without a closing }`);
      const name = value.slice(index + 2, end);
      if (name === '') throw new TokenError(`${what}: "${value}": an empty \${}`);
      const found = env[name];
      if (found === undefined)
        throw new TokenError(`${what}: "${value}": the environment variable ${name} is not set`);
      out += found;
      index = end;
      continue;
    }
    if (tokens === undefined || char !== '%') {
      out += char;
      continue;
    }
    const key = value[++index];
    if (key === undefined) throw new TokenError(`${what}: "${value}" ends with a lone %`);
    if (key === '%') out += '%';
    else if (tokens[key] !== undefined) out += tokens[key];
    else
      throw new TokenError(
        `${what}: unknown token %${key} in "${value}" (it takes ${Object.keys(tokens)
          .map((token) => `%${token}`)
          .join(' ')} and %%)`,
      );
  }
  return out;
}

/** percent_expand: "%%" is "%", "%x" is a token in `tokens`; any other "%x" is an error. */
export function expandTokens(value: string, tokens: Tokens, what: string): string {
  return expand(value, tokens, false, what, process.env);
}

/** dollar_expand: "${VAR}" from the environment; an unset variable or a lone "${" is an error. */
export function expandVariables(value: string, what: string, env: NodeJS.ProcessEnv = process.env): string {
  return expand(value, undefined, true, what, env);
}

/** percent_dollar_expand: variables and tokens in one pass, as ssh does. */
export function expandTokensAndVariables(
  value: string,
  tokens: Tokens,
  what: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return expand(value, tokens, true, what, env);
}

function passwordHome(user: string): string | undefined {
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const fields = line.split(':');
      if (fields[0] === user) return fields[5];
    }
  } catch {
    // No password file: ~user is not known.
  }
  return undefined;
}

/**
 * tilde_expand_filename: "~" and "~/x" from `home`, "~user/x" from the password file. As in ssh, the
 * directory always ends with "/" ("~" is "/home/me/") and the slashes after it are not doubled.
 */
export function expandTilde(file: string, home: string, what: string): string {
  if (!file.startsWith('~')) return file;
  const slash = file.indexOf('/');
  const user = file.slice(1, slash === -1 ? undefined : slash);
  const rest = slash === -1 ? '' : file.slice(slash).replace(/^\/+/, '');
  let base = home;
  if (user !== '') {
    const found = passwordHome(user);
    if (found === undefined) throw new TokenError(`${what}: "${file}": no user named ${user}`);
    base = found;
  }
  return `${base.endsWith('/') ? base : `${base}/`}${rest}`;
}
