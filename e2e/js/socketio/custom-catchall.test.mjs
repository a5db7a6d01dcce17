// Catch-all listeners of a custom server (socketio_custom_test.go, /any): OnAny sees every
// incoming event before its handlers, OnAnyOutgoing every event sent to the socket. The
// reference (socket.io 4.8 with socket.io-adapter 2.5) notifies outgoing listeners of
// broadcasts too: its in-memory adapter calls them for each socket a broadcast reaches.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { TRANSPORT, ask, closeAll, connect, sleep, until } from "../lib/sio-util.mjs";

const asBuffer = (v) => Buffer.from(v);

describe(`catch-all listeners (${TRANSPORT})`, () => {
  it("OnAny sees every incoming event with its arguments, handled or not", async () => {
    const socket = await connect("/any");
    try {
      socket.emit("alpha", 1);
      socket.emit("beta", { x: Buffer.from([1, 2]) }, "s");
      socket.timeout(500).emit("gamma", () => {}); // no handler: the ack never comes
      const [seen] = await ask(socket, "report-any");
      assert.equal(seen.length, 4, JSON.stringify(seen));
      assert.deepEqual(seen.map((e) => e.name), ["alpha", "beta", "gamma", "report-any"]);
      assert.deepEqual(seen[0], { name: "alpha", args: [1], ack: false });
      assert.equal(seen[1].args.length, 2);
      assert.deepEqual(asBuffer(seen[1].args[0].x), Buffer.from([1, 2]));
      assert.equal(seen[1].args[1], "s");
      assert.deepEqual(seen[2], { name: "gamma", args: [], ack: true });
      assert.deepEqual(seen[3], { name: "report-any", args: [], ack: true });
    } finally {
      closeAll(socket);
    }
  });

  it("OnAnyOutgoing sees every event sent to the socket, broadcasts included", async () => {
    const socket = await connect("/any");
    const got = [];
    socket.onAny((event, ...args) => got.push([event, ...args]));
    try {
      await ask(socket, "emit-some");
      await until(() => got.some((e) => e[0] === "out-3"), "out-3");
      await sleep(50);
      const received = got.filter((e) => e[0] !== "out-volatile");
      assert.deepEqual(received.map((e) => e[0]), ["out-1", "out-2", "out-broadcast", "out-3"]);
      assert.deepEqual(received[0], ["out-1", 1]);
      assert.equal(received[1][1], "two");
      assert.deepEqual(asBuffer(received[1][2]), Buffer.from([2]));
      const [out] = await ask(socket, "report-out");
      assert.deepEqual(out, ["out-1", "out-2", "out-volatile", "out-broadcast", "out-3"]);
    } finally {
      closeAll(socket);
    }
  });
});
