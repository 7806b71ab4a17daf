import {execFile} from 'node:child_process';
import {randomBytes, randomInt} from 'node:crypto';
import {mkdir, rm, stat} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
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

/**
 * A 10.213.N.0/30 no other test host uses: test files run side by side, and two hosts on one subnet would
 * answer for each other (a test then meets the other one's sshd, and its host key). The reservation is a
 * directory, made atomically; one left by a run that was killed is taken over once no interface uses its
 * subnet and it is a minute old.
 */
async function reserveSubnet(): Promise<number> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const subnet = randomInt(1, 250);
    const reservation = subnetReservation(subnet);
    try {
      await mkdir(reservation);
      return subnet;
    } catch {
      const age =
        Date.now() -
        (await stat(reservation)
          .then((info) => info.mtimeMs)
          .catch(() => Date.now()));
      const {stdout} = await run('ip', ['-o', '-4', 'addr']);
      if (age > 60_000 && !stdout.includes(` 10.213.${subnet}.`)) {
        await rm(reservation, {recursive: true, force: true});
      }
    }
  }
  throw new Error('no free 10.213.N.0/30 subnet for a test host');
}

async function releaseSubnet(subnet: number): Promise<void> {
  await rm(subnetReservation(subnet), {recursive: true, force: true});
}

const subnetReservation = (subnet: number) => path.join(os.tmpdir(), `tunnels-test-subnet-${subnet}`);

export async function createTestHost(): Promise<TestHost> {
  if (process.getuid?.() !== 0) {
    throw new Error('this test creates a network namespace and needs root: run "npm test" as root');
  }
  const tag = randomBytes(3).toString('hex');
  const name = `tunnels-${tag}`;
  const outside = `tnl${tag}o`;
  const inside = `tnl${tag}i`;
  const subnet = await reserveSubnet();
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
    await releaseSubnet(subnet);
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
      await releaseSubnet(subnet);
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
