// Dynamic namespaces of a custom server (socketio_custom_test.go, OfRegexp(^/dyn-\d+$)):
// matching names connect with the parent's middleware and handlers, other names get
// "Invalid namespace", and the parent's broadcasts reach every child.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import {
  SERVER_URL, TRANSPORT, ask, clientOptions, closeAll, connectError, connected, next, recorder, sleep,
} from "../lib/sio-util.mjs";

const open = (nsp, auth) => io(new URL(nsp, SERVER_URL).href, clientOptions({ forceNew: true, auth }));

async function openWelcomed(nsp, tag) {
  const socket = open(nsp, { tag });
  const welcome = next(socket, "welcome");
  await connected(socket);
  assert.deepEqual(await welcome, [nsp]);
  return socket;
}

describe(`dynamic namespaces (${TRANSPORT})`, () => {
  it("a name the regexp accepts connects with the parent's handlers", async () => {
    const socket = await openWelcomed("/dyn-1", "a");
    try {
      assert.deepEqual(await ask(socket, "echo", "x", { y: Buffer.from([1]) }).then(([a, b]) => [a, Buffer.from(b.y)]), ["x", Buffer.from([1])]);
    } finally {
      closeAll(socket);
    }
  });

  it("several children live side by side", async () => {
    const a = await openWelcomed("/dyn-1", "a");
    const b = await openWelcomed("/dyn-22", "b");
    try {
      assert.deepEqual(await ask(a, "echo", 1), [1]);
      assert.deepEqual(await ask(b, "echo", 2), [2]);
    } finally {
      closeAll(a, b);
    }
  });

  it("the parent's middleware runs for every child", async () => {
    const socket = open("/dyn-3", { tag: "denied", deny: true });
    try {
      const err = await connectError(socket);
      assert.equal(err.message, "denied in /dyn-3");
    } finally {
      closeAll(socket);
    }
  });

  it("a name the regexp refuses gets \"Invalid namespace\"", async () => {
    for (const nsp of ["/other", "/dyn-x", "/dyn-1/sub", "/dyn-"]) {
      const socket = open(nsp, { tag: "invalid" });
      try {
        const err = await connectError(socket);
        assert.equal(err.message, "Invalid namespace", nsp);
      } finally {
        closeAll(socket);
      }
    }
  });

  it("a broadcast of the parent reaches every child", async () => {
    const a = await openWelcomed("/dyn-1", "a");
    const b = await openWelcomed("/dyn-22", "b");
    try {
      const gotA = next(a, "from-parent");
      const gotB = next(b, "from-parent");
      await ask(a, "parent-broadcast");
      assert.deepEqual(await Promise.all([gotA, gotB]), [["/dyn-1"], ["/dyn-1"]]);
    } finally {
      closeAll(a, b);
    }
  });

  it("a broadcast of a child stays in that child", async () => {
    const a = await openWelcomed("/dyn-1", "a");
    const b = await openWelcomed("/dyn-22", "b");
    try {
      const recB = recorder(b, "from-child");
      const gotA = next(a, "from-child");
      await ask(a, "child-broadcast");
      assert.deepEqual(await gotA, ["/dyn-1"]);
      await ask(b, "echo");
      await sleep(50);
      assert.deepEqual(recB.stop(), []);
    } finally {
      closeAll(a, b);
    }
  });
});
