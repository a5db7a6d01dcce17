// maxPayload (protocol.md A3, A4), run with -max-payload 1000: it is advertised in the
// handshake; a polling body above it gets 413 (the session stays up); a WebSocket frame
// above it closes the connection; the client splits its POSTs to fit.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  collectMessages, connect, openWebSocket, poll, pollingHandshake, send, waitFor, wsClosed,
} from "../lib/util.mjs";

const MAX = 1000;

describe("maxPayload 1000", () => {
  for (const transport of ["polling", "websocket"]) {
    it(`${transport}: the handshake advertises maxPayload 1000`, async () => {
      const { socket, handshake } = await connect({ transports: [transport], upgrade: false });
      socket.close();
      assert.equal(handshake.maxPayload, MAX);
    });
  }

  it("websocket: a 900-byte message is echoed, a 5000-byte one closes the connection", async (t) => {
    const { socket } = await connect({ transports: ["websocket"] });
    try {
      const small = "s".repeat(900);
      const got = collectMessages(socket, 1);
      socket.send(small);
      assert.equal((await got)[0], small);

      const closed = waitFor(socket, "close", { ms: 3000 });
      socket.send("b".repeat(5000));
      const [reason] = await closed;
      t.diagnostic(`client close reason: ${reason}`);
    } finally {
      socket.close();
    }
  });

  it("websocket: a raw frame of exactly maxPayload bytes passes, one byte more closes", async (t) => {
    const { ws, next } = await openWebSocket();
    assert.match(await next(), /^0\{/);
    const exact = "4" + "e".repeat(MAX - 1);
    ws.send(exact);
    assert.equal(await next(), exact);
    ws.send("4" + "e".repeat(MAX));
    const code = await wsClosed(ws);
    t.diagnostic(`close code ${code}`); // the reference closes with 1009 (message too big)
  });

  it("polling: a POST body of maxPayload bytes is accepted, one byte more gets 413", async () => {
    const { sid } = await pollingHandshake();
    const exact = "4" + "p".repeat(MAX - 1);
    const ok = await send(sid, exact);
    assert.equal(ok.status, 200);
    assert.equal(ok.body, "ok");
    assert.equal((await poll(sid)).body, exact);

    const tooBig = await send(sid, "4" + "p".repeat(MAX));
    assert.equal(tooBig.status, 413);

    // The session stays up after a 413.
    assert.equal((await send(sid, "4still here")).status, 200);
    assert.equal((await poll(sid)).body, "4still here");
    await send(sid, "1");
  });

  it("polling: the client splits its POSTs to fit, and every message is echoed in order", async () => {
    const { socket } = await connect({ transports: ["polling"], upgrade: false });
    try {
      const sent = Array.from({ length: 60 }, (_, i) => `${i}:`.padEnd(150, "x"));
      const got = collectMessages(socket, sent.length);
      for (const m of sent) socket.send(m);
      assert.deepEqual(await got, sent);
    } finally {
      socket.close();
    }
  });

  it("polling: a single message above maxPayload closes the client", async (t) => {
    const { socket } = await connect({ transports: ["polling"], upgrade: false });
    try {
      const closed = waitFor(socket, "close", { ms: 3000 });
      socket.send("b".repeat(5000));
      const [reason] = await closed;
      t.diagnostic(`client close reason: ${reason}`);
    } finally {
      socket.close();
    }
  });
});
