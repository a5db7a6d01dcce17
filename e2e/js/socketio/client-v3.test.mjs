// socket.io-client 3.x (protocol v5, like 4.x) against the server: it connects to both
// namespaces, gets the auth event, emits and gets acks, binary included.
import { it } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client-v3";
import { SERVER_URL, TRANSPORT, clientOptions, connected, next } from "../lib/sio-util.mjs";

function connectV3(nsp, opts = {}) {
  // v3 takes the same transports option; "upgrade" mode starts on polling.
  return io(new URL(nsp, SERVER_URL).href, clientOptions({ forceNew: true, ...opts }));
}

function askV3(socket, event, ...args) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ack to ${event}`)), 10000);
    socket.emit(event, ...args, (...res) => { clearTimeout(timer); resolve(res); });
  });
}

it(`socket.io-client v3 connects, emits and gets acks (${TRANSPORT})`, async () => {
  const socket = connectV3("/", { auth: { v: 3, token: "x" } });
  const custom = connectV3("/custom");
  try {
    const auth = next(socket, "auth");
    await Promise.all([connected(socket), connected(custom)]);
    assert.deepEqual(await auth, [{ v: 3, token: "x" }]);
    assert.ok(socket.id);

    assert.deepEqual(await askV3(socket, "echo", "v3", 1, null, { a: [true] }), ["v3", 1, null, { a: [true] }]);
    const [b] = await askV3(custom, "echo", { bin: Buffer.from([1, 2, 3]) });
    assert.deepEqual(Buffer.from(b.bin), Buffer.from([1, 2, 3]));

    const back = next(socket, "message-back");
    socket.emit("message", "hello from v3");
    assert.deepEqual(await back, ["hello from v3"]);

    assert.deepEqual(await askV3(custom, "server-count"), [1]);

    if (TRANSPORT === "upgrade") {
      const engine = socket.io.engine;
      if (engine.transport.name !== "websocket") await next(engine, "upgrade", 10000);
      assert.equal(engine.transport.name, "websocket");
      assert.deepEqual(await askV3(socket, "echo", "after upgrade"), ["after upgrade"]);
    }

    const gone = next(socket, "disconnect");
    socket.emit("disconnect-me");
    assert.equal((await gone)[0], "io server disconnect");
  } finally {
    socket.close();
    custom.close();
  }
});
