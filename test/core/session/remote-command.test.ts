import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Session} from '../../../source/core/session/session.js';
import {connectedSession} from '../../helpers/session.js';
import {startSshd, type TestSshd} from '../../helpers/sshd.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('session.exec against a real sshd', () => {
  let sshd: TestSshd;
  let session: Session;
  beforeAll(async () => {
    sshd = await startSshd();
    session = await connectedSession(sshd);
  });
  afterAll(async () => {
    await session?.close();
    await sshd?.stop();
  });

  // A quick command's exit status can come in the same read as the server's yes to running it, before
  // the caller's await resumes. It used to be listened for by the caller, and was lost (exit code 255
  // instead of the command's, about one run in twelve). Here the caller looks only well after the end.
  it('keeps the exit status of a command that ends before the caller looks', async () => {
    const {channel, exitStatus} = await session.exec('exit 7', {agentForward: false});
    // The status arrives while nobody reads the channel; on a busy machine that may take more than a moment.
    for (let waited = 0; exitStatus() === undefined && waited < 10_000; waited += 50) await sleep(50);
    expect(exitStatus()).toBe(7);
    channel.resume();
    await new Promise((resolve) => channel.once('close', resolve));
    expect(exitStatus()).toBe(7);
  });

  it('reports a command killed by a signal as 255, as ssh does', async () => {
    const {channel, exitStatus} = await session.exec('kill -TERM $$', {agentForward: false});
    channel.resume();
    await new Promise((resolve) => channel.once('close', resolve));
    expect(exitStatus()).toBe(255);
  });
});
