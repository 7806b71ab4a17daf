import {execFile} from 'node:child_process';
import {randomBytes, randomInt} from 'node:crypto';
import {promisify} from 'node:util';

const run = promisify(execFile);

/**
 * A test host of our own: a network namespace joined to this machine by a veth pair. Inside, its
 * loopback is its own, so a server bound to 127.0.0.1 there can be reached only from inside: through
 * the sshd that also runs there.
 */
export interface TestHost {
  name: string;
  /** The host's address, reachable from this machine. */
  address: string;
  /** Runs a command inside the namespace: `ip netns exec NAME ...`. */
  command(program: string, args: string[]): [string, string[]];
  remove(): Promise<void>;
}

export async function createTestHost(): Promise<TestHost> {
  if (process.getuid?.() !== 0) {
    throw new Error('this test creates a network namespace and needs root: run "npm test" as root');
  }
  const tag = randomBytes(3).toString('hex');
  const name = `tunnels-${tag}`;
  const outside = `tnl${tag}o`;
  const inside = `tnl${tag}i`;
  const subnet = randomInt(1, 250);
  const outsideAddress = `10.213.${subnet}.1`;
  const address = `10.213.${subnet}.2`;
  await run('ip', ['netns', 'add', name]);
  try {
    await run('ip', ['link', 'add', outside, 'type', 'veth', 'peer', 'name', inside]);
    await run('ip', ['link', 'set', inside, 'netns', name]);
    await run('ip', ['addr', 'add', `${outsideAddress}/30`, 'dev', outside]);
    await run('ip', ['link', 'set', outside, 'up']);
    await run('ip', ['netns', 'exec', name, 'ip', 'addr', 'add', `${address}/30`, 'dev', inside]);
    await run('ip', ['netns', 'exec', name, 'ip', 'link', 'set', inside, 'up']);
    await run('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
  } catch (error) {
    await run('ip', ['netns', 'del', name]).catch(() => {});
    await run('ip', ['link', 'del', outside]).catch(() => {});
    throw error;
  }
  return {
    name,
    address,
    command: (program, args) => ['ip', ['netns', 'exec', name, program, ...args]],
    async remove() {
      // Deleting the namespace destroys its end of the veth pair, and with it ours.
      await run('ip', ['netns', 'del', name]).catch(() => {});
      await run('ip', ['link', 'del', outside]).catch(() => {});
    },
  };
}

/** This machine as a test host: a server started "on" it (vsftpd) listens on its own loopback. */
export const thisMachine: TestHost = {
  name: 'local',
  address: '127.0.0.1',
  command: (program, args) => [program, args],
  remove: async () => {},
};
