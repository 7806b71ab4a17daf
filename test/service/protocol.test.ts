import {describe, expect, it} from 'vitest';
import {
  checkHello,
  encode,
  hello,
  LineReader,
  MAX_LINE_BYTES,
  PROTOCOL_VERSION,
  parseRequest,
  parseServerMessage,
} from '../../source/service/protocol.js';

describe('the service protocol', () => {
  it('says hello with its version, and takes the same version back', () => {
    expect(encode(hello())).toBe(`{"hello":"tunnels","version":${PROTOCOL_VERSION}}\n`);
    expect(checkHello(encode(hello()).trim(), 'client')).toEqual(hello());
  });

  it('refuses another version with a sentence that says what to do', () => {
    const answer = checkHello(JSON.stringify({hello: 'tunnels', version: 99}), 'service');
    expect(answer).toEqual({error: expect.stringMatching(/version 99.*tunnels stop/)});
    const client = checkHello(JSON.stringify({hello: 'tunnels', version: 0}), 'client');
    expect(client).toEqual({error: expect.stringMatching(/version 0.*same version/)});
  });

  it('refuses garbage instead of a hello', () => {
    expect(checkHello('GET / HTTP/1.1', 'client')).toEqual({
      error: expect.stringMatching(/not a tunnels message/),
    });
    expect(checkHello('[1,2]', 'client')).toEqual({error: expect.stringMatching(/not a tunnels message/)});
    expect(checkHello('{"hello":"ssh","version":1}', 'client')).toEqual({
      error: expect.stringMatching(/did not say hello/),
    });
  });

  it('reads commands with their ids', () => {
    expect(parseRequest('{"id":1,"command":"ls"}')).toEqual({id: 1, command: 'ls'});
    expect(parseRequest('{"id":2,"command":"add","name":"db","forward":"-L 8080:db:5432"}')).toEqual({
      id: 2,
      command: 'add',
      name: 'db',
      forward: '-L 8080:db:5432',
    });
    const up = {id: 3, command: 'up', name: 'db', favorite: false, origin: {destination: 'user@host'}};
    expect(parseRequest(JSON.stringify(up))).toEqual(up);
  });

  it('refuses a command without an id, an unknown one, or one missing what it needs', () => {
    expect(parseRequest('{"command":"ls"}')).toEqual({error: expect.stringMatching(/numeric id/)});
    expect(parseRequest('{"id":1,"command":"rm -rf"}')).toEqual({
      error: expect.stringMatching(/unknown command/),
    });
    expect(parseRequest('{"id":1,"command":"down"}')).toEqual({error: expect.stringMatching(/session name/)});
    expect(parseRequest('{"id":1,"command":"add","name":"db"}')).toEqual({
      error: expect.stringMatching(/-L/),
    });
    expect(parseRequest('{"id":1,"command":"up","name":"db","origin":{}}')).toEqual({
      error: expect.stringMatching(/destination/),
    });
    expect(parseRequest('not json')).toEqual({error: expect.stringMatching(/not a tunnels message/)});
  });

  it("carries up's agent, the asking command's SSH_AUTH_SOCK ('' for none), and refuses one that is not text", () => {
    const up = {id: 4, command: 'up', name: 'db', favorite: false, origin: {destination: 'user@host'}};
    for (const agent of ['/run/user/1000/ssh-agent.sock', ''])
      expect(parseRequest(JSON.stringify({...up, agent}))).toEqual({...up, agent});
    for (const agent of [5, null, {path: '/tmp/x'}, ['/tmp/x']])
      expect(parseRequest(JSON.stringify({...up, agent}))).toEqual({
        error: expect.stringMatching(/agent is the path of an agent's socket/),
      });
  });

  it("checks up's command line: another client's may leave out its lists (the service fills them in), but not give them of another type", () => {
    const up = {id: 5, command: 'up', name: 'db', favorite: false};
    const bare = {...up, origin: {destination: 'user@host'}};
    expect(parseRequest(JSON.stringify(bare))).toEqual(bare);
    for (const [origin, problem] of [
      [{destination: 'h', identityFiles: 'id_rsa'}, /identityFiles is a list of strings/],
      [{destination: 'h', localForwards: [8080]}, /localForwards is a list of strings/],
      [{destination: 'h', port: 22}, /port is a string/],
      [{destination: 'h', forwardAgent: 'yes'}, /forwardAgent is true or false/],
      [{destination: 'h', sequence: [{value: 'x'}]}, /sequence is a list/],
    ] as const)
      expect(parseRequest(JSON.stringify({...up, origin}))).toEqual({error: expect.stringMatching(problem)});
  });

  it("takes the attached UI's R: reconnect a session now, retry a forward (each naming what it needs)", () => {
    expect(parseRequest('{"id":4,"command":"reconnect","name":"db"}')).toEqual({
      id: 4,
      command: 'reconnect',
      name: 'db',
    });
    expect(parseRequest('{"id":5,"command":"retry","name":"db","forward":"L1"}')).toEqual({
      id: 5,
      command: 'retry',
      name: 'db',
      forward: 'L1',
    });
    expect(parseRequest('{"id":6,"command":"reconnect"}')).toEqual({
      error: expect.stringMatching(/session name/),
    });
    expect(parseRequest('{"id":7,"command":"retry","name":"db"}')).toEqual({
      error: expect.stringMatching(/-L/),
    });
  });

  it('tells results, events and hellos from the service apart', () => {
    expect(parseServerMessage('{"id":1,"ok":true}')).toEqual({id: 1, ok: true});
    expect(parseServerMessage('{"id":1,"ok":false,"error":"no session named db"}')).toEqual({
      id: 1,
      ok: false,
      error: 'no session named db',
    });
    const event = {session: 'db', event: {event: 'session-closed'}};
    expect(parseServerMessage(JSON.stringify(event))).toEqual(event);
    expect(parseServerMessage('{"what":1}')).toEqual({error: expect.stringMatching(/not a tunnels message/)});
  });

  it('carries a core event exactly as it is, tagged with its session', () => {
    const event = {
      event: 'forward-listening',
      forwardId: 'f1',
      kind: 'local',
      spec: '-L 0:h:1',
      bindAddress: '127.0.0.1',
      port: 4000,
    } as const;
    const line = encode({session: 'db', event});
    expect(JSON.parse(line).event).toEqual(event);
    expect(line).toContain(JSON.stringify(event));
  });

  it('splits a stream into lines, whatever the chunks', () => {
    const reader = new LineReader();
    expect(reader.push('{"a":')).toEqual([]);
    expect(reader.push('1}\n{"b"')).toEqual(['{"a":1}']);
    expect(reader.push(':2}\n\n')).toEqual(['{"b":2}']);
  });

  it('refuses a line longer than the bound, with or without its newline', () => {
    expect(new LineReader().push(`${'x'.repeat(MAX_LINE_BYTES + 1)}\n`)).toEqual({
      error: expect.stringMatching(/longer than/),
    });
    const reader = new LineReader();
    reader.push('x'.repeat(MAX_LINE_BYTES));
    expect(reader.push('x')).toEqual({error: expect.stringMatching(/longer than/)});
  });
});
