/**
 * `tunnels -G`: the resolved options in `ssh -G`'s format (readconf.c's dump_client_config): the same names,
 * value formats and order, for each option tunnels acts on.
 */
import {type ForwardSpec, isUnixForward, tcpListenerOf} from '../core/protocols/forward-spec.js';
import {assembleCiphers, TUNNELS_DEFAULT_CIPHERS} from './ssh-config/ciphers.js';
import type {FilledOptions} from './ssh-config/defaults.js';

const yesNo = (value: boolean) => (value ? 'yes' : 'no');
/** The multistate tables print the first name of a value: "true"/"false" where "true" comes first. */
const trueFalse = (value: boolean) => (value ? 'true' : 'false');

function listener(spec: ForwardSpec): string {
  const tcp = tcpListenerOf(spec);
  if (!tcp) return isUnixForward(spec) ? (spec.listen.path ?? '') : '';
  const prefix = spec.kind === 'ftp' ? 'ftp/' : '';
  if (tcp.bindAddress === undefined) return `${prefix}${tcp.port}`;
  return `${prefix}[${tcp.bindAddress === '' ? '*' : tcp.bindAddress}]:${tcp.port}`;
}

function target(spec: ForwardSpec): string {
  if (isUnixForward(spec)) return spec.target.path ?? `[${spec.target.host}]:${spec.target.port}`;
  if (spec.kind === 'dynamic' || spec.kind === 'remote-dynamic') return '';
  return `[${spec.host}]:${spec.hostPort}`;
}

/** dump_cfg_forwards: -D forwards are LocalForwards to "socks", printed first. */
function forwardLines(options: FilledOptions): string[] {
  const lines: string[] = [];
  // ssh lists a forward to a socket path here too: its connect_host is NULL, not "socks" (a quirk kept).
  for (const spec of options.localForwards)
    if (spec.kind === 'dynamic' || (isUnixForward(spec) && spec.target.path !== undefined))
      lines.push(`dynamicforward ${listener(spec)}`);
  for (const spec of options.localForwards)
    if (spec.kind !== 'dynamic') lines.push(`localforward ${listener(spec)} ${target(spec)}`);
  for (const spec of options.remoteForwards) {
    const to = spec.kind === 'dynamic' || spec.kind === 'remote-dynamic' ? '[socks]:0' : target(spec);
    lines.push(`remoteforward ${listener(spec)} ${to}`);
  }
  return lines;
}

function jumpLine(options: FilledOptions): string | undefined {
  const jump = options.jump;
  if (jump === undefined)
    return options.proxyCommand !== undefined ? `proxycommand ${options.proxyCommand}` : undefined;
  const numeric = jump.host.includes(':') || /^[0-9.]+$/.test(jump.host);
  return `proxyjump ${jump.extra !== undefined ? `${jump.extra},` : ''}${jump.user !== undefined ? `${jump.user}@` : ''}${
    numeric ? `[${jump.host}]` : jump.host
  }${jump.port !== undefined && jump.port > 0 ? `:${jump.port}` : ''}`;
}

export function dumpOptions(options: FilledOptions): string {
  const lines: Array<string | undefined> = [
    `host ${options.hostArg}`,
    `user ${options.user}`,
    `hostname ${options.hostname}`,
    `port ${options.port}`,
    `addressfamily ${options.addressFamily}`,
    `batchmode ${yesNo(options.batchMode)}`,
    `canonicalizefallbacklocal ${yesNo(options.canonicalizeFallbackLocal)}`,
    `canonicalizehostname ${options.canonicalizeHostname === 'always' ? 'always' : trueFalse(options.canonicalizeHostname === 'yes')}`,
    `clearallforwardings ${yesNo(options.clearAllForwardings)}`,
    `exitonforwardfailure ${yesNo(options.exitOnForwardFailure)}`,
    `forwardx11 ${yesNo(options.forwardX11)}`,
    `gatewayports ${yesNo(options.gatewayPorts)}`,
    `hashknownhosts ${yesNo(options.hashKnownHosts)}`,
    `identitiesonly ${yesNo(options.identitiesOnly)}`,
    `kbdinteractiveauthentication ${yesNo(options.kbdInteractiveAuthentication)}`,
    `passwordauthentication ${yesNo(options.passwordAuthentication)}`,
    `pubkeyauthentication ${options.pubkeyAuthentication}`,
    `sessiontype ${options.sessionType}`,
    `streamlocalbindunlink ${yesNo(options.streamLocalBindUnlink)}`,
    `stricthostkeychecking ${
      options.strictHostKeyChecking === 'yes'
        ? 'true'
        : options.strictHostKeyChecking === 'no'
          ? 'false'
          : options.strictHostKeyChecking
    }`,
    `canonicalizemaxdots ${options.canonicalizeMaxDots}`,
    `numberofpasswordprompts ${options.numberOfPasswordPrompts}`,
    `serveralivecountmax ${options.serverAliveCountMax}`,
    `serveraliveinterval ${options.serverAliveInterval}`,
    options.bindAddress !== undefined ? `bindaddress ${options.bindAddress}` : undefined,
    `ciphers ${(assembleCiphers(options.ciphers) ?? TUNNELS_DEFAULT_CIPHERS).join(',')}`,
    options.hostKeyAlias !== undefined ? `hostkeyalias ${options.hostKeyAlias}` : undefined,
    options.identityAgent !== undefined ? `identityagent ${options.identityAgent}` : undefined,
    options.ignoreUnknown !== undefined ? `ignoreunknown ${options.ignoreUnknown}` : undefined,
    ...forwardLines(options),
    ...options.identityFiles.map((entry) => `identityfile ${entry.file}`),
    `canonicaldomains ${options.canonicalDomains.length > 0 ? options.canonicalDomains.join(' ') : 'none'}`,
    `globalknownhostsfile ${options.globalKnownHostsFiles.length > 0 ? options.globalKnownHostsFiles.join(' ') : 'none'}`,
    `userknownhostsfile ${options.userKnownHostsFiles.length > 0 ? options.userKnownHostsFiles.join(' ') : 'none'}`,
    `permitremoteopen ${options.permitRemoteOpen.length > 0 ? options.permitRemoteOpen.join(' ') : 'any'}`,
    `forwardagent ${options.forwardAgentSocket ?? yesNo(options.forwardAgent)}`,
    `connecttimeout ${options.connectTimeout === -1 ? 'none' : options.connectTimeout}`,
    `streamlocalbindmask 0${options.streamLocalBindMask.toString(8)}`,
    jumpLine(options),
  ];
  return `${lines.filter((line) => line !== undefined).join('\n')}\n`;
}
