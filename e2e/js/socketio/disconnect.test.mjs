// Disconnections against the test server contract (protocol.md C2): "disconnect-me" (the
// server leaves the namespace: "io server disconnect"), a client-side socket.disconnect()
// ("io client disconnect"), and what stays usable afterwards.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Manager } from "socket.io-client";
import {
  SERVER_URL, TRANSPORT, ask, clientOptions, closeAll, connect, connectMany, connectN, connected, next, sleep, until,
} from "../lib/sio-util.mjs";

describe(`disconnect (${TRANSPORT})`, () => {
  it("disconnect-me disconnects the client with reason \"io server disconnect\"", async () => {
    const socket = await connect("/");
    try {
      const gone = next(socket, "disconnect");
      socket.emit("disconnect-me");
      const [reason] = await gone;
      assert.equal(reason, "io server disconnect");
      assert.equal(socket.connected, false);
    } finally {
      closeAll(socket);
    }
  });

  it("disconnect-me on /custom leaves / connected on the shared connection", async () => {
    const { manager, sockets: [main, custom] } = await connectMany(["/", "/custom"]);
    try {
      const engine = manager.engine;
      const gone = next(custom, "disconnect");
      custom.emit("disconnect-me");
      assert.equal((await gone)[0], "io server disconnect");
      assert.equal(main.connected, true);
      assert.equal(manager.engine, engine);
      assert.deepEqual(await ask(main, "echo", "still here"), ["still here"]);
      // The server no longer lists the disconnected socket.
      const [ids] = await ask(main, "fetch-sockets");
      assert.ok(ids.includes(main.id));
    } finally {
      closeAll(main, custom);
    }
  });

  it("a socket disconnected by the server can connect again on the same connection", async () => {
    const { manager, sockets: [main, custom] } = await connectMany(["/", "/custom"]);
    try {
      const oldID = custom.id;
      const gone = next(custom, "disconnect");
      custom.emit("disconnect-me");
      await gone;
      const auth = next(custom, "auth");
      custom.connect();
      await connected(custom);
      await auth;
      assert.notEqual(custom.id, oldID, "a new socket id");
      assert.deepEqual(await ask(custom, "echo", "back"), ["back"]);
      assert.equal(custom.io.engine, manager.engine);
    } finally {
      closeAll(main, custom);
    }
  });

  it("socket.disconnect() gives the client reason \"io client disconnect\"", async () => {
    const socket = await connect("/custom");
    const gone = next(socket, "disconnect");
    socket.disconnect();
    assert.equal((await gone)[0], "io client disconnect");
    assert.equal(socket.connected, false);
  });

  it("the server forgets a socket after socket.disconnect()", async () => {
    const [watcher, leaving] = await connectN(2, "/custom");
    try {
      const id = leaving.id;
      assert.ok((await ask(watcher, "fetch-sockets"))[0].includes(id));
      leaving.disconnect();
      await until(async () => !(await ask(watcher, "fetch-sockets"))[0].includes(id), "the server to drop the socket");
    } finally {
      closeAll(watcher, leaving);
    }
  });

  it("leaving a namespace with socket.disconnect() keeps the other namespace and pings going", async () => {
    const manager = new Manager(SERVER_URL, clientOptions());
    const main = manager.socket("/");
    const custom = manager.socket("/custom");
    try {
      await Promise.all([connected(main), connected(custom)]);
      main.disconnect();
      await sleep(200);
      assert.equal(custom.connected, true);
      assert.deepEqual(await ask(custom, "echo", "ok"), ["ok"]);
      // The disconnected namespace can be joined again.
      const auth = next(main, "auth");
      main.connect();
      await connected(main);
      assert.deepEqual(await auth, [{}]);
      assert.deepEqual(await ask(main, "echo", "again"), ["again"]);
    } finally {
      closeAll(main, custom);
    }
  });

  it("closing the engine connection disconnects every namespace with \"forced close\"", async () => {
    const { manager, sockets: [main, custom] } = await connectMany(["/", "/custom"]);
    const reasons = Promise.all([next(main, "disconnect"), next(custom, "disconnect")]);
    manager.engine.close();
    // A client-side engine close: socket.io-client reports "forced close" to every socket.
    assert.deepEqual((await reasons).map(([r]) => r), ["forced close", "forced close"]);
  });
});
