// Reconnects over and over while the server streams numbered "tick"
// events, and checks that every recovered session got every tick once.
// Run by TestRecoveryRace (recovery_race_test.go) with SERVER_URL set.
import { io } from 'socket.io-client';

const url = process.env.SERVER_URL;
const rounds = Number(process.env.ROUNDS || 60);
const pause = Number(process.env.PAUSE_MS || 30); // between reconnections
const socket = io(url, {
  transports: ['websocket'],
  reconnectionDelay: 1, // 0 would mean the default
  reconnectionDelayMax: 1,
  randomizationFactor: 0,
});

// One session: the ticks it received, in order. A session starts with the
// first connection and goes on across recoveries; a fresh (not recovered)
// connection starts another.
let session = [];
const sessions = [session];
let recovered = 0;
let fresh = 0;
let deaf = 0; // connections that stopped receiving broadcasts

socket.on('tick', (n) => session.push(n));

// tickWithin resolves true if a tick arrives within ms.
function tickWithin(ms) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.off('tick', on);
      resolve(false);
    }, ms);
    const on = () => {
      clearTimeout(timer);
      socket.off('tick', on);
      resolve(true);
    };
    socket.on('tick', on);
  });
}

function connected() {
  return new Promise((resolve) => socket.once('connect', resolve));
}

await connected();
await new Promise((r) => setTimeout(r, 100));
for (let i = 0; i < rounds; i++) {
  const back = connected();
  socket.io.engine.close(); // the connection drops; the client reconnects at once
  await back;
  if (socket.recovered) recovered++;
  else {
    fresh++;
    session = []; // no promise about what a fresh session missed
    sessions.push(session);
  }
  await new Promise((r) => setTimeout(r, pause * (0.5 + Math.random())));
  if (!(await tickWithin(1000))) {
    deaf++;
    break; // it would stay so
  }
}
socket.disconnect();

// In each session, every tick from its first to its last must come once,
// in order.
let lost = 0;
let duplicated = 0;
let reordered = 0;
const examples = [];
for (const got of sessions) {
  if (got.length === 0) continue;
  const seen = new Set();
  let max = 0;
  for (const n of got) {
    if (seen.has(n)) duplicated++;
    else if (n < max) {
      reordered++;
      if (examples.length < 10) examples.push(`${n} after ${max}`);
    }
    seen.add(n);
    max = Math.max(max, n);
  }
  for (let n = got[0]; n <= max; n++) {
    if (!seen.has(n)) {
      lost++;
      if (examples.length < 10) examples.push(`${n} lost`);
    }
  }
}
console.log(JSON.stringify({ rounds, recovered, fresh, deaf, lost, duplicated, reordered, examples }));
