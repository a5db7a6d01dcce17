// The Node reference (socket.io 4.8) of the small server the recovery suites expiry,
// volatile and middlewares run against; e2e/recovery_test.go builds the same one on sio
// in-process, and starts this one under E2E_SERVER=node to prove the suites right.
//
//   node js/recovery/custom-server.mjs -max-disconnection-ms 1000 [-run-middlewares]
//
// Prints `listening on http://HOST:PORT` (127.0.0.1, a free port). Heartbeat 300ms/200ms.
// On namespace "/":
//   - one middleware: counts its runs; a socket's data gets { firstRun: <count> } at its first;
//     for a recovering socket whose handshake auth has delayMs, it takes that long
//   - on connection: emit `hello` (so that the client has an offset)
//   - join(room, ack) → ack(rooms); to-room(room, ...args) → room-message to the room, sender
//     excluded; broadcast(...args, ack) → `broadcast` to all, ack(); volatile(...args, ack) →
//     volatile `volatile-message` to all, ack(); echo(...args, ack) → ack(...args);
//     fetch-sockets(ack) → ack(ids); state(ack) → ack({ id, mw, data, rooms, recovered })
import http from "node:http";
import { Server } from "socket.io";

const args = process.argv.slice(2);
const maxMs = Number(args[args.indexOf("-max-disconnection-ms") + 1]);
if (!args.includes("-max-disconnection-ms") || !maxMs) {
  console.error("custom-server.mjs: -max-disconnection-ms N is required");
  process.exit(2);
}
const runMiddlewares = args.includes("-run-middlewares");

const httpServer = http.createServer();
const io = new Server(httpServer, {
  pingInterval: 300,
  pingTimeout: 200,
  connectionStateRecovery: { maxDisconnectionDuration: maxMs, skipMiddlewares: !runMiddlewares },
});

let mwRuns = 0;
io.use((socket, next) => {
  mwRuns++;
  socket.data.firstRun ??= mwRuns;
  const delay = Number(socket.handshake.auth?.delayMs) || 0;
  if (socket.recovered && delay) setTimeout(next, delay);
  else next();
});

const last = (args) => (typeof args.at(-1) === "function" ? [args.slice(0, -1), args.at(-1)] : [args, undefined]);

io.on("connection", (socket) => {
  socket.emit("hello");
  socket.on("join", async (room, ack) => {
    await socket.join(room);
    ack?.([...socket.rooms]);
  });
  socket.on("to-room", (room, ...rest) => socket.to(room).emit("room-message", ...last(rest)[0]));
  socket.on("broadcast", (...raw) => {
    const [rest, ack] = last(raw);
    io.emit("broadcast", ...rest);
    ack?.();
  });
  socket.on("volatile", (...raw) => {
    const [rest, ack] = last(raw);
    io.volatile.emit("volatile-message", ...rest);
    ack?.();
  });
  socket.on("echo", (...raw) => {
    const [rest, ack] = last(raw);
    ack?.(...rest);
  });
  socket.on("fetch-sockets", async (ack) => ack((await io.fetchSockets()).map((s) => s.id)));
  socket.on("state", (ack) =>
    ack({ id: socket.id, mw: mwRuns, data: socket.data, rooms: [...socket.rooms], recovered: socket.recovered }),
  );
});

for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, () => {
    io.close();
    setTimeout(() => process.exit(0), 1000).unref();
    httpServer.on("close", () => process.exit(0));
  });
}

httpServer.listen(0, "127.0.0.1", () => {
  const { address, port } = httpServer.address();
  console.log(`listening on http://${address}:${port}`);
});
