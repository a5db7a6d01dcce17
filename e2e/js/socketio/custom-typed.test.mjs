// Binary inside Go values on a custom server (socketio_custom_test.go, /typed): the API
// promises that a []byte anywhere in the arguments travels as binary, and that Bind fills
// []byte fields and targets from binary attachments. socket.io-client must therefore get
// Buffers, not base64 strings, from structs, typed slices and maps.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { TRANSPORT, ask, closeAll, connect, next } from "../lib/sio-util.mjs";

const b = (...bytes) => Buffer.from(bytes);

function assertBinary(v, want, what) {
  assert.ok(Buffer.isBuffer(v) || v instanceof ArrayBuffer || ArrayBuffer.isView(v), `${what} is binary, not ${JSON.stringify(v)}`);
  assert.deepEqual(Buffer.from(v), want, what);
}

describe(`binary in Go values (${TRANSPORT})`, () => {
  it("a struct with []byte and [][]byte fields arrives with Buffers", async () => {
    const socket = await connect("/typed");
    try {
      const got = next(socket, "typed-struct");
      await ask(socket, "send-typed");
      const [v] = await got;
      assert.equal(v.name, "f");
      assertBinary(v.file, b(1, 2), "file");
      assert.equal(v.parts?.length, 2, "parts");
      assertBinary(v.parts[0], b(3), "parts[0]");
      assertBinary(v.parts[1], b(4, 5), "parts[1]");
      assertBinary(v.meta?.bin, b(6), "meta.bin");
    } finally {
      closeAll(socket);
    }
  });

  it("a pointer to a struct arrives like the struct", async () => {
    const socket = await connect("/typed");
    try {
      const got = next(socket, "typed-pointer");
      await ask(socket, "send-typed");
      const [v] = await got;
      assert.equal(v.name, "p");
      assertBinary(v.file, b(9), "file");
      assert.equal(v.parts, null);
      assert.equal(v.meta, null);
    } finally {
      closeAll(socket);
    }
  });

  it("a typed slice of maps holding []byte arrives with Buffers", async () => {
    const socket = await connect("/typed");
    try {
      const got = next(socket, "typed-slice");
      await ask(socket, "send-typed");
      const [v] = await got;
      assert.equal(v.length, 1);
      assertBinary(v[0].b, b(7), "[0].b");
    } finally {
      closeAll(socket);
    }
  });

  it("a map[string][]byte arrives with Buffers", async () => {
    const socket = await connect("/typed");
    try {
      const got = next(socket, "typed-map");
      await ask(socket, "send-typed");
      const [v] = await got;
      assertBinary(v.k, b(8), "k");
    } finally {
      closeAll(socket);
    }
  });

  it("Bind fills the []byte fields of a struct from Buffers", async () => {
    const socket = await connect("/typed");
    try {
      const res = await ask(socket, "bind-typed", { name: "up", file: b(10, 11, 12), parts: [b(1), b(2, 2)] });
      assert.deepEqual(res.slice(0, 4), [null, "up", 3, [1, 2]]);
      assertBinary(res[4], b(10, 11, 12), "file echoed");
    } finally {
      closeAll(socket);
    }
  });

  it("Bind fills a []byte target from a Buffer", async () => {
    const socket = await connect("/typed");
    try {
      const res = await ask(socket, "bind-bytes", b(13, 14));
      assert.equal(res[0], null);
      assertBinary(res[1], b(13, 14), "bytes echoed");
    } finally {
      closeAll(socket);
    }
  });
});
