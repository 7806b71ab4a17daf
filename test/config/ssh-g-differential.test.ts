import {execFile} from 'node:child_process';
import {existsSync} from 'node:fs';
import {readdir, readlink} from 'node:fs/promises';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {type PrivateRun, runInPrivateHome} from '../helpers/private-home.js';
import {TUNNELS_BIN} from '../helpers/tunnels-process.js';
import {SSH_G_CASES, type SshGCase} from './ssh-g-corpus.js';

/**
 * Issue #18: every case of the corpus through OpenSSH's `ssh -G` and `tunnels -G`, with the same files
 * in a private home and /etc/ssh. tunnels prints only the keys it understands; each of them must be what
 * ssh prints (multi-line keys as ordered lists), or be listed in the case as a deliberate difference.
 */

const run = promisify(execFile);

const CONCURRENCY = 4;
/** Generous: node starts in ~0.1 s, but the machine may be busy with other suites. */
const RUN_TIMEOUT_MS = 20_000;

type Dump = Map<string, string[]>;

interface CaseResult {
  ssh: PrivateRun;
  tunnels: PrivateRun;
}

interface Difference {
  key: string;
  ssh: string[] | undefined;
  tunnels: string[] | undefined;
}

/** `key value` lines, in order; a key printed on several lines (identityfile, localforward) is a list. */
function parseDump(stdout: string): Dump {
  const dump: Dump = new Map();
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    const space = line.indexOf(' ');
    const key = space < 0 ? line : line.slice(0, space);
    const value = space < 0 ? '' : line.slice(space + 1);
    const values = dump.get(key) ?? [];
    values.push(value);
    dump.set(key, values);
  }
  return dump;
}

const sameList = (a: string[] | undefined, b: string[]) =>
  a !== undefined && a.length === b.length && a.every((value, index) => value === b[index]);

/**
 * The keys tunnels prints in some case: it understands them, so where ssh prints one tunnels must print it
 * too (ssh prints some only when set: proxyjump, identityagent, localforward).
 */
const understood = new Set<string>();

/**
 * The keys tunnels prints that ssh prints otherwise (or not at all), and the understood keys ssh prints
 * that tunnels leaves out; deliberate ones left out.
 */
function differences(entry: SshGCase, result: CaseResult): Difference[] {
  const ssh = parseDump(result.ssh.stdout);
  const tunnels = parseDump(result.tunnels.stdout);
  const found: Difference[] = [];
  for (const [key, values] of tunnels) {
    if (entry.deliberate?.[key] !== undefined) continue;
    if (!sameList(ssh.get(key), values)) found.push({key, ssh: ssh.get(key), tunnels: values});
  }
  for (const [key, values] of ssh) {
    if (entry.deliberate?.[key] !== undefined || tunnels.has(key) || !understood.has(key)) continue;
    found.push({key, ssh: values, tunnels: undefined});
  }
  return found;
}

const show = (values: string[] | undefined) =>
  values === undefined ? '(not printed)' : values.length === 1 ? values[0]! : `[${values.join(' | ')}]`;

function describeRun(label: string, result: PrivateRun): string {
  const status = result.timedOut
    ? 'timed out'
    : result.code === null
      ? `killed by ${result.signal}`
      : `exit ${result.code}`;
  return `${label}: ${status}; stderr: ${result.stderr.trim() || '(empty)'}`;
}

function report(entry: SshGCase, result: CaseResult, found: Difference[]): string {
  return [
    `case "${entry.name}": tunnels -G ${entry.argv.join(' ')}`,
    ...found.map(
      (difference) => `  ${difference.key}: ssh=${show(difference.ssh)}, tunnels=${show(difference.tunnels)}`,
    ),
    `  ${describeRun('ssh', result.ssh)}`,
    `  ${describeRun('tunnels', result.tunnels)}`,
  ].join('\n');
}

const runBoth = async (entry: SshGCase): Promise<CaseResult> => {
  const options = {env: entry.env, timeoutMs: RUN_TIMEOUT_MS};
  // One after the other: CONCURRENCY cases at a time is then CONCURRENCY programs at a time.
  const ssh = await runInPrivateHome(entry.files, 'ssh', ['-G', ...entry.argv], options);
  const tunnels = await runInPrivateHome(
    entry.files,
    process.execPath,
    [TUNNELS_BIN, '-G', ...entry.argv],
    options,
  );
  return {ssh, tunnels};
};

/** Runs `work` over `items`, `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  };
  await Promise.all(Array.from({length: Math.min(limit, items.length)}, worker));
}

const results = new Map<string, CaseResult>();
const tally = {cases: 0, casesAgreeing: 0, lines: 0, linesAgreeing: 0, deliberate: 0, deliberateLines: 0};
/** Every difference seen, for the summary by cause at the end: what to fix first is what most cases share. */
const seen: {name: string; key: string; ssh: string; tunnels: string}[] = [];

/** The cases that share a difference; past 40 (a default that differs) the first few stand for them. */
const caseList = (names: string[]) =>
  names.length > 40
    ? `${names.length} cases, among them ${names
        .slice(0, 5)
        .map((name) => `"${name}"`)
        .join(', ')}`
    : names.map((name) => `"${name}"`).join(', ');

/** The differences grouped by key, then by the pair of values, each with the cases that show it. */
function summary(): string {
  const byKey = new Map<string, Map<string, string[]>>();
  for (const entry of seen) {
    const pairs = byKey.get(entry.key) ?? new Map<string, string[]>();
    const pair = `ssh=${entry.ssh}, tunnels=${entry.tunnels}`;
    pairs.set(pair, [...(pairs.get(pair) ?? []), entry.name]);
    byKey.set(entry.key, pairs);
  }
  const count = (pairs: Map<string, string[]>) =>
    [...pairs.values()].reduce((sum, names) => sum + names.length, 0);
  return [...byKey]
    .sort(([, a], [, b]) => count(b) - count(a))
    .map(([key, pairs]) =>
      [
        `${key} (${count(pairs)} cases)`,
        ...[...pairs]
          .sort(([, a], [, b]) => b.length - a.length)
          .map(([pair, names]) => `  ${pair}\n    ${caseList(names)}`),
      ].join('\n'),
    )
    .join('\n');
}

beforeAll(async () => {
  if (!existsSync(TUNNELS_BIN)) throw new Error(`${TUNNELS_BIN} is missing: run "npm run build" first`);
  await eachLimited(SSH_G_CASES, CONCURRENCY, async (entry) => {
    results.set(entry.name, await runBoth(entry));
  });
  for (const result of results.values()) {
    if (result.tunnels.code === 0)
      for (const key of parseDump(result.tunnels.stdout).keys()) understood.add(key);
  }
}, 180_000);

afterAll(() => {
  if (tally.cases === 0) return;
  const percent = (part: number, whole: number) =>
    whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`;
  if (seen.length > 0) console.log(`ssh -G differences by cause:\n${summary()}`);
  console.log(
    `ssh -G agreement: ${tally.casesAgreeing}/${tally.cases} cases agree on every line and the exit status ` +
      `(${percent(tally.casesAgreeing, tally.cases)}); ${tally.linesAgreeing}/${tally.lines} lines agree ` +
      `(${percent(tally.linesAgreeing, tally.lines)}); not counted: ${tally.deliberate} cases whose exit status ` +
      `and ${tally.deliberateLines} lines whose value differ on purpose`,
  );
});

describe('the corpus', () => {
  it('has at least 170 cases, each named once', () => {
    expect(SSH_G_CASES.length).toBeGreaterThanOrEqual(170);
    expect(new Set(SSH_G_CASES.map((entry) => entry.name)).size).toBe(SSH_G_CASES.length);
  });

  it.each(SSH_G_CASES.map((entry) => [entry.name, entry] as const))(
    'ssh agrees with the case: %s',
    (_name, entry) => {
      const {ssh} = results.get(entry.name)!;
      expect(ssh.timedOut, describeRun('ssh', ssh)).toBe(false);
      if (entry.sshFails)
        expect(ssh.code, `ssh was expected to fail: ${ssh.stdout.slice(0, 200)}`).not.toBe(0);
      else expect(ssh.code, describeRun('ssh', ssh)).toBe(0);
    },
  );
});

describe('tunnels -G against ssh -G', () => {
  it.each(SSH_G_CASES.map((entry) => [entry.name, entry] as const))('%s', (_name, entry) => {
    const result = results.get(entry.name)!;
    const sshOk = result.ssh.code === 0;
    const tunnelsOk = result.tunnels.code === 0;
    tally.cases++;
    if (entry.deliberateExit !== undefined) {
      // On purpose (the README's table): the two must still differ, or the entry is stale.
      expect(entry.deliberateExit.trim(), 'a deliberate difference needs its reason').not.toBe('');
      expect(
        tunnelsOk,
        `listed as a deliberate exit difference, but both exit alike\n${report(entry, result, [])}`,
      ).not.toBe(sshOk);
      tally.deliberate++;
      return;
    }
    if (!sshOk || !tunnelsOk) {
      if (sshOk === tunnelsOk) tally.casesAgreeing++;
      else
        seen.push({
          name: entry.name,
          key: '(exit status)',
          ssh: `${result.ssh.code}`,
          tunnels: `${result.tunnels.code}`,
        });
      expect(tunnelsOk, `exit statuses differ\n${report(entry, result, [])}`).toBe(sshOk);
      return;
    }
    const found = differences(entry, result);
    const differing = new Set(found.map((difference) => difference.key));
    for (const [key, values] of parseDump(result.tunnels.stdout)) {
      if (entry.deliberate?.[key] !== undefined) {
        tally.deliberateLines += values.length;
        continue;
      }
      tally.lines += values.length;
      if (!differing.has(key)) tally.linesAgreeing += values.length;
    }
    // The lines of understood keys that tunnels leaves out count as lines that do not agree.
    for (const difference of found)
      if (difference.tunnels === undefined) tally.lines += difference.ssh!.length;
    if (found.length === 0) tally.casesAgreeing++;
    for (const difference of found) {
      seen.push({
        name: entry.name,
        key: difference.key,
        ssh: show(difference.ssh),
        tunnels: show(difference.tunnels),
      });
    }
    expect(found, report(entry, result, found)).toEqual([]);
  });

  const deliberateCases = SSH_G_CASES.filter((entry) => entry.deliberate !== undefined && !entry.sshFails);
  it.each(deliberateCases.map((entry) => [entry.name, entry] as const))(
    'each deliberate difference has a reason and still differs: %s',
    (_name, entry) => {
      const result = results.get(entry.name)!;
      // A case where either program fails is one of exit statuses, reported above.
      if (result.ssh.code !== 0 || result.tunnels.code !== 0) return;
      const ssh = parseDump(result.ssh.stdout);
      const tunnels = parseDump(result.tunnels.stdout);
      for (const [key, reason] of Object.entries(entry.deliberate!)) {
        expect(reason.trim(), `${key}: a deliberate difference needs its reason`).not.toBe('');
        const values = tunnels.get(key);
        expect(values, `${key}: listed as deliberate but tunnels does not print it`).toBeDefined();
        expect(
          sameList(ssh.get(key), values!),
          `${key}: listed as deliberate but tunnels prints what ssh prints (${show(values)}): a stale entry`,
        ).toBe(false);
      }
    },
  );
});

describe('the private home', () => {
  it('mounts the case files over /root and /etc/ssh, and leaves no mount or namespace behind', async () => {
    const outside = (await readlink('/proc/self/ns/mnt')).trim();
    const result = await runInPrivateHome(
      {'~/.ssh/config': 'Host probe\n', '/etc/ssh/ssh_config': 'Host system-probe\n'},
      'sh',
      ['-c', 'readlink /proc/self/ns/mnt; cat /root/.ssh/config /etc/ssh/ssh_config; echo "HOME=$HOME"; pwd'],
    );
    expect(result.code, result.stderr).toBe(0);
    const [inside, ...rest] = result.stdout.trim().split('\n');
    expect(inside).not.toBe(outside);
    expect(rest).toEqual(['Host probe', 'Host system-probe', 'HOME=/root', '/root']);

    // The namespace had no process but the command: none holds it now.
    const holders: string[] = [];
    for (const pid of await readdir('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      const namespace = await readlink(`/proc/${pid}/ns/mnt`).catch(() => '');
      if (namespace === inside) holders.push(pid);
    }
    expect(holders).toEqual([]);

    // Nothing was mounted on this machine's /root or /etc/ssh.
    for (const target of ['/root', '/etc/ssh']) {
      const mounted = await run('findmnt', ['-n', '--mountpoint', target]).then(
        ({stdout}) => stdout.trim(),
        () => '',
      );
      expect(mounted, `${target} is still mounted`).toBe('');
    }
  });

  it('kills a command that outlives its timeout', async () => {
    const started = Date.now();
    const result = await runInPrivateHome({}, 'sleep', ['30'], {timeoutMs: 500});
    expect(result.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
