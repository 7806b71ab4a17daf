// What Node itself costs per short TCP connection, with nothing of tunnels or SSH in it: a bare echo
// server (accept, read 1 KiB, write it back, end; the listener options tunnels' -L uses) in a process of its
// own, driven by sequential connections as conn-ab drives the forwards. Its CPU per connection is the floor
// under any Node forwarder's local side; compare it with conn-ab's figures for ssh and tunnels.
//   node scripts/bench/node-socket-floor.mjs [connections, default 5000]
import {spawn} from 'node:child_process';
import {readFileSync} from 'node:fs';
import net from 'node:net';

if (process.argv[2] === 'server') {
  const server = net.createServer({allowHalfOpen: true, pauseOnConnect: true, noDelay: true}, (socket) => {
    socket.on('data', (data) => socket.write(data));
    socket.on('end', () => socket.end());
    socket.on('error', () => {});
    socket.resume();
  });
  server.listen(0, '127.0.0.1', () => console.log(server.address().port));
} else {
  const clockTicks = 100;
  const cpuMs = (pid) => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
  };
  const count = Number(process.argv[2] ?? 5000);
  const child = spawn(process.execPath, [process.argv[1], 'server'], {stdio: ['ignore', 'pipe', 'inherit']});
  try {
    const port = await new Promise((resolve) => child.stdout.once('data', (data) => resolve(Number(data))));
    const payload = Buffer.alloc(1024, 97);
    const one = () =>
      new Promise((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1');
        let received = 0;
        socket.on('data', (data) => {
          received += data.length;
          if (received >= payload.length) socket.end();
        });
        socket.on('close', resolve);
        socket.on('error', reject);
        socket.write(payload);
      });
    for (let index = 0; index < 2000; index++) await one();
    const before = cpuMs(child.pid);
    for (let index = 0; index < count; index++) await one();
    const perConnection = ((cpuMs(child.pid) - before) * 1000) / count;
    console.log(
      `a bare Node echo server: ${perConnection.toFixed(0)} µs CPU per connection (${count} sequential)`,
    );
  } finally {
    child.kill();
  }
}
