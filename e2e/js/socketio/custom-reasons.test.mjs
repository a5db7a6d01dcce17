// Server-side disconnect reasons on a custom server (socketio_custom_test.go, /reasons):
// the server reports each disconnection (its OnDisconnect reason and the rooms its
// OnDisconnecting handler saw) to the "observers" room, where this suite listens.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Manager } from "socket.io-client";
import { startChild } from "../lib/sio-child.mjs";
import {
  SERVER_URL, TRANSPORT, clientOptions, closeAll, connect, connected, next, sleep,
} from "../lib/sio-util.mjs";

describe(`server-side disconnect reasons (${TRANSPORT})`, () => {
  let observer;
  const gone = new Map(); // tag -> peer-gone report
  const waiters = new Map();

  before(async () => {
    observer = await connect("/reasons", { auth: { observer: true } });
    observer.on("peer-gone", (report) => {
      gone.set(report.tag, report);
      waiters.get(report.tag)?.(report);
    });
  });
  after(() => closeAll(observer));

  // Resolves with the server's report on the socket tagged `tag`.
  function peerGone(tag, ms = 10000) {
    if (gone.has(tag)) return Promise.resolve(gone.get(tag));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no peer-gone report for "${tag}" within ${ms} ms`)), ms);
      waiters.set(tag, (r) => { clearTimeout(timer); resolve(r); });
    });
  }

  async function peer(tag, rooms = [], nsp = "/reasons") {
    const socket = await connect(nsp, { auth: { tag, rooms } });
    return socket;
  }

  it("a client socket.disconnect() is \"client namespace disconnect\"; OnDisconnecting still sees the rooms", async () => {
    const socket = await peer("client-leaves", ["x", "y"]);
    socket.disconnect();
    const report = await peerGone("client-leaves");
    assert.equal(report.reason, "client namespace disconnect");
    assert.deepEqual(report.disconnecting, ["(self)", "x", "y"]);
    assert.deepEqual(report.after, []);
    assert.equal(observer.connected, true);
  });

  it("a server-side Disconnect(false) is \"server namespace disconnect\" and \"io server disconnect\" on the client", async () => {
    const socket = await peer("kicked", ["k"]);
    try {
      const client = next(socket, "disconnect");
      socket.emit("kick");
      const [reason] = await client;
      assert.equal(reason, "io server disconnect");
      const report = await peerGone("kicked");
      assert.equal(report.reason, "server namespace disconnect");
      assert.deepEqual(report.disconnecting, ["(self)", "k"]);
    } finally {
      closeAll(socket);
    }
  });

  it("Disconnect(true) disconnects every namespace of the connection and closes it", async () => {
    const manager = new Manager(SERVER_URL, clientOptions());
    const a = manager.socket("/reasons", { auth: { tag: "kick-close" } });
    const b = manager.socket("/reasons-b", { auth: { tag: "kick-close-b" } });
    try {
      await Promise.all([connected(a), connected(b)]);
      const engine = manager.engine;
      const engineClosed = next(engine, "close", 10000);
      const clients = Promise.all([next(a, "disconnect"), next(b, "disconnect")]);
      a.emit("kick-close");
      assert.deepEqual((await clients).map(([r]) => r), ["io server disconnect", "io server disconnect"]);
      const [ra, rb] = await Promise.all([peerGone("kick-close"), peerGone("kick-close-b")]);
      assert.equal(ra.reason, "server namespace disconnect");
      assert.equal(rb.reason, "server namespace disconnect");
      assert.equal(rb.nsp, "/reasons-b");
      await engineClosed;
    } finally {
      closeAll(a, b);
    }
  });

  it("closing the engine connection is \"transport close\"", async () => {
    const socket = await peer("engine-closed", ["e"]);
    const client = next(socket, "disconnect");
    socket.io.engine.close();
    assert.equal((await client)[0], "forced close");
    const report = await peerGone("engine-closed");
    assert.equal(report.reason, "transport close");
    assert.deepEqual(report.disconnecting, ["(self)", "e"]);
  });

  it("a killed client process is \"transport close\" (\"transport error\" for a pending poll)", async () => {
    const tag = `killed-${TRANSPORT === "polling" ? "polling" : "ws"}`;
    const { child, kill } = await startChild({ auth: { tag, rooms: ["z"] } });
    try {
      // Let the child's next long-polling GET reach the server: a polling client killed with
      // no request pending is only noticed by the heartbeat.
      await sleep(300);
      child.kill("SIGKILL");
      const report = await peerGone(tag);
      // Over WebSocket the TCP connection ends: "transport close". Over polling the reference
      // sees the pending GET end before its response: "transport error".
      assert.equal(report.reason, TRANSPORT === "polling" ? "transport error" : "transport close");
      assert.deepEqual(report.disconnecting, ["(self)", "z"]);
    } finally {
      kill();
    }
  });
});
