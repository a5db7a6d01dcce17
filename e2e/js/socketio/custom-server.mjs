// The custom server of the js/socketio/custom-*.test.mjs suites, on the official Node
// packages (socket.io 4.8): the twin of mountCustom in e2e/socketio_custom_test.go. With
// E2E_SERVER=node the Go driver runs the suites against it, which proves them right.
// What the server sees is printed as "note ..." lines, which the Go driver checks.
//
//   node js/socketio/custom-server.mjs -addr 127.0.0.1:0 [-ping-interval 500ms -ping-timeout 500ms]
import http from "node:http";
import { Server } from "socket.io";

function durationMs(s) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(s);
  if (!m) throw new Error(`bad duration ${s}`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60000 }[m[2]];
}

const flags = { addr: "127.0.0.1:0", "ping-interval": "25s", "ping-timeout": "20s" };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const name = argv[i].replace(/^--?/, "");
  if (!(name in flags)) throw new Error(`unknown flag ${argv[i]}`);
  flags[name] = argv[i + 1];
}

const note = (s) => console.log(`note ${s}`);
const splitAck = (args) => (typeof args.at(-1) === "function" ? [args.slice(0, -1), args.at(-1)] : [args, undefined]);
const tagOf = (socket) => (typeof socket.handshake.auth?.tag === "string" ? socket.handshake.auth.tag : "");
const sortedRooms = (socket, rooms) => [...rooms].map((r) => (r === socket.id ? "(self)" : r)).sort();

const httpServer = http.createServer();
const io = new Server(httpServer, {
  pingInterval: durationMs(flags["ping-interval"]),
  pingTimeout: durationMs(flags["ping-timeout"]),
});

// /mw
{
  const mw = io.of("/mw");
  const step = (name, refuse) => (socket, next) => {
    const tag = tagOf(socket);
    note(`mw /mw ${name} ${tag}`);
    socket.data.list = [...(socket.data.list ?? []), name];
    if (socket.handshake.auth.refuse === name) return next(refuse(tag));
    next();
  };
  mw.use(step("one", () => new Error("unused")));
  mw.use(step("two", (tag) => Object.assign(new Error("refused by two"), { data: { code: 403, tag, list: [1, "a", { b: null }] } })));
  mw.use(step("three", () => new Error("refused by three")));
  mw.use((socket, next) => {
    if (socket.handshake.auth.refuse === "string-data") {
      return next(Object.assign(new Error("with string data"), { data: "just a string" }));
    }
    next();
  });
  mw.on("connection", (socket) => {
    note(`connected /mw ${tagOf(socket)}`);
    socket.emit("order", socket.data.list);
  });

  // Node has no recover(): a throwing middleware would crash the process. The behaviour the
  // suites expect of a Go middleware that panics is a refusal, which this spells out.
  const p = io.of("/mw-panic");
  p.use((socket, next) => {
    note(`mw /mw-panic ${tagOf(socket)}`);
    try {
      throw new Error("boom");
    } catch {
      next(new Error("internal error"));
    }
  });
  p.on("connection", (socket) => {
    note(`connected /mw-panic ${tagOf(socket)}`);
    socket.emit("welcome");
  });
}

// /dyn-<digits>
{
  const parent = io.of(/^\/dyn-\d+$/);
  parent.use((socket, next) => {
    const name = socket.nsp.name;
    note(`mw ${name} ${tagOf(socket)}`);
    if (socket.handshake.auth.deny) return next(new Error(`denied in ${name}`));
    next();
  });
  parent.on("connection", (socket) => {
    const name = socket.nsp.name;
    note(`connected ${name} ${tagOf(socket)}`);
    socket.emit("welcome", name);
    socket.on("echo", (...raw) => { const [args, ack] = splitAck(raw); ack?.(...args); });
    socket.on("parent-broadcast", (ack) => { parent.emit("from-parent", name); ack?.(); });
    socket.on("child-broadcast", (ack) => { socket.nsp.emit("from-child", name); ack?.(); });
  });
}

// /any
{
  const nsp = io.of("/any");
  nsp.on("connection", (socket) => {
    const incoming = [];
    const outgoing = [];
    socket.onAny((event, ...raw) => {
      note(`any in ${event}`);
      const [args, ack] = splitAck(raw);
      incoming.push({ name: event, args, ack: ack !== undefined });
    });
    socket.onAnyOutgoing((event) => {
      note(`any out ${event}`);
      outgoing.push(event);
    });
    socket.on("report-any", (ack) => ack(incoming));
    socket.on("emit-some", (ack) => {
      socket.emit("out-1", 1);
      socket.emit("out-2", "two", Buffer.from([2]));
      socket.volatile.emit("out-volatile");
      nsp.emit("out-broadcast");
      socket.emit("out-3");
      ack();
    });
    socket.on("report-out", (ack) => ack(outgoing));
  });
}

// /acks, /gather-*
for (const name of ["/acks", "/gather-all", "/gather-partial"]) {
  const nsp = io.of(name);
  nsp.on("connection", (socket) => {
    socket.on("ask-me", (ack) => {
      socket.timeout(5000).emit("question", 1, "two", { three: 3 }, Buffer.from([4, 5]), (err, ...res) => {
        if (err) {
          note(`ask-me error ${err.message}`);
          return ack(err.message);
        }
        note(`ask-me answered with ${res.length} args`);
        ack(null, ...res);
      });
    });
    socket.on("ask-ignored", (ms, ack) => {
      socket.timeout(ms).emit("ignore-me", "please", (err) => {
        const timeout = Boolean(err && /timed out/.test(err.message));
        note(`ask-ignored timeout=${timeout}`);
        ack(timeout, err ? err.message : "");
      });
    });
    socket.on("ask-then-leave", () => {
      const start = Date.now();
      socket.timeout(10000).emit("leave-now", (err) => {
        note(`ask-then-leave disconnected=false quick=${Date.now() - start < 5000} (${err?.message})`);
      });
    });
    socket.on("gather", (ack) => {
      nsp.timeout(2000).emit("poll", "which?", (err, replies) => {
        const answers = replies.map((r) => r).sort();
        const timeout = Boolean(err);
        note(`gather ${name} answers=${answers.length} timeout=${timeout}`);
        ack(answers, timeout);
      });
    });
  });
}

// /rooms
{
  const nsp = io.of("/rooms");
  nsp.on("connection", (socket) => {
    socket.on("join", (rooms, ack) => { socket.join(rooms); ack(); });
    socket.on("emit", (to, except, tag, from, ack) => {
      let op;
      if (from === "socket") op = to.length ? socket.to(to).except(except) : socket.except(except);
      else op = nsp.to(to).except(except);
      op.emit("hit", tag);
      ack(true);
    });
    socket.on("volatile", (ack) => { nsp.volatile.emit("hit", "volatile"); ack(); });
    socket.on("sockets-join", (room, extra, ack) => { nsp.in(room).socketsJoin(extra); ack(); });
    socket.on("sockets-leave", (room, extra, ack) => { nsp.in(room).socketsLeave(extra); ack(); });
    socket.on("disconnect-room", (room, ack) => { nsp.in(room).disconnectSockets(false); ack(); });
  });
}

// /reasons, /reasons-b
for (const name of ["/reasons", "/reasons-b"]) {
  const nsp = io.of(name);
  nsp.on("connection", (socket) => {
    if (socket.handshake.auth.observer === true) {
      socket.join("observers");
      return;
    }
    const tag = tagOf(socket);
    if (Array.isArray(socket.handshake.auth.rooms)) socket.join(socket.handshake.auth.rooms.filter((r) => typeof r === "string"));
    let disconnecting = null;
    socket.on("disconnecting", (reason) => {
      disconnecting = sortedRooms(socket, socket.rooms);
      note(`disconnecting ${name} ${tag} ${reason} rooms=${JSON.stringify(disconnecting)}`);
    });
    socket.on("disconnect", (reason) => {
      const after = sortedRooms(socket, socket.rooms);
      note(`disconnect ${name} ${tag} ${reason} rooms=${JSON.stringify(after)}`);
      io.of("/reasons").to("observers").emit("peer-gone", { nsp: name, tag, reason, disconnecting, after });
    });
    socket.on("kick", () => socket.disconnect(false));
    socket.on("kick-close", () => socket.disconnect(true));
    socket.on("shutdown-server", (ack) => {
      ack();
      socket.emit("bye", "see you");
      // Like socketio.Server.Shutdown, which leaves the HTTP server to its owner: close the
      // Socket.IO and Engine.IO sessions but keep listening (so a poll in flight is answered).
      io.httpServer = undefined;
      io.close();
    });
    note(`connected ${name} ${tag}`);
    socket.emit("ready", socket.id);
  });
}

// /handshake
io.of("/handshake").on("connection", (socket) => {
  const h = socket.handshake;
  const q = (k) => (Array.isArray(h.query[k]) ? h.query[k][0] : h.query[k] ?? "");
  note(`handshake address=${h.address} foo=${q("foo")} header=${h.headers["x-test"] ?? ""} auth=${JSON.stringify(h.auth)}`);
  socket.emit("handshake", {
    address: h.address,
    foo: q("foo"),
    eio: q("EIO"),
    transport: q("transport"),
    header: h.headers["x-test"] ?? "",
    auth: h.auth,
    issued: h.issued,
    secure: h.secure,
  });
  socket.on("transport", (ack) => ack(socket.conn.transport.name));
});

// /panic, /panic-connect. Node has no recover(); an uncaught exception handler keeps the
// process alive, which is what the suites expect of the Go server.
process.on("uncaughtException", (err) => console.error(`uncaught: ${err.message}`));
io.of("/panic").on("connection", (socket) => {
  socket.on("boom", () => { note("panic boom"); throw new Error("boom"); });
  socket.on("boom-ack", (ack) => { note("panic boom-ack"); null.id; ack("never"); });
  socket.onAny((event) => {
    if (event === "boom-any") { note("panic boom-any"); throw new Error(`catch-all ${event}`); }
  });
  socket.on("echo", (...raw) => { const [args, ack] = splitAck(raw); ack?.(...args); });
});
io.of("/panic-connect").on("connection", (socket) => {
  socket.on("echo", (...raw) => { const [args, ack] = splitAck(raw); ack?.(...args); });
  note("panic connection");
  throw new Error("connection handler");
});

// /typed
io.of("/typed").on("connection", (socket) => {
  const b = (...bytes) => Buffer.from(bytes);
  socket.on("send-typed", (ack) => {
    socket.emit("typed-struct", { name: "f", file: b(1, 2), parts: [b(3), b(4, 5)], meta: { bin: b(6) } });
    socket.emit("typed-pointer", { name: "p", file: b(9), parts: null, meta: null });
    socket.emit("typed-slice", [{ b: b(7) }]);
    socket.emit("typed-map", { k: b(8) });
    ack();
  });
  socket.on("bind-typed", (v, ack) => {
    const parts = (v.parts ?? []).map((p) => p.length);
    note(`bind-typed name=${v.name} file=[${[...v.file].join(" ")}] parts=[${parts.join(" ")}]`);
    ack(null, v.name, v.file.length, parts, v.file);
  });
  socket.on("bind-bytes", (v, ack) => {
    note(`bind-bytes [${[...v].join(" ")}]`);
    ack(null, v);
  });
});

process.on("SIGTERM", () => { io.close(); setTimeout(() => process.exit(0), 500).unref(); });

const [, host, port] = /^(.*):(\d+)$/.exec(flags.addr);
httpServer.listen(Number(port), host, () => {
  const { address, port: p } = httpServer.address();
  console.log(`listening on http://${address}:${p}`);
});
