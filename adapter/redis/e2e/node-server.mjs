// A Node.js node for the mixed-cluster tests: socket.io 4.8 with
// @socket.io/redis-adapter 8.3 (classic, or -adapter sharded), or with
// @socket.io/redis-streams-adapter 0.3 (-adapter streams, where -recovery
// turns on connection state recovery), serving the cluster events of the
// Go testserver (examples/testserver/cluster.go) on namespace "/".
//
//   node node-server.mjs -addr 127.0.0.1:4000 -redis redis://127.0.0.1:6379 [-adapter streams] [-recovery]
import http from "node:http";
import { Server } from "socket.io";
import { createAdapter, createShardedAdapter } from "@socket.io/redis-adapter";
import { createAdapter as createStreamsAdapter } from "@socket.io/redis-streams-adapter";
import { createClient } from "redis";

const args = process.argv.slice(2);
const flag = (name, def) => {
  const i = args.indexOf("-" + name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
};
const addr = flag("addr", "127.0.0.1:4000");
const redisURL = flag("redis", "redis://127.0.0.1:6379");
const kind = flag("adapter", "pubsub");
const recovery = args.includes("-recovery");
const [host, port] = [addr.slice(0, addr.lastIndexOf(":")), Number(addr.slice(addr.lastIndexOf(":") + 1))];

const pub = createClient({ url: redisURL });
const sub = pub.duplicate();
pub.on("error", () => {});
sub.on("error", () => {});
await Promise.all([pub.connect(), sub.connect()]);

const httpServer = http.createServer();
const io = new Server(httpServer, {
  adapter:
    kind === "streams"
      ? createStreamsAdapter(pub)
      : kind === "sharded"
        ? createShardedAdapter(pub, sub)
        : createAdapter(pub, sub),
  connectionStateRecovery: recovery ? { maxDisconnectionDuration: 2 * 60 * 1000 } : undefined,
});

io.on("ping", (ack) => ack(addr));

io.on("connection", (socket) => {
  socket.on("node", (ack) => ack(addr));
  socket.on("join", (room, ack) => {
    socket.join(room);
    ack?.([...socket.rooms]);
  });
  socket.on("io-to-room", (room, ...rest) => {
    io.to(room).emit("room-message", ...rest);
  });
  socket.on("fetch-sockets", async (room, ack) => {
    try {
      const sockets = await (room ? io.in(room) : io).fetchSockets();
      ack(sockets.map((s) => s.id).sort());
    } catch (e) {
      ack(null, e.message);
    }
  });
  socket.on("server-count", async (ack) => ack(await io.of("/").adapter.serverCount()));
  socket.on("broadcast-with-ack", async (arg, ack) => {
    try {
      ack({ error: null, replies: await io.timeout(4000).emitWithAck("ask", arg) });
    } catch (e) {
      ack({ error: e.message, replies: [] });
    }
  });
  socket.on("server-side-emit-with-ack", async (ack) => {
    try {
      ack({ error: null, replies: await io.serverSideEmitWithAck("ping") });
    } catch (e) {
      ack({ error: e.message, replies: [] });
    }
  });
});

httpServer.listen(port, host, () => console.log(`listening on http://${addr}`));

const stop = () => {
  io.close();
  Promise.allSettled([pub.quit(), sub.quit()]).then(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
