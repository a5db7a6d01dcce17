// Server-side acknowledgements on a custom server (socketio_custom_test.go, /acks and
// /gather-*): Socket.EmitWithAck answered by socket.io-client, EmitWithTimeout to a client
// that never answers (socketio.ErrTimeout), and a namespace broadcast with acks that
// gathers every answer, or the answers it got and a timeout.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { TRANSPORT, ask, closeAll, connect, connectN, next, sleep } from "../lib/sio-util.mjs";

describe(`server-side acks (${TRANSPORT})`, () => {
  it("EmitWithAck gets the client's answer, binary included", async () => {
    const socket = await connect("/acks");
    try {
      let question;
      socket.on("question", (a, b, c, d, cb) => {
        question = [a, b, c, Buffer.from(d)];
        cb(a + 1, `${b}!`, c, Buffer.concat([Buffer.from(d), Buffer.from([6])]), Buffer.from([9]));
      });
      const res = await ask(socket, "ask-me");
      assert.deepEqual(question, [1, "two", { three: 3 }, Buffer.from([4, 5])]);
      assert.equal(res.length, 6, JSON.stringify(res));
      assert.deepEqual(res.slice(0, 4), [null, 2, "two!", { three: 3 }]);
      assert.deepEqual(Buffer.from(res[4]), Buffer.from([4, 5, 6]));
      assert.deepEqual(Buffer.from(res[5]), Buffer.from([9]));
    } finally {
      closeAll(socket);
    }
  });

  it("EmitWithTimeout to a client that never answers fails with a timeout", async () => {
    const socket = await connect("/acks");
    try {
      let asked = 0;
      socket.on("ignore-me", (arg) => { assert.equal(arg, "please"); asked++; });
      const start = Date.now();
      const [timeout, message] = await ask(socket, "ask-ignored", 300);
      assert.equal(timeout, true);
      assert.match(message, /timed out/);
      assert.ok(Date.now() - start >= 250, "it waited for the timeout");
      assert.equal(asked, 1);
    } finally {
      closeAll(socket);
    }
  });

  it("an answer arriving after the timeout is dropped and the socket keeps working", async () => {
    const socket = await connect("/acks");
    try {
      socket.on("ignore-me", (arg, cb) => setTimeout(() => cb("too late"), 500));
      const [timeout] = await ask(socket, "ask-ignored", 100);
      assert.equal(timeout, true);
      await sleep(700); // the late answer went out
      socket.on("question", (a, b, c, d, cb) => cb("fine"));
      const res = await ask(socket, "ask-me");
      assert.deepEqual(res, [null, "fine"]);
      assert.ok(socket.connected);
    } finally {
      closeAll(socket);
    }
  });

  it("a client that disconnects instead of answering ends the server's wait", async () => {
    // The Go test checks the server side: EmitWithTimeout returns ErrDisconnected at once.
    const socket = await connect("/acks");
    try {
      const asked = next(socket, "leave-now");
      socket.emit("ask-then-leave");
      await asked;
      socket.disconnect();
      await sleep(200);
    } finally {
      closeAll(socket);
    }
  });

  it("a broadcast with acks gathers the answer of every client", async () => {
    const sockets = await connectN(3, "/gather-all");
    try {
      sockets.forEach((s, i) => s.on("poll", (q, cb) => { assert.equal(q, "which?"); cb(`c${i}`); }));
      const [answers, timeout] = await ask(sockets[0], "gather");
      assert.deepEqual(answers, ["c0", "c1", "c2"]);
      assert.equal(timeout, false);
    } finally {
      closeAll(sockets);
    }
  });

  it("a broadcast with acks returns the answers it got and a timeout when a client is silent", async () => {
    const sockets = await connectN(4, "/gather-partial");
    try {
      sockets.forEach((s, i) => s.on("poll", (q, cb) => { if (i < 3) cb(`c${i}`); }));
      const start = Date.now();
      const [answers, timeout] = await ask(sockets[0], "gather");
      assert.deepEqual(answers, ["c0", "c1", "c2"]);
      assert.equal(timeout, true);
      assert.ok(Date.now() - start >= 1500, `the server waited for its 2 s timeout (${Date.now() - start} ms)`);
    } finally {
      closeAll(sockets);
    }
  });
});
