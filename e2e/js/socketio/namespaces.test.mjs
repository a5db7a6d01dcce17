// Namespaces against the test server contract (shared/testserver.md; protocol.md C2):
// "/" and "/custom" multiplexed on one Engine.IO connection, the "auth" event echoing the
// CONNECT payload, and "Invalid namespace" for any other namespace.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Manager } from "socket.io-client";
import {
  SERVER_URL, TRANSPORT, ask, clientOptions, closeAll, connectError, connectMany, next, settled,
} from "../lib/sio-util.mjs";

describe(`namespaces (${TRANSPORT})`, () => {
  it("connects to / and /custom multiplexed on one engine connection", async () => {
    const { manager, sockets: [main, custom] } = await connectMany(["/", "/custom"]);
    try {
      assert.equal(main.io, manager);
      assert.equal(custom.io, manager);
      assert.equal(main.io.engine, custom.io.engine, "both namespaces share one engine.io-client socket");
      assert.ok(main.connected && custom.connected);
      assert.ok(main.id && custom.id);
      assert.notEqual(main.id, custom.id, "each namespace gets its own socket id");
      assert.notEqual(main.id, manager.engine.id, "the socket id is not the engine session id");
      // Both work at the same time on the shared connection.
      const [a, b] = await Promise.all([ask(main, "echo", "on /"), ask(custom, "echo", "on /custom")]);
      assert.deepEqual(a, ["on /"]);
      assert.deepEqual(b, ["on /custom"]);
      // fetch-sockets lists each socket in its own namespace only.
      const [[mainIDs], [customIDs]] = await Promise.all([ask(main, "fetch-sockets"), ask(custom, "fetch-sockets")]);
      assert.ok(mainIDs.includes(main.id) && !mainIDs.includes(custom.id), `/ lists ${mainIDs}`);
      assert.ok(customIDs.includes(custom.id) && !customIDs.includes(main.id), `/custom lists ${customIDs}`);
    } finally {
      closeAll(main, custom);
    }
  });

  it("leaving one namespace keeps the other one and the connection working", async () => {
    const { manager, sockets: [main, custom] } = await connectMany(["/", "/custom"]);
    try {
      const engine = manager.engine;
      main.disconnect();
      assert.deepEqual(await ask(custom, "echo", 1, "two"), [1, "two"]);
      assert.equal(manager.engine, engine);
      assert.equal(engine.readyState, "open");
    } finally {
      closeAll(main, custom);
    }
  });

  it("a namespace joined later rides the existing connection", async () => {
    const { manager, sockets: [main] } = await connectMany(["/"]);
    const engine = manager.engine;
    const custom = manager.socket("/custom");
    try {
      const [auth] = await next(custom, "auth");
      assert.deepEqual(auth, {});
      assert.equal(manager.engine, engine, "no second engine connection");
      assert.deepEqual(await ask(custom, "echo", "late"), ["late"]);
    } finally {
      closeAll(main, custom);
    }
  });

  it("emits auth with {} when the client sent no auth payload", async () => {
    const manager = new Manager(SERVER_URL, clientOptions());
    const sockets = [manager.socket("/"), manager.socket("/custom")];
    try {
      const got = await Promise.all(sockets.map((s) => next(s, "auth")));
      assert.deepEqual(got, [[{}], [{}]]);
    } finally {
      closeAll(sockets);
    }
  });

  it("emits auth with the auth payload, key order and nesting kept", async () => {
    const auth = { zeta: 1, alpha: "two", mid: { y: [1, 2.5, -3], b: null, a: true }, "": "empty key", "ü": "ß" };
    const manager = new Manager(SERVER_URL, clientOptions());
    const main = manager.socket("/", { auth });
    const custom = manager.socket("/custom", { auth: { token: "abc" } });
    try {
      const [[gotMain], [gotCustom]] = await Promise.all([next(main, "auth"), next(custom, "auth")]);
      assert.deepEqual(gotMain, auth);
      assert.equal(JSON.stringify(gotMain), JSON.stringify(auth), "same keys in the same order");
      assert.deepEqual(gotCustom, { token: "abc" }, "each namespace sees its own auth");
      await settled(manager.engine);
    } finally {
      closeAll(main, custom);
    }
  });

  it("auth given as a function is sent with the CONNECT", async () => {
    const manager = new Manager(SERVER_URL, clientOptions());
    const socket = manager.socket("/custom", { auth: (cb) => cb({ fromFunction: [1, { x: "y" }] }) });
    try {
      const [auth] = await next(socket, "auth");
      assert.deepEqual(auth, { fromFunction: [1, { x: "y" }] });
    } finally {
      closeAll(socket);
    }
  });

  it("refuses an unknown namespace with connect_error \"Invalid namespace\"", async () => {
    const manager = new Manager(SERVER_URL, clientOptions());
    const bad = manager.socket("/random");
    try {
      const err = await connectError(bad);
      assert.equal(err.message, "Invalid namespace");
      assert.equal(bad.connected, false);
      // The connection stays open: another namespace still connects over it.
      const good = manager.socket("/custom");
      const [auth] = await next(good, "auth");
      assert.deepEqual(auth, {});
      assert.deepEqual(await ask(good, "echo", "still open"), ["still open"]);
      closeAll(good);
    } finally {
      closeAll(bad);
    }
  });

  it("refuses nested and look-alike namespaces", async () => {
    const manager = new Manager(SERVER_URL, clientOptions());
    const names = ["/custom/sub", "/Custom", "/custom2", "/socket.io"];
    const sockets = names.map((n) => manager.socket(n));
    try {
      const errs = await Promise.all(sockets.map((s) => connectError(s)));
      assert.deepEqual(errs.map((e) => e.message), names.map(() => "Invalid namespace"));
    } finally {
      closeAll(sockets);
    }
  });
});
