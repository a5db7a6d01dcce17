// Panics in handlers of a custom server (socketio_custom_test.go, /panic and
// /panic-connect) must not take the server, the connection or the socket down.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { TRANSPORT, ask, closeAll, connect } from "../lib/sio-util.mjs";

describe(`panics in handlers (${TRANSPORT})`, () => {
  it("a panic in an event handler does not kill the server nor the socket", async () => {
    const socket = await connect("/panic");
    try {
      socket.emit("boom");
      assert.deepEqual(await ask(socket, "echo", "next event"), ["next event"]);
      assert.ok(socket.connected);
      const other = await connect("/panic");
      assert.deepEqual(await ask(other, "echo", "new connection"), ["new connection"]);
      closeAll(other);
    } finally {
      closeAll(socket);
    }
  });

  it("a panic before the ack leaves the ack unanswered and the socket working", async () => {
    const socket = await connect("/panic");
    try {
      await assert.rejects(socket.timeout(500).emitWithAck("boom-ack"), /timed out/);
      assert.deepEqual(await ask(socket, "echo", 1), [1]);
    } finally {
      closeAll(socket);
    }
  });

  it("a panic in a catch-all listener does not kill the socket", async () => {
    const socket = await connect("/panic");
    try {
      socket.emit("boom-any");
      assert.deepEqual(await ask(socket, "echo", "after catch-all"), ["after catch-all"]);
    } finally {
      closeAll(socket);
    }
  });

  it("a panic in a connection handler leaves the socket connected", async () => {
    const socket = await connect("/panic-connect");
    try {
      assert.deepEqual(await ask(socket, "echo", "ok"), ["ok"]);
    } finally {
      closeAll(socket);
    }
  });
});
