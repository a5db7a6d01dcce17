// Reference implementation of the testserver contract (shared/testserver.md) on the
// official Node packages (engine.io 6.6, socket.io 4.8). The e2e suites run against it
// to prove the tests themselves are right, and benchmarks use it as the Node baseline.
//
//   node reference/server.mjs -addr 127.0.0.1:0 -ping-interval 300ms -ping-timeout 200ms
//
// Flags follow Go's flag package syntax: -name value, -name=value, --name; booleans
// may stand alone.
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { Server as EngineServer } from "engine.io";
import { Server as IOServer } from "socket.io";

const DEFAULTS = {
  addr: "127.0.0.1:3000",
  "ping-interval": "25s",
  "ping-timeout": "20s",
  "max-payload": "1000000",
  transports: "polling,websocket",
  recovery: false,
  redis: "",
  "connect-timeout": "45s",
  cors: "",
  pprof: false,
  "tls-cert": "",
  "tls-key": "",
};

function fail(msg) {
  console.error(`server.mjs: ${msg}`);
  process.exit(2);
}

function parseFlags(argv) {
  const opts = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const m = /^--?([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m || !(m[1] in DEFAULTS)) fail(`unknown flag ${argv[i]}`);
    const [, name, inline] = m;
    if (typeof DEFAULTS[name] === "boolean") {
      opts[name] = inline === undefined ? true : /^(1|t|true)$/i.test(inline);
    } else if (inline !== undefined) {
      opts[name] = inline;
    } else if (i + 1 < argv.length) {
      opts[name] = argv[++i];
    } else {
      fail(`flag needs an argument: -${name}`);
    }
  }
  return opts;
}

// Go duration ("300ms", "25s", "1m30s", "1.5s") to milliseconds.
function durationMs(s) {
  const units = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };
  if (s === "0") return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  for (let m; (m = re.exec(s)); pos = re.lastIndex) total += parseFloat(m[1]) * units[m[2]];
  if (pos === 0 || pos !== s.length) fail(`invalid duration ${JSON.stringify(s)}`);
  return Math.round(total);
}

const flags = parseFlags(process.argv.slice(2));
if (flags.redis) fail("-redis is not supported by the reference server");

const list = (s) => s.split(",").map((x) => x.trim()).filter(Boolean);
const cors = flags.cors
  ? { origin: flags.cors === "*" ? "*" : list(flags.cors) }
  : undefined;
const engineOptions = {
  pingInterval: durationMs(flags["ping-interval"]),
  pingTimeout: durationMs(flags["ping-timeout"]),
  maxHttpBufferSize: Number(flags["max-payload"]),
  transports: list(flags.transports),
  cors,
};

if (!flags["tls-cert"] !== !flags["tls-key"]) fail("-tls-cert and -tls-key go together");
const tls = flags["tls-cert"]
  ? { cert: readFileSync(flags["tls-cert"]), key: readFileSync(flags["tls-key"]) }
  : null;
const notFound = (req, res) => {
  res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
};
const httpServer = tls ? https.createServer(tls, notFound) : http.createServer(notFound);

// /engine.io/: bare Engine.IO echo, text as text and binary as binary.
const eio = new EngineServer(engineOptions);
eio.attach(httpServer, { path: "/engine.io/" });
eio.on("connection", (socket) => {
  socket.on("message", (data) => socket.send(data));
});

// /socket.io/: namespaces "/" and "/custom"; any other namespace is refused by socket.io
// itself with "Invalid namespace".
const io = new IOServer(httpServer, {
  ...engineOptions,
  path: "/socket.io/",
  connectTimeout: durationMs(flags["connect-timeout"]),
  connectionStateRecovery: flags.recovery
    ? { maxDisconnectionDuration: 2 * 60 * 1000, skipMiddlewares: true }
    : undefined,
});

// Splits an event's arguments into [args, ack] when the last one is an ack callback.
function splitAck(args) {
  return typeof args.at(-1) === "function" ? [args.slice(0, -1), args.at(-1)] : [args, undefined];
}

function onConnection(socket) {
  const nsp = socket.nsp;
  socket.emit("auth", socket.handshake.auth ?? {});

  socket.on("message", (...args) => socket.emit("message-back", ...splitAck(args)[0]));
  for (const event of ["message-with-ack", "echo"]) {
    socket.on(event, (...raw) => {
      const [args, ack] = splitAck(raw);
      ack?.(...args);
    });
  }
  socket.on("broadcast", (...raw) => {
    const [args, ack] = splitAck(raw);
    nsp.emit("broadcast", ...args);
    ack?.();
  });
  socket.on("join", async (room, ack) => {
    await socket.join(room);
    if (typeof ack === "function") ack([...socket.rooms]);
  });
  socket.on("leave", async (room, ack) => {
    await socket.leave(room);
    if (typeof ack === "function") ack([...socket.rooms]);
  });
  socket.on("to-room", (room, ...raw) => {
    socket.to(room).emit("room-message", ...splitAck(raw)[0]);
  });
  socket.on("fetch-sockets", async (...raw) => {
    const [args, ack] = splitAck(raw);
    const target = typeof args[0] === "string" ? nsp.in(args[0]) : nsp;
    const ids = (await target.fetchSockets()).map((s) => s.id);
    ids.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    ack?.(ids);
  });
  socket.on("server-count", async (...raw) => {
    const [, ack] = splitAck(raw);
    ack?.(await nsp.adapter.serverCount());
  });
  socket.on("disconnect-me", () => socket.disconnect());
}
io.on("connection", onConnection);
io.of("/custom").on("connection", onConnection);

// Graceful shutdown: close every session (clients see "transport close"), then exit.
let stopping = false;
function shutdown() {
  if (stopping) return;
  stopping = true;
  io.close(); // also closes the HTTP server
  eio.close();
  httpServer.closeIdleConnections();
  setTimeout(() => process.exit(0), 2000).unref();
  httpServer.on("close", () => process.exit(0));
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);

const m = /^(.*):(\d+)$/.exec(flags.addr);
if (!m) fail(`invalid -addr ${flags.addr}`);
const host = m[1].replace(/^\[(.*)\]$/, "$1") || undefined;
httpServer.listen(Number(m[2]), host, () => {
  const { address, port } = httpServer.address();
  const shown = address.includes(":") ? `[${address}]` : address;
  console.log(`listening on ${tls ? "https" : "http"}://${shown}:${port}`);
});
