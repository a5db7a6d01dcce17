// Namespace middlewares of a custom server (socketio_custom_test.go, /mw and /mw-panic):
// they run in order, and a refusal reaches the client's connect_error with the message
// and the data of a *socketio.ConnectError (protocol.md C2).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import {
  SERVER_URL, TRANSPORT, clientOptions, closeAll, connectError, connected, next, sleep,
} from "../lib/sio-util.mjs";

const open = (nsp, auth) => io(new URL(nsp, SERVER_URL).href, clientOptions({ forceNew: true, auth }));

describe(`middlewares (${TRANSPORT})`, () => {
  it("middlewares run in the order they were added, then the connection handler", async () => {
    const socket = open("/mw", { tag: "ok" });
    try {
      const order = next(socket, "order");
      await connected(socket);
      assert.deepEqual(await order, [["one", "two", "three"]]);
    } finally {
      closeAll(socket);
    }
  });

  it("a ConnectError reaches connect_error with its message and data", async () => {
    const socket = open("/mw", { tag: "refuse-two", refuse: "two" });
    try {
      const err = await connectError(socket);
      assert.equal(err.message, "refused by two");
      assert.deepEqual(err.data, { code: 403, tag: "refuse-two", list: [1, "a", { b: null }] });
      assert.equal(socket.connected, false);
    } finally {
      closeAll(socket);
    }
  });

  it("a plain error reaches connect_error with its message and no data", async () => {
    const socket = open("/mw", { tag: "refuse-three", refuse: "three" });
    try {
      const err = await connectError(socket);
      assert.equal(err.message, "refused by three");
      assert.equal(err.data, undefined);
    } finally {
      closeAll(socket);
    }
  });

  it("ConnectError data may be a string", async () => {
    const socket = open("/mw", { tag: "refuse-string", refuse: "string-data" });
    try {
      const err = await connectError(socket);
      assert.equal(err.message, "with string data");
      assert.equal(err.data, "just a string");
    } finally {
      closeAll(socket);
    }
  });

  it("a refused socket can retry with new auth", async () => {
    const socket = open("/mw", { tag: "retry", refuse: "two" });
    try {
      const err = await connectError(socket);
      assert.equal(err.message, "refused by two");
      socket.auth = { tag: "retry" };
      const order = next(socket, "order");
      socket.connect();
      await connected(socket);
      assert.deepEqual(await order, [["one", "two", "three"]]);
    } finally {
      closeAll(socket);
    }
  });

  it("a refusal on one namespace leaves the other namespaces of the connection alone", async () => {
    const ok = open("/mw", { tag: "ok" });
    const manager = ok.io;
    try {
      await connected(ok);
      // A middleware refusal elsewhere on the same connection (the dynamic namespaces'
      // parent middleware of this server denies on auth.deny).
      const refused = manager.socket("/dyn-3", { auth: { tag: "denied", deny: true } });
      assert.equal((await connectError(refused)).message, "denied in /dyn-3");
      assert.equal(ok.connected, true);
      assert.equal(manager.engine.readyState, "open");
    } finally {
      closeAll(ok);
    }
  });

  it("a middleware that panics refuses the connection", async () => {
    const socket = open("/mw-panic", { tag: "panic" });
    let welcomed = false;
    socket.on("welcome", () => { welcomed = true; });
    try {
      const err = await connectError(socket);
      assert.ok(err instanceof Error);
      assert.equal(socket.connected, false);
      await sleep(200);
      assert.equal(welcomed, false, "the connection handler must not run");
    } finally {
      closeAll(socket);
    }
  });
});
