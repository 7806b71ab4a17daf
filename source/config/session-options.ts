/**
 * From a command line to a session: the resolved options (resolve-options.ts) made into what core's
 * session takes, with the jump hosts' own sessions resolved the same way, one hop at a time.
 */
import net from 'node:net';
import {parsePermitRemoteOpen} from '../core/forwards/permit-remote-open.js';
import {type ForwardSpec, tcpListenerOf, withBindAddress} from '../core/protocols/forward-spec.js';
import type {SessionConfig} from '../core/session/session.js';
import {homeDirectory} from '../text/home-path.js';
import {
  type CommandLineOptions,
  type CommandLineWord,
  ConfigError,
  destinationOnly,
  toConfigError,
} from './command-line.js';
import {sequenceOf} from './replay-command-line.js';
import {type ResolveSettings, resolveOptions} from './resolve-options.js';
import {assembleCiphers} from './ssh-config/ciphers.js';
import type {FilledOptions} from './ssh-config/defaults.js';
import type {JumpOption} from './ssh-config/options.js';
import {expandTilde, expandTokens, expandTokensAndVariables, type Tokens} from './ssh-config/tokens.js';

export interface ResolvedInvocation {
  session: SessionConfig;
  /** X11 forwarding for a remote command. */
  forwardX11: boolean;
  forwards: ForwardSpec[];
  exitOnForwardFailure: boolean;
  warnings: string[];
}

/** ProxyJump chains deeper than this are taken for a config that loops. */
const MAX_JUMP_DEPTH = 16;

/** The forwards to bring up: local and dynamic ones, then remote ones, with GatewayPorts applied. */
function forwardsOf(options: FilledOptions): ForwardSpec[] {
  let forwards = [...options.localForwards, ...options.remoteForwards];
  if (options.gatewayPorts) {
    // GatewayPorts: a local forward without a bind address listens on every interface, as in ssh.
    forwards = forwards.map((spec) =>
      tcpListenerOf(spec)?.bindAddress === undefined &&
      tcpListenerOf(spec) !== undefined &&
      options.localForwards.includes(spec)
        ? withBindAddress(spec, '')
        : spec,
    );
  }
  return forwards;
}

function agentSocketOf(options: FilledOptions, env: NodeJS.ProcessEnv): string | undefined {
  const agent = options.identityAgent;
  if (agent === undefined || agent === 'SSH_AUTH_SOCK') return env.SSH_AUTH_SOCK || undefined;
  if (agent.toLowerCase() === 'none') return undefined;
  if (agent.startsWith('$')) return env[agent.slice(1)] || undefined;
  return agent;
}

/**
 * Merges the command line, its -o options and ~/.ssh/config (or -F) the way ssh does: the first value
 * obtained wins, in command-line order, then the config files; forwards and identity files accumulate.
 */
export async function resolveInvocation(
  cli: CommandLineOptions,
  settings: ResolveSettings = {},
  depth = 0,
): Promise<ResolvedInvocation> {
  const {options, tokens, warnings, configFile} = await resolveOptions(cli, settings);
  const sequence = cli.sequence ?? sequenceOf(cli);
  // ssh: "Address family for hostname not supported" (checked when connecting; -G prints it as it is).
  if (
    (options.addressFamily === 'inet6' && net.isIPv4(options.hostname)) ||
    (options.addressFamily === 'inet' && net.isIPv6(options.hostname))
  )
    throw new ConfigError(
      `${options.hostname} is an IPv${options.addressFamily === 'inet6' ? 4 : 6} address, but AddressFamily (or ${options.addressFamily === 'inet6' ? '-6' : '-4'}) allows only IPv${options.addressFamily === 'inet6' ? 6 : 4}`,
    );
  const session = sessionConfigOf(options, tokens, settings.agentEnvironment ?? process.env);

  if (options.jump !== undefined) {
    const where = sequence.some((word) => word.flag === 'J') ? '-J' : 'ProxyJump';
    const hop = await resolveJumpHost(options.jump, where, configFile, settings, depth);
    session.jumpHost = {...hop.session, name: options.jump.host};
    for (const warning of hop.warnings) warnings.push(`jump host ${options.jump.host}: ${warning}`);
  } else if (options.proxyCommand !== undefined) {
    session.proxyCommand = toConfigError(() =>
      expandTokens(
        options.proxyCommand!,
        {h: tokens.h!, p: tokens.p!, r: tokens.r!, n: tokens.n!},
        'ProxyCommand',
      ),
    );
  }
  return {
    session,
    forwardX11: options.forwardX11,
    forwards: forwardsOf(options),
    exitOnForwardFailure: options.exitOnForwardFailure,
    warnings,
  };
}

/** What core's session takes, from the options (the jump host and ProxyCommand are set after). */
function sessionConfigOf(options: FilledOptions, tokens: Tokens, env: NodeJS.ProcessEnv): SessionConfig {
  const expand = (value: string, what: string) =>
    toConfigError(() => expandTokensAndVariables(expandTilde(value, homeDirectory(), what), tokens, what));
  const identityFiles = options.identityFiles
    .filter((entry) => entry.file.toLowerCase() !== 'none')
    .map((entry) => ({file: expand(entry.file, 'IdentityFile'), explicit: entry.userProvided}));
  const ciphers = assembleCiphers(options.ciphers);
  if (ciphers !== undefined && ciphers.length === 0)
    throw new ConfigError(`Ciphers ${options.ciphers}: no cipher is left`);

  const session: SessionConfig = {
    host: options.hostname,
    port: options.port,
    user: options.user,
    identityFiles,
    agentSocket: agentSocketOf(options, env),
    identitiesOnly: options.identitiesOnly,
    pubkeyAuthentication: options.pubkeyAuthentication !== 'false',
    knownHostsFiles: options.userKnownHostsFiles,
    globalKnownHostsFiles: options.globalKnownHostsFiles,
    strict: options.strictHostKeyChecking,
    batchMode: options.batchMode,
    hashKnownHosts: options.hashKnownHosts,
    hostKeyAlias: options.hostKeyAlias,
    passwordAuthentication: options.passwordAuthentication,
    kbdInteractiveAuthentication: options.kbdInteractiveAuthentication,
    numberOfPasswordPrompts: options.numberOfPasswordPrompts,
    connectTimeoutMs: options.connectTimeout * 1000,
    serverAliveIntervalMs: options.serverAliveInterval * 1000,
    serverAliveCountMax: options.serverAliveCountMax,
    forwardAgent: options.forwardAgent,
    ciphers,
    ...(options.addressFamily !== 'any' ? {addressFamily: options.addressFamily === 'inet' ? 4 : 6} : {}),
    ...(options.bindAddress !== undefined ? {bindAddress: options.bindAddress} : {}),
  };
  if (options.forwardAgentSocket !== undefined) session.forwardAgentSocket = options.forwardAgentSocket;
  if (options.hostArg !== options.hostname) session.name = options.hostArg;
  if (options.reconnect !== undefined) session.reconnect = options.reconnect;
  // Unix-socket forwards and remote dynamic forwarding (-R port); set only where not ssh's default.
  if (options.streamLocalBindMask !== 0o177) session.streamLocalBindMask = options.streamLocalBindMask;
  if (options.streamLocalBindUnlink) session.streamLocalBindUnlink = true;
  if (options.permitRemoteOpen.length > 0)
    session.permitRemoteOpen = toConfigError(() => parsePermitRemoteOpen(options.permitRemoteOpen.join(' ')));
  return session;
}

/** The last hop's own invocation, resolved as ssh resolves the command it runs for it. */
function resolveJumpHost(
  jump: JumpOption,
  where: string,
  configFile: string | undefined,
  settings: ResolveSettings,
  depth: number,
): Promise<ResolvedInvocation> {
  if (depth >= MAX_JUMP_DEPTH)
    throw new ConfigError(
      `${where}: more than ${MAX_JUMP_DEPTH} jump hosts in a row; does a jump host's Host block name itself (add ProxyJump none to it)?`,
    );
  // ssh runs "ssh [-l user] [-p port] [-J extra] [-F file] host -W ..." for the last hop.
  const hopWords: CommandLineWord[] = [];
  if (jump.user !== undefined) hopWords.push({flag: 'l', value: jump.user});
  if (jump.port !== undefined) hopWords.push({flag: 'p', value: String(jump.port)});
  if (jump.extra !== undefined) hopWords.push({flag: 'J', value: jump.extra});
  if (configFile !== undefined) hopWords.push({flag: 'F', value: configFile});
  hopWords.push({flag: 'destination', value: jump.host});
  return resolveInvocation(
    {...destinationOnly(jump.host, configFile), configForwards: false, sequence: hopWords},
    settings,
    depth + 1,
  );
}
