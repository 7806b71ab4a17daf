/**
 * readconf.c's fill_default_options: what an option is when neither the command line nor a config gave it.
 * A port of OpenSSH 9.2's readconf.c: its names are kept where they help compare.
 */
import {type IdentityFileEntry, OptionError, type SshOptions} from './options.js';
import {saysYes} from './passed-keywords.js';
import {parseCount} from './values.js';

/** SshOptions after defaults: what tunnels will use. */
export type FilledOptions = SshOptions &
  Required<
    Pick<
      SshOptions,
      | 'user'
      | 'hostname'
      | 'port'
      | 'addressFamily'
      | 'batchMode'
      | 'canonicalDomains'
      | 'canonicalizeFallbackLocal'
      | 'canonicalizeHostname'
      | 'canonicalizeMaxDots'
      | 'clearAllForwardings'
      | 'connectTimeout'
      | 'exitOnForwardFailure'
      | 'forwardAgent'
      | 'forwardX11'
      | 'gatewayPorts'
      | 'globalKnownHostsFiles'
      | 'hashKnownHosts'
      | 'identitiesOnly'
      | 'kbdInteractiveAuthentication'
      | 'numberOfPasswordPrompts'
      | 'passwordAuthentication'
      | 'permitRemoteOpen'
      | 'pubkeyAuthentication'
      | 'serverAliveCountMax'
      | 'serverAliveInterval'
      | 'sessionType'
      | 'streamLocalBindMask'
      | 'streamLocalBindUnlink'
      | 'strictHostKeyChecking'
      | 'userKnownHostsFiles'
    >
  >;

const DEFAULT_IDENTITY_FILES = [
  'id_rsa',
  'id_ecdsa',
  'id_ecdsa_sk',
  'id_ed25519',
  'id_ed25519_sk',
  'id_xmss',
  'id_dsa',
];

/** tunnels' defaults where they differ from ssh's (the README lists them). */
const TUNNELS_SERVER_ALIVE_INTERVAL = 15;
const TUNNELS_CONNECT_TIMEOUT = 30;

/** readconf.c's fill_default_options, with tunnels' own defaults where it differs on purpose. */
export function fillDefaults(options: SshOptions, host: string, me: {name: string}): FilledOptions {
  // ssh.c's checks once the config is read, of values tunnels otherwise passes over.
  const attempts = options.passedOver?.connectionattempts?.[0];
  if (attempts !== undefined && parseCount(attempts) === 0)
    throw new OptionError(`ConnectionAttempts ${attempts}: expected 1 or more`);
  if (options.proxyCommand === '-' && saysYes(options.passedOver?.proxyusefdpass?.[0]))
    throw new OptionError(
      'ProxyCommand - and ProxyUseFdpass yes: ssh cannot pass a connection it does not make',
    );
  if (options.clearAllForwardings === true) {
    options.localForwards = [];
    options.remoteForwards = [];
  }
  if (options.identityFiles.length === 0) {
    options.identityFiles = DEFAULT_IDENTITY_FILES.map(
      (name): IdentityFileEntry => ({file: `~/.ssh/${name}`, userProvided: false, source: 'default'}),
    );
  }
  if (options.proxyCommand?.toLowerCase() === 'none') options.proxyCommand = undefined;
  if (options.jump?.host === 'none' && options.jump.port === undefined && options.jump.user === undefined)
    options.jump = undefined;
  return {
    ...options,
    user: options.user ?? me.name,
    hostname: host,
    port: options.port ?? 22,
    addressFamily: options.addressFamily ?? 'any',
    batchMode: options.batchMode ?? false,
    canonicalDomains:
      options.canonicalDomains?.[0]?.toLowerCase() === 'none' ? [] : (options.canonicalDomains ?? []),
    canonicalizeFallbackLocal: options.canonicalizeFallbackLocal ?? true,
    canonicalizeHostname: options.canonicalizeHostname ?? 'no',
    canonicalizeMaxDots: options.canonicalizeMaxDots ?? 1,
    clearAllForwardings: options.clearAllForwardings ?? false,
    connectTimeout:
      options.connectTimeout === undefined || options.connectTimeout <= 0
        ? TUNNELS_CONNECT_TIMEOUT
        : options.connectTimeout,
    exitOnForwardFailure: options.exitOnForwardFailure ?? false,
    forwardAgent: options.forwardAgent ?? false,
    forwardX11: options.forwardX11 ?? false,
    gatewayPorts: options.gatewayPorts ?? false,
    globalKnownHostsFiles: options.globalKnownHostsFiles ?? [
      '/etc/ssh/ssh_known_hosts',
      '/etc/ssh/ssh_known_hosts2',
    ],
    hashKnownHosts: options.hashKnownHosts ?? false,
    identitiesOnly: options.identitiesOnly ?? false,
    kbdInteractiveAuthentication: options.kbdInteractiveAuthentication ?? true,
    numberOfPasswordPrompts: options.numberOfPasswordPrompts ?? 3,
    passwordAuthentication: options.passwordAuthentication ?? true,
    permitRemoteOpen:
      options.permitRemoteOpen?.[0]?.toLowerCase() === 'any' ? [] : (options.permitRemoteOpen ?? []),
    pubkeyAuthentication: options.pubkeyAuthentication ?? 'true',
    serverAliveCountMax: options.serverAliveCountMax ?? 3,
    serverAliveInterval: options.serverAliveInterval ?? TUNNELS_SERVER_ALIVE_INTERVAL,
    sessionType: options.sessionType ?? 'default',
    streamLocalBindMask: options.streamLocalBindMask ?? 0o177,
    streamLocalBindUnlink: options.streamLocalBindUnlink ?? false,
    strictHostKeyChecking: options.strictHostKeyChecking ?? 'ask',
    userKnownHostsFiles: options.userKnownHostsFiles ?? ['~/.ssh/known_hosts', '~/.ssh/known_hosts2'],
  };
}
