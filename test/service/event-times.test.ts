import {afterEach, describe, expect, it} from 'vitest';
import {ServiceClient} from '../../source/service/client.js';
import type {SessionEvent} from '../../source/service/protocol.js';
import {useSshdAndEcho} from '../helpers/fixtures.js';
import {jsonLines, upArgs, useServiceHome} from './service-home.js';

/** What an attached UI reads: each event with when the service saw it; the commands' output as it was. */
describe("the service's event stream carries each event's time", () => {
  const fixture = useSshdAndEcho();
  const home = useServiceHome();
  const savedRuntime = process.env.XDG_RUNTIME_DIR;
  afterEach(() => {
    if (savedRuntime === undefined) delete process.env.XDG_RUNTIME_DIR;
    else process.env.XDG_RUNTIME_DIR = savedRuntime;
  });

  it('watch with replay: the recent events with the time each happened; logs --json prints no time', async () => {
    const before = Date.now();
    const up = await home.run(upArgs(fixture.sshd, `0:127.0.0.1:${fixture.echo.port}`, 'web'));
    expect(up.status, up.stderr).toBe(0);
    const after = Date.now();
    // This process talks to the test's service (the client finds the socket through XDG_RUNTIME_DIR).
    process.env.XDG_RUNTIME_DIR = home.env.XDG_RUNTIME_DIR;
    const client = await ServiceClient.connect({start: false});
    try {
      const events: SessionEvent[] = [];
      client.onEvent((event) => events.push(event));
      expect(await client.request({command: 'watch', replay: true})).toMatchObject({ok: true});
      expect(events.map(({event}) => event.event)).toEqual([
        'session-connecting',
        'session-connected',
        'forward-added',
        'forward-listening',
      ]);
      for (const {session, time} of events) {
        expect(session).toBe('web');
        expect(time).toBeGreaterThanOrEqual(before);
        expect(time).toBeLessThanOrEqual(after);
      }
    } finally {
      client.close();
      await client.closed;
    }
    const logs = await home.run(['logs', '--json']);
    expect(logs.status, logs.stderr).toBe(0);
    for (const line of jsonLines<Record<string, unknown>>(logs.stdout))
      expect(Object.keys(line)).toEqual(['session', 'event']);
  });
});
