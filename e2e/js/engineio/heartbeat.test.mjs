// Heartbeat (protocol.md B2), run with -ping-interval 300ms -ping-timeout 200ms:
// the server pings on both transports and a client that answers stays connected; a
// client that never answers is dropped after pingInterval + pingTimeout.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  assertError, connect, openWebSocket, poll, pollingHandshake, send, sleep, wsClosed,
} from "../lib/util.mjs";

const PING_INTERVAL = 300;
const PING_TIMEOUT = 200;
const MARGIN = 300; // scheduling slack of server and client

describe("heartbeat", () => {
  // These three only wait: run them side by side.
  describe("clients that answer pings", { concurrency: true }, () => {
    for (const transports of [["polling"], ["websocket"], ["polling", "websocket"]]) {
      it(`a client on ${transports.join("+")} that answers pings stays open for 2.5 s`, async () => {
        const { socket, handshake } = await connect({ transports });
        try {
          assert.equal(handshake.pingInterval, PING_INTERVAL);
          assert.equal(handshake.pingTimeout, PING_TIMEOUT);
          let pings = 0;
          let closed = null;
          socket.on("ping", () => pings++);
          socket.on("close", (reason) => { closed = reason; });
          await sleep(2500);
          assert.equal(closed, null, `closed early: ${closed}`);
          assert.equal(socket.readyState, "open");
          // ~8 pings in 2.5 s; allow for timer drift.
          assert.ok(pings >= 5, `only ${pings} pings in 2.5 s`);
        } finally {
          socket.close();
        }
      });
    }
  });

  it("polling: the server pings at pingInterval after the handshake", async () => {
    const start = Date.now();
    const { sid } = await pollingHandshake();
    const res = await poll(sid); // held until the first ping
    const elapsed = Date.now() - start;
    assert.equal(res.status, 200);
    assert.equal(res.body, "2");
    // Not before pingInterval; the upper bound only catches a ping that never comes on time
    // (loose, for loaded machines).
    assert.ok(elapsed >= PING_INTERVAL - 50 && elapsed < PING_INTERVAL + 2000, `first ping after ${elapsed} ms`);
  });

  it("polling: a session that never polls nor pongs is gone after pingInterval + pingTimeout", async () => {
    const { sid } = await pollingHandshake();
    await sleep(PING_INTERVAL + PING_TIMEOUT + MARGIN);
    assertError(await poll(sid), 400, 1, "Session ID unknown");
  });

  it("polling: a session that gets the ping but never pongs is gone after pingInterval + pingTimeout", async () => {
    const start = Date.now();
    const { sid } = await pollingHandshake();
    assert.equal((await poll(sid)).body, "2");
    await sleep(Math.max(0, start + PING_INTERVAL + PING_TIMEOUT + MARGIN - Date.now()));
    assertError(await poll(sid), 400, 1, "Session ID unknown");
  });

  it("polling: answering pings by hand keeps the session alive", async () => {
    const { sid } = await pollingHandshake();
    const until = Date.now() + 3 * (PING_INTERVAL + PING_TIMEOUT);
    let pings = 0;
    while (Date.now() < until) {
      const res = await poll(sid);
      assert.equal(res.status, 200, `GET: ${res.status} ${res.body}`);
      for (const packet of res.body.split("\x1e")) {
        if (packet === "2") {
          pings++;
          const pong = await send(sid, "3");
          assert.equal(pong.status, 200);
        }
      }
    }
    assert.ok(pings >= 3, `${pings} pings`);
  });

  it("websocket: a raw client that never pongs is disconnected", async () => {
    const start = Date.now();
    const { ws, next } = await openWebSocket();
    assert.match(await next(), /^0\{/);
    assert.equal(await next(), "2");
    await wsClosed(ws, PING_INTERVAL + PING_TIMEOUT + MARGIN + 500);
    const elapsed = Date.now() - start;
    assert.ok(elapsed >= PING_INTERVAL + PING_TIMEOUT - 50, `closed after only ${elapsed} ms`);
  });
});
