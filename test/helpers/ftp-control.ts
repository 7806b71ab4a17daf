import net from 'node:net';
import {expect} from 'vitest';

/**
 * A minimal FTP client for tests: commands and replies on the control connection, logged in as
 * anonymous, binary.
 */
export async function ftpControl(port: number, host = '127.0.0.1') {
  const socket = net.connect({host, port});
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let buffer = '';
  const waiting: Array<() => void> = [];
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('latin1');
    for (const wake of waiting.splice(0)) wake();
  });
  /** The next complete reply (its last line: "CODE text"). */
  const reply = async (): Promise<string> => {
    for (;;) {
      const final = /^(\d{3}) .*\r?\n/m.exec(buffer);
      if (final) {
        buffer = buffer.slice(final.index + final[0].length);
        return final[0].trim();
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
  };
  const command = async (line: string): Promise<string> => {
    socket.write(`${line}\r\n`);
    return reply();
  };
  expect(await reply()).toMatch(/^220/);
  // vsftpd asks no password of anonymous here (no_anon_password).
  const user = await command('USER anonymous');
  if (user.startsWith('331')) expect(await command('PASS tunnels@')).toMatch(/^230/);
  else expect(user).toMatch(/^230/);
  expect(await command('TYPE I')).toMatch(/^200/);
  return {socket, command, reply};
}

/** Reads a socket to its end. */
export function readAll(socket: net.Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve, reject) => {
    socket.once('end', () => resolve(Buffer.concat(chunks)));
    socket.once('error', reject);
  });
}
