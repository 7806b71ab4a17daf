import {spawn} from 'node:child_process';
import {mkdtemp, readdir, readFile, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Debian's chromium (a shell script that execs the browser, so the PID is the browser's). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

export interface BrowserRun {
  /** What --dump-dom printed: the page's DOM after its load event. */
  dom: string;
  stderr: string;
  status: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Killed (SIGKILL) when `killWhen` came true, before it finished. */
  killed: boolean;
  /**
   * The machine's network changed during the run (an interface or address came or went: another test's
   * network namespace, say). Chromium then fails its requests in flight with ERR_NETWORK_CHANGED, so
   * the run says nothing of the proxy.
   */
  networkChanged: boolean;
  ms: number;
}

/** The PIDs of the processes whose command line mentions `text` (here: a browser's own profile dir). */
async function processesMentioning(text: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(text)) found.push(Number(entry));
  }
  return found;
}

/** Whether Chromium's net log (complete: the browser exited by itself) has a network change in it. */
async function sawNetworkChange(file: string): Promise<boolean> {
  try {
    const log = JSON.parse(await readFile(file, 'utf8')) as {
      constants: {logEventTypes: Record<string, number>};
      events: Array<{type: number}>;
    };
    const types = new Set(
      ['NETWORK_CHANGED', 'NETWORK_IP_ADDRESSES_CHANGED'].map((name) => log.constants.logEventTypes[name]),
    );
    return log.events.some((event) => types.has(event.type));
  } catch {
    return false;
  }
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Loads `url` in a fresh headless Chromium whose every request goes through `proxy` (loopback too),
 * and returns the DOM once the page has loaded. Chromium resolves no name itself (every local lookup
 * fails but for 127.0.0.1 and the page's own address, which should be an IP address), so with SOCKS 5
 * names go to the proxy and with SOCKS 4 only IP addresses are reached.
 * Everything the browser started is killed by PID before this returns: its process group, and any
 * process naming its profile directory (helpers that left the group).
 */
export async function loadInChromium(
  url: string,
  options: {proxy: string; timeoutMs?: number; killWhen?: Promise<unknown>},
): Promise<BrowserRun> {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'tunnels-chromium-'));
  const started = Date.now();
  const child = spawn(
    CHROMIUM_PATH,
    [
      '--headless',
      // Root cannot run the sandbox, and a container may not offer its namespaces to anyone else.
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
      `--proxy-server=${options.proxy}`,
      // Chromium sends loopback addresses around the proxy unless told not to.
      '--proxy-bypass-list=<-loopback>',
      // Its own lookups all fail, but for IP addresses (SOCKS 4 has Chromium look those up too).
      `--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE ${new URL(url).hostname}`,
      `--log-net-log=${path.join(profile, 'netlog.json')}`,
      '--dump-dom',
      url,
    ],
    {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {...process.env, HOME: profile, XDG_CONFIG_HOME: profile, XDG_CACHE_HOME: profile},
    },
  );
  let dom = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    dom += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    // Enough to explain a failure; dbus complaints fill the rest.
    if (stderr.length < 64 * 1024) stderr += chunk.toString();
  });
  let timedOut = false;
  let killed = false;
  let exited = false;
  const killNow = () => {
    if (exited) return;
    killed = true;
    kill(-child.pid!, 'SIGKILL');
  };
  options.killWhen?.then(killNow, killNow);
  const timer = setTimeout(() => {
    timedOut = true;
    kill(-child.pid!, 'SIGKILL');
  }, options.timeoutMs ?? 30_000);
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const [status, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('exit', (code, signalName) => resolve([code, signalName])),
  );
  exited = true;
  clearTimeout(timer);
  const ms = Date.now() - started;
  kill(-child.pid!, 'SIGKILL');
  // Its crash handlers run in sessions of their own (they outlive the browser a while); their command
  // lines name the profile. (--disable-crashpad-for-testing would spare them, but crashes the network
  // service.) They hold our end of stdout: it closes once they are gone.
  for (const pid of await processesMentioning(profile)) kill(pid, 'SIGKILL');
  const networkChanged = !killed && (await sawNetworkChange(path.join(profile, 'netlog.json')));
  let stuck: NodeJS.Timeout | undefined;
  await Promise.race([
    closed,
    new Promise((_, reject) => {
      stuck = setTimeout(
        () => reject(new Error(`something of Chromium's still holds its stdout (profile ${profile})`)),
        10_000,
      );
    }),
  ]).finally(() => clearTimeout(stuck));
  await rm(profile, {recursive: true, force: true, maxRetries: 3});
  return {dom, stderr, status, signal, timedOut, killed, networkChanged, ms};
}
