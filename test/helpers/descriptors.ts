import {readdir} from 'node:fs/promises';
import {processTree} from './sshd.js';

/** The descriptors a process has open now (0 once it is gone). */
export async function descriptors(pid: number): Promise<number> {
  return (await readdir(`/proc/${pid}/fd`).catch(() => [])).length;
}

/** The descriptors of a process and all its descendants (sshd and its per-connection processes). */
export async function treeDescriptors(root: number): Promise<number> {
  let total = 0;
  for (const pid of await processTree(root)) total += await descriptors(pid);
  return total;
}
