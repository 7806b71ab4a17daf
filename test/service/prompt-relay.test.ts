import {describe, expect, it} from 'vitest';
import {PromptCancelled} from '../../source/core/session/prompter.js';
import {PromptRelay} from '../../source/service/prompt-relay.js';
import {parseRequest, parseServerMessage, type ServerMessage} from '../../source/service/protocol.js';

describe('prompts relayed to the client that brings a session up', () => {
  it('sends each question with a number and resolves it with that answer; informs pass through', async () => {
    const sent: ServerMessage[] = [];
    const relay = new PromptRelay(
      (message) => sent.push(message),
      () => true,
    );
    const prompter = relay.prompterFor('db');
    const password = prompter.ask("db's password: ", {secret: true});
    const host = prompter.ask('continue (yes/no)? ', {secret: false});
    prompter.inform('Permission denied, please try again.');
    expect(sent).toEqual([
      {prompt: 1, session: 'db', text: "db's password: ", secret: true},
      {prompt: 2, session: 'db', text: 'continue (yes/no)? ', secret: false},
      {inform: 'Permission denied, please try again.', session: 'db'},
    ]);
    expect(relay.answer(2, 'yes')).toBe(true);
    expect(relay.answer(1, undefined)).toBe(true);
    expect(await host).toBe('yes');
    await expect(password).rejects.toBeInstanceOf(PromptCancelled);
    // Each is answered once.
    expect(relay.answer(2, 'again')).toBe(false);
  });

  it('a question asked again carries what it is about (the host and its fingerprint), on the wire too', () => {
    const sent: ServerMessage[] = [];
    const relay = new PromptRelay(
      (message) => sent.push(message),
      () => true,
    );
    const about =
      "The authenticity of host 'db' can't be established.\nED25519 key fingerprint is SHA256:abc.";
    const asked = relay.prompterFor('db').ask("Please type 'yes', 'no' or the fingerprint: ", {
      secret: false,
      shownBefore: about,
    });
    asked.catch(() => {});
    expect(sent).toEqual([
      {
        prompt: 1,
        session: 'db',
        text: "Please type 'yes', 'no' or the fingerprint: ",
        secret: false,
        shownBefore: about,
      },
    ]);
    expect(parseServerMessage(JSON.stringify(sent[0]))).toEqual(sent[0]);
    relay.cancelAll();
  });

  it('cancels what waits when the client goes, and asks nothing of a client that is gone', async () => {
    let connected = true;
    const relay = new PromptRelay(
      () => {},
      () => connected,
    );
    const waiting = relay.prompterFor('db').ask('passphrase: ', {secret: true});
    connected = false;
    relay.cancelAll();
    await expect(waiting).rejects.toBeInstanceOf(PromptCancelled);
    await expect(relay.prompterFor('db').ask('again: ', {secret: true})).rejects.toBeInstanceOf(
      PromptCancelled,
    );
  });

  it('reads prompts and answers on the wire, and refuses a malformed answer', () => {
    expect(parseServerMessage('{"prompt":3,"session":"db","text":"password: ","secret":true}')).toEqual({
      prompt: 3,
      session: 'db',
      text: 'password: ',
      secret: true,
    });
    expect(parseServerMessage('{"inform":"try again","session":"db"}')).toEqual({
      inform: 'try again',
      session: 'db',
    });
    expect(parseRequest('{"id":4,"command":"answer","prompt":3,"answer":"x"}')).toEqual({
      id: 4,
      command: 'answer',
      prompt: 3,
      answer: 'x',
    });
    expect(parseRequest('{"id":4,"command":"answer","prompt":"3"}')).toEqual({
      error: 'answer needs the number of a prompt and a string',
    });
  });
});
