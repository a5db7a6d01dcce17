// The echo scenario driven by the official client, socket.io-client in one
// Node.js process (how many browser-less load tests and services talk to a
// Socket.IO server): C sockets over WebSocket, each with one emit-with-ack
// outstanding, for D seconds. Prints one JSON line with the fields of
// bench/load's echo, so bench/summary reads both.
//
//   node bench/node/echo-client.mjs -url http://127.0.0.1:3000 -c 50 -d 10 [-pid PID] [-label sio]
import { readFileSync } from "node:fs";
import { io } from "socket.io-client";

const arg = (name, def) => {
  const i = process.argv.indexOf(`-${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const url = arg("url", "http://127.0.0.1:3000");
const clients = Number(arg("c", "50"));
const seconds = Number(arg("d", "10"));
const pid = Number(arg("pid", "0"));
const label = arg("label", "");

// Server CPU time in µs (user + system) from /proc/PID/stat.
function serverCPU() {
  if (!pid) return 0;
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(f[11]) + Number(f[12])) * 1e6) / 100; // USER_HZ
}

const sockets = await Promise.all(
  Array.from({ length: clients }, () => new Promise((resolve, reject) => {
    const s = io(url, { transports: ["websocket"], forceNew: true, reconnection: false });
    s.once("connect", () => resolve(s));
    s.once("connect_error", reject);
  })),
);

const latencies = [];
let running = true;
const payload = { text: "hello", n: 0 };
const cpu0 = serverCPU();
const t0 = process.hrtime.bigint();
setTimeout(() => { running = false; }, seconds * 1000);
await Promise.all(sockets.map(async (s) => {
  while (running) {
    const start = process.hrtime.bigint();
    const back = await s.timeout(10_000).emitWithAck("echo", payload);
    if (back?.text !== payload.text) throw new Error(`echo answered ${JSON.stringify(back)}`);
    latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
}));
const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = serverCPU() - cpu0;
sockets.forEach((s) => s.close());

latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
const round = (x, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const ops = latencies.length;
const line = {
  scenario: "echo-jsclient", clients, ops,
  ops_per_s: round(ops / elapsed),
  p50_ms: round(pct(50)), p99_ms: round(pct(99)), p999_ms: round(pct(99.9)),
  server_cpu_us_per_op: pid ? round(cpu / ops) : 0,
  time: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
};
if (label) line.label = label;
console.log(JSON.stringify(Object.fromEntries(Object.entries(line).sort())));
process.exit(0);
