// Drives a cluster of Socket.IO servers (Go, Node, or both) with the
// official client, two clients per server, and checks what a cluster must
// do. Run by cluster_test.go:
//
//   SERVERS=http://127.0.0.1:4001,http://127.0.0.1:4002 REDIS_URL=redis://... node cluster.mjs
//
// With EMITTER=1 it also emits through @socket.io/redis-emitter; with
// GO_EMITTER=1 it prints "emit-now <socket id>" and waits for a line on
// stdin, while the Go test emits through redisadapter.Emitter. It prints
// one line per check and exits 1 when one failed.
import assert from "node:assert/strict";
import readline from "node:readline";
import { io } from "socket.io-client";
import { Emitter } from "@socket.io/redis-emitter";
import { createClient } from "redis";

const servers = process.env.SERVERS.split(",");
const perServer = 2;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const withTimeout = (p, ms, what) =>
  Promise.race([p, sleep(ms).then(() => { throw new Error(`timeout: ${what}`); })]);

let failed = 0;
async function check(name, fn) {
  try {
    await withTimeout(fn(), 15000, name);
    console.log(`ok - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}: ${e.stack || e}`);
  }
}

function connect(url) {
  return new Promise((resolve, reject) => {
    const s = io(url, { transports: ["websocket"], reconnection: false, forceNew: true });
    s.received = [];
    s.on("room-message", (...args) => s.received.push(args));
    s.on("ask", (arg, ack) => ack(s.id));
    s.once("connect", () => resolve(s));
    s.once("connect_error", reject);
  });
}

const clients = [];
for (const url of servers) {
  for (let i = 0; i < perServer; i++) {
    const s = await connect(url);
    s.url = url;
    clients.push(s);
  }
}
const ids = clients.map((s) => s.id).sort();
const onServer = (url) => clients.filter((s) => s.url === url);
const first = (url) => onServer(url)[0];

const names = [];
await check("every server is a node of its own", async () => {
  for (const url of servers) names.push(await first(url).emitWithAck("node"));
  assert.equal(new Set(names).size, servers.length);
});

await check(`server count is ${servers.length} on every node`, async () => {
  for (const url of servers) {
    assert.equal(await first(url).emitWithAck("server-count"), servers.length, url);
  }
});

await check("every client joins room r", async () => {
  for (const s of clients) await s.emitWithAck("join", "r");
});

// Remote joins go through Redis: let them land.
await sleep(100);

await check("a room broadcast from every node reaches every client exactly once", async () => {
  for (const url of servers) {
    const tag = `from ${url}`;
    first(url).emit("io-to-room", "r", tag, { n: 1.5, s: "é<>&" });
    for (;;) {
      if (clients.every((s) => s.received.some((a) => a[0] === tag))) break;
      await sleep(10);
    }
  }
  await sleep(300);
  for (const s of clients) {
    for (const url of servers) {
      const got = s.received.filter((a) => a[0] === `from ${url}`);
      assert.equal(got.length, 1, `${s.id} on ${s.url} got ${got.length} of the broadcast from ${url}`);
      assert.deepEqual(got[0][1], { n: 1.5, s: "é<>&" });
    }
  }
});

await check("fetch-sockets sees every socket, from every node", async () => {
  for (const url of servers) {
    assert.deepEqual(await first(url).emitWithAck("fetch-sockets", ""), ids, url);
    assert.deepEqual(await first(url).emitWithAck("fetch-sockets", "r"), ids, url);
  }
});

await check("a broadcast with acks counts every client, from every node", async () => {
  for (const url of servers) {
    const { error: err, replies } = await first(url).emitWithAck("broadcast-with-ack", "q");
    assert.equal(err, null, url);
    assert.deepEqual([...replies].sort(), ids, url);
  }
});

await check("server-side emits with acks get an answer from every other node", async () => {
  for (const [i, url] of servers.entries()) {
    const { error: err, replies } = await first(url).emitWithAck("server-side-emit-with-ack");
    assert.equal(err, null, url);
    assert.deepEqual([...replies].sort(), names.filter((_, j) => j !== i).sort(), url);
  }
});

if (process.env.EMITTER) {
  const redis = createClient({ url: process.env.REDIS_URL });
  await redis.connect();
  const emitter = new Emitter(redis);
  await check("@socket.io/redis-emitter reaches every client (room, except, binary)", async () => {
    const got = new Map(clients.map((s) => [s, []]));
    for (const s of clients) s.on("from-emitter", (...a) => got.get(s).push(a));
    emitter.to("r").emit("from-emitter", "room", Buffer.from([1, 2, 3]));
    const excluded = clients[0];
    emitter.except(excluded.id).emit("from-emitter", "except");
    for (;;) {
      if ([...got.values()].every((a) => a.length >= 1)) break;
      await sleep(10);
    }
    await sleep(300);
    for (const [s, a] of got) {
      const room = a.filter((x) => x[0] === "room");
      assert.equal(room.length, 1, `${s.url}: room emits ${room.length}`);
      assert.deepEqual([...new Uint8Array(room[0][1])], [1, 2, 3]);
      assert.equal(a.filter((x) => x[0] === "except").length, s === excluded ? 0 : 1, `${s.url}: except`);
    }
  });
  await check("@socket.io/redis-emitter socketsJoin reaches every node", async () => {
    emitter.socketsJoin("joined-by-emitter");
    for (;;) {
      const all = await first(servers[0]).emitWithAck("fetch-sockets", "joined-by-emitter");
      if (all && all.length === ids.length) break;
      await sleep(20);
    }
  });
  await redis.quit();
}

if (process.env.GO_EMITTER) {
  // The Go test emits with redisadapter.Emitter once told, then answers.
  await check("the Go emitter reaches every client (room, except, binary)", async () => {
    const got = new Map(clients.map((s) => [s, []]));
    for (const s of clients) s.on("from-go-emitter", (...a) => got.get(s).push(a));
    const lines = readline.createInterface({ input: process.stdin });
    const next = () => new Promise((r) => lines.once("line", r));
    console.log(`emit-now ${clients[0].id}`);
    await next();
    for (;;) {
      if ([...got.values()].every((a) => a.length >= 1)) break;
      await sleep(10);
    }
    await sleep(300);
    lines.close();
    for (const [s, a] of got) {
      const room = a.filter((x) => x[0] === "room");
      assert.equal(room.length, 1, `${s.url}: room emits ${room.length}`);
      assert.deepEqual([...new Uint8Array(room[0][1])], [1, 2, 3]);
      assert.deepEqual(room[0][2], { n: 1.5 });
      assert.equal(a.filter((x) => x[0] === "except").length, s === clients[0] ? 0 : 1, `${s.url}: except`);
    }
  });
}

for (const s of clients) s.disconnect();
console.log(`${failed === 0 ? "all checks passed" : failed + " checks failed"}`);
process.exit(failed === 0 ? 0 : 1);
