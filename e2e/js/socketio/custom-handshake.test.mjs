// Handshake details seen by a custom server (socketio_custom_test.go, /handshake): query,
// headers, auth and the client's address.
import { it } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import {
  SERVER_URL, TRANSPORT, ask, clientOptions, closeAll, connect, connected, next,
} from "../lib/sio-util.mjs";

it(`the server sees the query, headers, auth and address of the handshake (${TRANSPORT})`, async () => {
  const auth = { token: "t-1", z: 1, a: [true] };
  const socket = io(new URL("/handshake", SERVER_URL).href, clientOptions({
    forceNew: true,
    auth,
    query: { foo: "bar" },
    extraHeaders: { "x-test": "hello" },
  }));
  try {
    const got = next(socket, "handshake");
    await connected(socket);
    const [h] = await got;
    assert.equal(h.address, "127.0.0.1");
    assert.equal(h.foo, "bar");
    assert.equal(h.eio, "4");
    assert.equal(h.transport, TRANSPORT === "websocket" ? "websocket" : "polling", "transport of the first request");
    assert.equal(h.header, "hello");
    assert.deepEqual(h.auth, auth);
    assert.equal(h.secure, false);
    assert.equal(typeof h.issued, "number");
    assert.ok(Math.abs(Date.now() - h.issued) < 60000, `issued ${h.issued} is about now`);
  } finally {
    closeAll(socket);
  }
});

it(`the server sees the transport in use, after the upgrade too (${TRANSPORT})`, async () => {
  const socket = await connect("/handshake");
  try {
    const [transport] = await ask(socket, "transport");
    assert.equal(transport, TRANSPORT === "polling" ? "polling" : "websocket");
  } finally {
    closeAll(socket);
  }
});
