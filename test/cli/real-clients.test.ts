// The clients people point at each forward kind, driving the built binary through a real sshd: a web
// browser (Chromium) through -D, as in the field failure where a browser's background requests for names
// the server could not resolve, and the connections it reset, crashed the process; redis-cli and
// redis-benchmark, curl and wget through -L; wget through ftp/. The sshd, Redis and vsftpd run in a
// network namespace of their own (a test host): names resolve to nothing there and no connection can
// leave the machine, whatever the browser asks for. After each client the process is alive, a
// well-behaved client still gets through, and the descriptors of tunnels and sshd are back to their
// baseline.
import {type ChildProcess, execFile, spawn} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {access, constants, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {type BrowserRun, CHROMIUM_PATH, loadInChromium} from '../helpers/chromium.js';
import {descriptors, treeDescriptors} from '../helpers/descriptors.js';
import {startVsftpd, type TestFtpServer} from '../helpers/ftp-servers.js';
import {createTestHost, type TestHost} from '../helpers/netns.js';
import {freePort, startSshd, type TestSshd} from '../helpers/sshd.js';
import {sha256} from '../helpers/targets.js';
import {isEvent, startTunnels, type TunnelsProcess} from '../helpers/tunnels-process.js';
import {sendBytes, startWebServer, type WebServer} from '../helpers/web-server.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;

const PROGRAMS = [
  [CHROMIUM_PATH, 'chromium'],
  ['/usr/bin/redis-server', 'redis-server'],
  ['/usr/bin/redis-cli', 'redis-tools'],
  ['/usr/bin/redis-benchmark', 'redis-tools'],
  ['/usr/bin/wget', 'wget'],
  ['/usr/bin/curl', 'curl'],
] as const;

/** Inside the test host: Redis's port, and one where nothing listens. */
const REDIS_PORT = 6379;
const REFUSING_PORT = 47123;

/** Per page load: images on each of the four origins, and the other resources. */
const IMAGES_PER_ORIGIN = 12;
const SLOW_FETCHES = 6;
const ORIGINS = 4;

/** A valid 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
  'base64',
);

async function until(check: () => boolean | Promise<boolean>, what: () => string, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Waits until this machine's end of the link to the test host has its IPv6 link-local address: the
 * kernel adds it a second or two after the link comes up (once duplicate address detection is done),
 * and a browser running then takes it for a network change and fails its requests in flight.
 */
async function linkSettled(address: string): Promise<void> {
  const {stdout} = await run('ip', ['-o', '-4', 'addr', 'show', 'to', address]);
  const name = stdout.split(/\s+/)[1];
  if (!name) throw new Error(`no interface has ${address}`);
  const ipv6 = await readFile(`/proc/sys/net/ipv6/conf/${name}/disable_ipv6`, 'utf8').catch(() => '1');
  if (ipv6.trim() === '1') return;
  await until(
    async () => {
      const {stdout: addresses} = await run('ip', ['-6', '-o', 'addr', 'show', 'dev', name, 'scope', 'link']);
      return addresses.includes('inet6 fe80') && !addresses.includes('tentative');
    },
    () => `${name} has no IPv6 link-local address yet`,
  );
}

/** The highest number of connections open at once among these events (`now`: how many are open at the end). */
function peakOpen(events: TunnelsProcess['events'], now = false): number {
  let open = 0;
  let peak = 0;
  for (const event of events) {
    if (event.event === 'connection-opened') peak = Math.max(peak, ++open);
    if (event.event === 'connection-closed') open--;
  }
  return now ? open : peak;
}

describe('real clients through every forward kind', () => {
  let host: TestHost;
  let sshd: TestSshd;
  let tunnels: TunnelsProcess;
  let ftp: TestFtpServer;
  let redis: ChildProcess;
  let redisDir: string;
  let downloads: string;
  /** Four web servers, four origins for one page (Chromium opens six connections per origin). */
  const web: WebServer[] = [];
  /** Answers slowly, for the requests the page cancels. */
  let slow: WebServer;
  /** The address of this machine as the test host sees it (where the web servers listen). */
  let outside: string;
  /** A port on that address where nothing listens. */
  let refusedPort: number;
  const ports: Record<'D' | 'redis' | 'web' | 'ftp', number> = {D: 0, redis: 0, web: 0, ftp: 0};
  const big = randomBytes(32 * MiB);
  const ftpFile = randomBytes(8 * MiB);

  function page(load: string): string {
    const image = (src: string) =>
      `<img src="${src}" onload="window.__loaded++" onerror="window.__failed.push(this.src)">`;
    const body: string[] = [];
    const links: string[] = [];
    web.forEach((server, origin) => {
      links.push(`<link rel="preconnect" href="${server.origin}">`);
      for (let index = 0; index < IMAGES_PER_ORIGIN; index++) {
        // Every other image on a connection of its own.
        const close = index % 2 === 1 ? '-close' : '';
        body.push(image(`${server.origin}/img/${load}/o${origin}-${index}${close}`));
      }
      body.push(`<script src="${server.origin}/js/${load}/${origin}-a"></script>`);
      body.push(
        `<iframe src="${server.origin}/frame/${load}/${origin}" onload="window.__frames++"></iframe>`,
      );
      body.push(image(`${server.origin}/reset/${load}/${origin}`));
      body.push(`<script src="${server.origin}/js/${load}/${origin}-b"></script>`);
    });
    const unreachable = [
      'http://nonexistent.invalid/x.png',
      'http://nonexistent.invalid/y.png',
      'http://img1.nonexistent.invalid/z.png',
      'http://img2.nonexistent.invalid/z.png',
      'http://tracker.invalid:8080/pixel.gif',
      `http://${outside}:${refusedPort}/refused.png`,
      `http://127.0.0.1:${REFUSING_PORT}/refused.png`,
      `http://localhost:${REFUSING_PORT}/refused.png`,
    ];
    for (const src of unreachable) body.push(image(src));
    links.push('<link rel="preconnect" href="http://nonexistent.invalid">');
    links.push(`<link rel="preconnect" href="http://${outside}:${refusedPort}">`);
    return `<!doctype html>
<html><head><title>${load}</title>${links.join('')}
<script>
window.__loaded = 0; window.__failed = []; window.__frames = 0; window.__scripts = [];
window.__cancelled = 0; window.__slow = [];
for (let index = 0; index < ${SLOW_FETCHES}; index++) {
  const controller = new AbortController();
  // Cancelled once its answer has started to come (a timer could cancel it before it was even sent,
  // on a busy machine): the server sees every request, and the browser drops each one mid-body.
  window.__slow.push(fetch('${slow.origin}/slow/${load}/' + index, {signal: controller.signal})
    .then(async (response) => {
      const reader = response.body.getReader();
      await reader.read();
      controller.abort();
      while (!(await reader.read()).done);
    })
    .catch(() => window.__cancelled++));
}
addEventListener('load', () => {
  Promise.allSettled(window.__slow).then(() => {
    document.getElementById('result').textContent = JSON.stringify({
      loaded: window.__loaded, failed: window.__failed, frames: window.__frames,
      scripts: window.__scripts.length, cancelled: window.__cancelled,
    });
  });
});
</script></head><body>
${body.join('\n')}
<script src="${slow.origin}/wait/${load}"></script>
<pre id="result">not loaded</pre>
</body></html>`;
  }

  /** What each web server answers: the page and its resources, and a big file. */
  function handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const url = request.url ?? '';
    const [, kind, load] = url.split('/');
    if (kind === 'page') {
      response.writeHead(200, {'Content-Type': 'text/html'}).end(page(load!));
    } else if (kind === 'img') {
      if (url.endsWith('-close')) response.setHeader('Connection', 'close');
      response.writeHead(200, {'Content-Type': 'image/png', 'Content-Length': PNG.length}).end(PNG);
    } else if (kind === 'js') {
      response
        .writeHead(200, {'Content-Type': 'text/javascript'})
        .end(`window.__scripts.push(${JSON.stringify(url)});`);
    } else if (kind === 'frame') {
      const images = Array.from(
        {length: 4},
        (_, index) => `<img src="${url.replace('/frame/', '/img/')}-${index}">`,
      );
      response.writeHead(200, {'Content-Type': 'text/html'}).end(`<!doctype html>${images.join('')}`);
    } else if (kind === 'reset') {
      // Promises more than it sends, then resets the connection.
      response.writeHead(200, {'Content-Type': 'image/png', 'Content-Length': 4096});
      response.write(Buffer.alloc(512));
      setTimeout(() => request.socket.resetAndDestroy(), 20);
    } else if (kind === 'slow') {
      response.writeHead(200, {
        'Content-Type': 'application/octet-stream',
        'Access-Control-Allow-Origin': '*',
      });
      const timer = setInterval(() => response.write(Buffer.alloc(1024, 0x61)), 50);
      response.on('close', () => clearInterval(timer));
    } else if (kind === 'wait') {
      // Holds the parser (and the load event) while the page cancels its slow fetches; for ever when
      // the browser is to be killed mid-page.
      if (load!.startsWith('killed')) return;
      setTimeout(
        () => response.writeHead(200, {'Content-Type': 'text/javascript'}).end('/* waited */'),
        1000,
      );
    } else if (kind === 'big') {
      sendBytes(request, response, big);
    } else if (kind === 'chunk') {
      response.writeHead(200, {'Content-Length': 64 * 1024}).end(big.subarray(0, 64 * 1024));
    } else {
      response.writeHead(404).end();
    }
  }

  /** The paths a page load must have fetched from reachable servers. */
  function expectedRequests(load: string): string[] {
    const paths: string[] = [`/page/${load}`, `/wait/${load}`];
    for (let origin = 0; origin < ORIGINS; origin++) {
      for (let index = 0; index < IMAGES_PER_ORIGIN; index++)
        paths.push(`/img/${load}/o${origin}-${index}${index % 2 === 1 ? '-close' : ''}`);
      paths.push(`/js/${load}/${origin}-a`, `/js/${load}/${origin}-b`, `/frame/${load}/${origin}`);
      paths.push(`/reset/${load}/${origin}`);
      for (let index = 0; index < 4; index++) paths.push(`/img/${load}/${origin}-${index}`);
    }
    for (let index = 0; index < SLOW_FETCHES; index++) paths.push(`/slow/${load}/${index}`);
    return paths;
  }

  function seenRequests(): Set<string> {
    return new Set([...web, slow].flatMap((server) => server.requests));
  }

  /** Every connection tunnels reported opened is closed, and no web server has one open. */
  async function settled(): Promise<void> {
    const count = (name: 'connection-opened' | 'connection-closed') =>
      tunnels.events.filter((event) => event.event === name).length;
    await until(
      () =>
        count('connection-opened') === count('connection-closed') &&
        [...web, slow].every((s) => s.open() === 0),
      () =>
        `connections still open: ${count('connection-opened') - count('connection-closed')} in tunnels, ${[...web, slow].map((s) => s.open()).join('/')} on the web servers`,
    );
  }

  async function baseline(): Promise<{tunnels: number; sshd: number}> {
    await settled();
    return {tunnels: await descriptors(tunnels.pid), sshd: await treeDescriptors(sshd.pid)};
  }

  /** Alive, serving a well-behaved client, and nothing left open here or on the server. */
  async function stillServing(before: {tunnels: number; sshd: number}): Promise<void> {
    expect(tunnels.child.exitCode, tunnels.stderr()).toBeNull();
    expect(tunnels.child.signalCode, tunnels.stderr()).toBeNull();
    const {stdout} = await run(
      'curl',
      [
        '-sf',
        '--max-time',
        '20',
        '--socks5-hostname',
        `127.0.0.1:${ports.D}`,
        '-r',
        `0-${MiB - 1}`,
        `${web[0]!.origin}/big`,
      ],
      {encoding: 'buffer', maxBuffer: 2 * MiB},
    );
    expect(sha256(stdout)).toBe(sha256(big.subarray(0, MiB)));
    await settled();
    await until(
      async () => (await descriptors(tunnels.pid)) <= before.tunnels,
      () => `tunnels' descriptors above their baseline of ${before.tunnels}`,
    );
    await until(
      async () => (await treeDescriptors(sshd.pid)) <= before.sshd,
      () => `sshd's descriptors above their baseline of ${before.sshd}`,
    );
  }

  beforeAll(async () => {
    const missing: string[] = [];
    for (const [file, pkg] of PROGRAMS) {
      await access(file, constants.X_OK).catch(() => missing.push(`${file} (Debian package ${pkg})`));
    }
    if (missing.length > 0)
      throw new Error(
        `missing: ${missing.join(', ')}; run "node scripts/test-setup.mjs" as root to install them`,
      );

    host = await createTestHost();
    // The test host's address ends in .2 and this machine's end of the link in .1.
    outside = host.address.replace(/\.2$/, '.1');
    sshd = await startSshd({host});
    await linkSettled(outside);
    for (let index = 0; index < ORIGINS; index++) web.push(await startWebServer(outside, handle));
    slow = await startWebServer(outside, handle);
    refusedPort = await freePort(outside);

    redisDir = await mkdtemp(path.join(os.tmpdir(), 'tunnels-redis-'));
    downloads = await mkdtemp(path.join(os.tmpdir(), 'tunnels-downloads-'));
    const [program, args] = host.command('/usr/bin/redis-server', [
      '--port',
      String(REDIS_PORT),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      redisDir,
      '--daemonize',
      'no',
      '--logfile',
      path.join(redisDir, 'redis.log'),
    ]);
    redis = spawn(program, args, {stdio: 'ignore'});
    const [ping, pingArgs] = host.command('/usr/bin/redis-cli', ['-p', String(REDIS_PORT), 'PING']);
    await until(
      async () => (await run(ping, pingArgs).catch(() => ({stdout: ''}))).stdout.trim() === 'PONG',
      () => `redis-server did not answer PING: exit ${redis.exitCode}`,
    );

    ftp = await startVsftpd(host);
    await writeFile(path.join(ftp.root, 'data.bin'), ftpFile, {mode: 0o644});

    tunnels = startTunnels([
      '-N',
      '--json',
      ...sshd.sshArgs(),
      '-o',
      'BatchMode=yes',
      '-D',
      '0',
      '-L',
      `0:127.0.0.1:${REDIS_PORT}`,
      '-L',
      `0:${outside}:${web[0]!.port}`,
      '-L',
      'ftp/0:127.0.0.1:21',
      sshd.host,
    ]);
    const names: Record<string, keyof typeof ports> = {
      '-D 0': 'D',
      [`-L 0:127.0.0.1:${REDIS_PORT}`]: 'redis',
      [`-L 0:${outside}:${web[0]!.port}`]: 'web',
      '-L ftp/0:127.0.0.1:21': 'ftp',
    };
    for (;;) {
      const listening = await tunnels.waitFor(
        isEvent('forward-listening', (event) => ports[names[event.spec]!] === 0),
      );
      ports[names[listening.spec]!] = listening.port;
      if (Object.values(ports).every((port) => port > 0)) break;
    }
  }, 60_000);

  afterAll(async () => {
    const status = await tunnels?.stop();
    await ftp?.stop();
    if (redis && redis.exitCode === null && redis.signalCode === null) {
      const exited = new Promise((resolve) => redis.once('exit', resolve));
      process.kill(redis.pid!, 'SIGTERM');
      await exited;
    }
    for (const server of [...web, slow]) await server?.close();
    await sshd?.stop();
    await host?.remove();
    for (const dir of [redisDir, downloads]) if (dir) await rm(dir, {recursive: true, force: true});
    if (tunnels) expect(status).toBe(0);
  });

  /** What is wrong with a page load, in words; nothing when the browser got everything it could. */
  function pageProblems(load: string, proxy: string, browser: BrowserRun, events: TunnelsProcess['events']) {
    const problems: string[] = [];
    const check = (ok: boolean, what: string) => {
      if (!ok) problems.push(what);
    };
    check(!browser.timedOut, `Chromium did not finish within 30 s:\n${browser.stderr}`);
    const result = /<pre id="result">([^<]*)<\/pre>/.exec(browser.dom)?.[1] ?? '';
    if (!result.startsWith('{')) return [`the page did not load:\n${browser.dom}\n${browser.stderr}`];
    const dom = JSON.parse(result) as {
      loaded: number;
      failed: string[];
      frames: number;
      scripts: number;
      cancelled: number;
    };
    check(dom.scripts === ORIGINS * 2, `${dom.scripts} of ${ORIGINS * 2} scripts ran`);
    check(dom.frames === ORIGINS, `${dom.frames} of ${ORIGINS} frames loaded`);
    check(
      dom.loaded === ORIGINS * IMAGES_PER_ORIGIN,
      `${dom.loaded} of ${ORIGINS * IMAGES_PER_ORIGIN} images loaded`,
    );
    // The resets, and everything on names or ports nobody answers.
    check(
      dom.failed.length === ORIGINS + 8,
      `${dom.failed.length} images failed, not ${ORIGINS + 8}: ${dom.failed.join(' ')}`,
    );
    check(dom.cancelled === SLOW_FETCHES, `${dom.cancelled} of ${SLOW_FETCHES} slow fetches cancelled`);
    const seen = seenRequests();
    const missing = expectedRequests(load).filter((request) => !seen.has(request));
    check(missing.length === 0, `the web servers never saw ${missing.join(' ')}`);
    // Many connections at once, as a browser opens them.
    check(peakOpen(events) >= 10, `only ${peakOpen(events)} SOCKS connections at once`);
    const failedTo = events.flatMap((event) => (event.event === 'connection-failed' ? [event.to] : []));
    if (proxy === 'socks5')
      check(failedTo.includes('nonexistent.invalid:80'), 'no request for nonexistent.invalid came through');
    if (problems.length > 0)
      problems.push(
        `what tunnels said:\n${events
          .filter(
            (event) =>
              event.event === 'connection-failed' || (event.event === 'connection-closed' && event.error),
          )
          .map((event) => JSON.stringify(event))
          .join('\n')}`,
      );
    return problems;
  }

  it.each([
    {load: 'socks5-1', proxy: 'socks5'},
    {load: 'socks4-2', proxy: 'socks4'},
    {load: 'socks5-3', proxy: 'socks5'},
  ])(
    'Chromium through -D ($proxy): a page of ~100 resources on five origins, unresolvable names, refused ports, resets and cancelled requests',
    async ({load: name, proxy}) => {
      const before = await baseline();
      let problems: string[] = [];
      // A page that failed while the machine's network changed (another test's namespace came or went)
      // is loaded again: Chromium fails its requests in flight then, whatever the proxy does.
      for (let attempt = 1; attempt <= 5; attempt++) {
        const load = attempt === 1 ? name : `${name}-again${attempt}`;
        const firstEvent = tunnels.events.length;
        const browser = await loadInChromium(`${web[0]!.origin}/page/${load}`, {
          proxy: `${proxy}://127.0.0.1:${ports.D}`,
          timeoutMs: 30_000,
        });
        const events = tunnels.events.slice(firstEvent);
        const opened = events.filter((event) => event.event === 'connection-opened').length;
        const failedTo = new Set(
          events.flatMap((event) => (event.event === 'connection-failed' ? [event.to] : [])),
        );
        console.info(
          `${load}: Chromium took ${browser.ms} ms; ${opened} SOCKS connections (${peakOpen(events)} at once); failed: ${[...failedTo].join(', ')}${browser.networkChanged ? '; the network changed during the run' : ''}`,
        );
        expect(tunnels.child.exitCode, tunnels.stderr()).toBeNull();
        problems = pageProblems(load, proxy, browser, events);
        if (problems.length === 0 || !browser.networkChanged) break;
        await settled();
      }
      expect(problems.join('\n')).toBe('');
      await stillServing(before);
    },
    90_000,
  );

  it('Chromium killed (SIGKILL) mid-page through -D, with its connections open', async () => {
    const before = await baseline();
    const load = 'killed-4';
    const firstEvent = tunnels.events.length;
    let openAtKill = 0;
    // Once the page's last script is asked for, the page has asked for everything else too.
    const midPage = until(
      () => seenRequests().has(`/wait/${load}`),
      () => `the page never asked for /wait/${load}`,
    ).then(() => {
      openAtKill = peakOpen(tunnels.events.slice(firstEvent), true);
    });
    const browser = await loadInChromium(`${web[0]!.origin}/page/${load}`, {
      proxy: `socks5://127.0.0.1:${ports.D}`,
      timeoutMs: 30_000,
      killWhen: midPage,
    });
    await midPage;
    console.info(`${load}: Chromium killed after ${browser.ms} ms with ${openAtKill} SOCKS connections open`);
    expect(browser.killed, browser.stderr).toBe(true);
    expect(openAtKill).toBeGreaterThanOrEqual(5);
    await stillServing(before);
  }, 60_000);

  it('redis-cli (a big value, a pipelined mass insert) and redis-benchmark (20 clients) through -L', async () => {
    const before = await baseline();
    const cli = (args: string[], input?: string) =>
      new Promise<string>((resolve, reject) => {
        const child = execFile(
          '/usr/bin/redis-cli',
          ['-p', String(ports.redis), ...args],
          {timeout: 20_000, maxBuffer: 16 * MiB},
          (error, stdout) => (error ? reject(error) : resolve(stdout)),
        );
        child.stdin!.end(input ?? '');
      });
    expect((await cli(['PING'])).trim()).toBe('PONG');
    const value = randomBytes(3 * MiB).toString('base64');
    expect((await cli(['-x', 'SET', 'big'], value)).trim()).toBe('OK');
    // -x takes stdin as it is; GET prints the value and a newline.
    expect(sha256(await cli(['GET', 'big']))).toBe(sha256(`${value}\n`));
    const count = 20_000;
    const commands = Array.from({length: count}, (_, index) => {
      const key = `key:${index}`;
      const data = `value-${index}`;
      return `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${data.length}\r\n${data}\r\n`;
    }).join('');
    expect(await cli(['--pipe'], commands)).toMatch(new RegExp(`errors: 0, replies: ${count}`));
    expect((await cli(['DBSIZE'])).trim()).toBe(String(count + 1));
    expect((await cli(['GET', 'key:12345'])).trim()).toBe('value-12345');

    const started = Date.now();
    const {stdout} = await run(
      '/usr/bin/redis-benchmark',
      [
        '-p',
        String(ports.redis),
        '-n',
        '2000',
        '-c',
        '20',
        '-q',
        '-t',
        'ping,set,get,incr,lpush,lpop,sadd,hset,lrange_100',
      ],
      {timeout: 40_000},
    );
    console.info(
      `redis-benchmark through -L took ${Date.now() - started} ms:\n${stdout
        .replace(/\r/g, '\n')
        .split('\n')
        .filter((line) => line.includes('requests per second'))
        .join('\n')}`,
    );
    for (const test of ['PING_INLINE', 'SET', 'GET', 'INCR', 'LPUSH', 'LPOP', 'SADD', 'HSET', 'LRANGE_100'])
      expect(stdout).toMatch(new RegExp(`${test}[^:]*: [\\d.]+ requests per second`));
    // Redis itself sees only the client asking.
    expect(await cli(['INFO', 'clients'])).toMatch(/connected_clients:1\r?\n/);
    await stillServing(before);
  }, 60_000);

  it('curl and wget through -L: a 32 MiB download whole and resumed, and 48 downloads at once', async () => {
    const before = await baseline();
    const url = `http://127.0.0.1:${ports.web}`;
    const curlFile = path.join(downloads, 'curl.bin');
    await run('curl', ['-sf', '--max-time', '30', '-o', curlFile, `${url}/big`]);
    expect(sha256(await readFile(curlFile))).toBe(sha256(big));

    // wget -c sends a Range for the part it lacks.
    const wgetFile = path.join(downloads, 'big');
    await writeFile(wgetFile, big.subarray(0, 5 * MiB + 123));
    await run('wget', [
      '--no-config',
      '-q',
      '-c',
      '--tries=1',
      '--timeout=30',
      '-P',
      downloads,
      `${url}/big`,
    ]);
    expect(sha256(await readFile(wgetFile))).toBe(sha256(big));

    const urls = Array.from({length: 48}, (_, index) => `${url}/chunk/${index}`);
    const {stdout} = await run('curl', [
      '-s',
      '--max-time',
      '30',
      '--parallel',
      '--parallel-max',
      '48',
      '-w',
      '%{http_code} %{size_download}\\n',
      ...urls.flatMap((each) => ['-o', '/dev/null', each]),
    ]);
    expect(stdout.trim().split('\n')).toEqual(urls.map(() => `200 ${64 * 1024}`));
    await stillServing(before);
  }, 60_000);

  it('wget through ftp/: passive and active', async () => {
    const before = await baseline();
    for (const mode of ['--passive-ftp', '--no-passive-ftp']) {
      const file = path.join(downloads, `ftp${mode}.bin`);
      await run('wget', [
        '--no-config',
        '-q',
        '--tries=1',
        '--timeout=30',
        mode,
        '-O',
        file,
        `ftp://127.0.0.1:${ports.ftp}/pub/data.bin`,
      ]);
      expect(sha256(await readFile(file)), mode).toBe(sha256(ftpFile));
    }
    const modes = tunnels.events.flatMap((event) => (event.event === 'ftp-data-opened' ? [event.mode] : []));
    expect(modes).toEqual(['passive', 'active']);
    await stillServing(before);
  }, 60_000);
});
