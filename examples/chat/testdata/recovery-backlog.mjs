// Drops the connection, lets the server broadcast BURST numbered "tick"
// events (the Go test does it when this script prints "ctl burst" and
// answers "ok"), then reconnects over long-polling: the session must be
// recovered at once, with every missed event once.
// Run by TestRecoveryRace (recovery_race_test.go) with SERVER_URL set.
import { createInterface } from 'node:readline';
import { io } from 'socket.io-client';

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const socket = io(process.env.SERVER_URL, { transports: ['polling'] });
const got = [];
let drops = 0;
socket.on('tick', (n) => {
  if (n > 0) got.push(n); // 0 is the hello of each connection
});

await new Promise((resolve) => socket.once('connect', resolve));
await new Promise((resolve) => setTimeout(resolve, 100));
socket.io.reconnection(false);
socket.io.engine.close();
await new Promise((resolve) => setTimeout(resolve, 200));
console.log('ctl burst');
await lines.next();

got.length = 0;
socket.on('disconnect', () => drops++);
socket.io.reconnection(true);
const back = new Promise((resolve) => socket.once('connect', resolve));
socket.connect();
const ok = await Promise.race([back.then(() => true), new Promise((r) => setTimeout(() => r(false), 10_000))]);
await new Promise((resolve) => setTimeout(resolve, 500));
const distinct = new Set(got).size;
console.log(JSON.stringify({ connected: ok, recovered: socket.recovered === true, drops, received: got.length, distinct }));
process.exit(0);
