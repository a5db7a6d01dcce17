// Connection state recovery across nodes of the Redis Streams adapter:
// a client drops from node A and comes back on node B, with its id, its
// rooms and the events it missed. Run by recovery_test.go:
//
//   A=http://... B=http://... [KILL_PID=<pid of A>] node recovery.mjs
//
// With KILL_PID, node A is stopped (SIGTERM) instead of the client's
// connection being cut: the session survives the node.
import assert from "node:assert/strict";
import { io } from "socket.io-client";

const { A, B, KILL_PID } = process.env;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const until = async (cond, what, ms = 10000) => {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timeout: ${what}`);
    await sleep(10);
  }
};

function connect(url, opts = {}) {
  return new Promise((resolve, reject) => {
    const s = io(url, { transports: ["websocket"], forceNew: true, ...opts });
    s.received = [];
    s.on("room-message", (...args) => s.received.push(args[0]));
    s.once("connect", () => resolve(s));
    s.once("connect_error", reject);
  });
}

const helper = await connect(B, { reconnection: false });
const x = await connect(A, { reconnectionDelay: 1000, reconnectionDelayMax: 1000 });
const nameA = await x.emitWithAck("node");
const nameB = await helper.emitWithAck("node");
assert.notEqual(nameA, nameB);
await x.emitWithAck("join", "rec");
await sleep(100);

helper.emit("io-to-room", "rec", "before");
await until(() => x.received.includes("before"), "the first event");
assert.ok(x._lastOffset, "events carry an offset");
const id = x.id;

// x drops from A, and will come back on B.
x.io.uri = B;
const dropped = new Promise((r) => x.once("disconnect", r));
if (KILL_PID) {
  process.kill(Number(KILL_PID), "SIGTERM");
} else {
  x.io.engine.close();
}
const reason = await dropped;
console.log(`x disconnected from A: ${reason}`);
helper.emit("io-to-room", "rec", "missed-1");
helper.emit("io-to-room", "rec", "missed-2");

await new Promise((r) => x.once("connect", r));
assert.equal(x.recovered, true, "recovered");
assert.equal(x.id, id, "same id");
assert.equal(await x.emitWithAck("node"), nameB, "now on B");
await until(() => x.received.includes("missed-2"), "the missed events");
assert.deepEqual(x.received, ["before", "missed-1", "missed-2"]);

helper.emit("io-to-room", "rec", "after");
await until(() => x.received.includes("after"), "an event after recovery (still in the room)");
assert.deepEqual(x.received, ["before", "missed-1", "missed-2", "after"]);

x.disconnect();
helper.disconnect();
console.log("recovered on the other node with the missed events");
