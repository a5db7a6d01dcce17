// Raw Engine.IO protocol checks with fetch and the `ws` package, no client library
// (protocol.md A1–A4, B1, B3, B4): error answers, polling framing, concurrent requests,
// invalid packets, the upgrade probe done by hand. Default server flags.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import {
  SEP, assertError, eioURL, expectSessionGone, openWebSocket, poll, pollingHandshake, request,
  send, sleep, wsClosed, WebSocket, wsURL,
} from "../lib/util.mjs";

const HANDSHAKE_KEYS = ["maxPayload", "pingInterval", "pingTimeout", "sid", "upgrades"];

/**
 * Starts a GET and checks that it is still pending after `ms` (it waits on the server).
 * Returns { answer }, a promise of its response.
 */
async function pendingPoll(sid, ms = 100) {
  let settled = false;
  const answer = poll(sid).finally(() => { settled = true; });
  await sleep(ms);
  assert.equal(settled, false, "the GET should wait while nothing is buffered");
  return { answer };
}

/** Opens a raw WebSocket session (no polling at all) and returns it with its sid. */
async function wsSession() {
  const conn = await openWebSocket();
  const open = await conn.next();
  assert.match(open, /^0\{/);
  return { ...conn, sid: JSON.parse(open.slice(1)).sid };
}

describe("A1 endpoint and query errors", () => {
  const cases = [
    ["missing EIO", { EIO: null, transport: "polling" }, 5, "Unsupported protocol version"],
    ["EIO=3", { EIO: "3", transport: "polling" }, 5, "Unsupported protocol version"],
    ["EIO=abc", { EIO: "abc", transport: "polling" }, 5, "Unsupported protocol version"],
    ["missing transport", {}, 0, "Transport unknown"],
    ["unknown transport", { transport: "carrier-pigeon" }, 0, "Transport unknown"],
    ["unknown sid", { transport: "polling", sid: "nope-not-a-session" }, 1, "Session ID unknown"],
    ["transport=websocket as a plain GET", { transport: "websocket" }, 3, "Bad request"],
  ];
  for (const [name, query, code, message] of cases) {
    it(`${name} → 400 {"code":${code}}`, async () => {
      assertError(await request(query), 400, code, message);
    });
  }

  it("POST to an unknown sid → 400 code 1", async () => {
    assertError(await send("nope-not-a-session", "4x"), 400, 1, "Session ID unknown");
  });

  for (const method of ["POST", "PUT"]) {
    it(`${method} handshake → 400 code 2 "Bad handshake method"`, async () => {
      const res = await request({ transport: "polling" }, { method, body: "40" });
      assertError(res, 400, 2, "Bad handshake method");
    });
  }

  it("unknown query parameters are ignored", async () => {
    const { sid } = await pollingHandshake({ t: "NzAxZmE", foo: "bar" });
    assert.equal((await send(sid, "4x")).status, 200);
    assert.equal((await request({ transport: "polling", sid, t: "abc", j: "0" })).body, "4x");
  });

  it("a polling request on a websocket-only session → 400 code 3 (transport mismatch)", async () => {
    const { ws, sid } = await wsSession();
    try {
      assertError(await poll(sid), 400, 3, "Bad request");
    } finally {
      ws.close();
    }
  });

  it("a WebSocket upgrade with an unknown sid is refused with HTTP 400", async () => {
    await assert.rejects(openWebSocket({ sid: "nope-not-a-session" }), /Unexpected server response: 400/);
  });

  // protocol.md A1 says a failed upgrade gets HTTP 400 instead of 101. The reference does
  // that for transport/sid errors, but checks EIO only after the upgrade: it answers 101 and
  // then drops the connection without a frame. Both are accepted here.
  it("a WebSocket upgrade with EIO=3 never gets an open packet and ends", async () => {
    const ws = new WebSocket(wsURL({ EIO: "3" }));
    ws.on("message", (m) => assert.fail(`got a frame: ${m}`));
    await wsClosed(ws);
  });
});

describe("A2 handshake", () => {
  it("polling: 0{...} with exactly the five keys, text/plain; charset=UTF-8, no-store", async () => {
    const { res, ...open } = await pollingHandshake();
    assert.equal(res.headers.get("content-type"), "text/plain; charset=UTF-8");
    assert.match(res.headers.get("cache-control") ?? "", /no-store/);
    assert.deepEqual(Object.keys(open).sort(), HANDSHAKE_KEYS);
    assert.equal(typeof open.sid, "string");
    assert.deepEqual(open.upgrades, ["websocket"]);
    assert.equal(open.pingInterval, 25000);
    assert.equal(open.pingTimeout, 20000);
    assert.equal(open.maxPayload, 1000000);
  });

  it("websocket: the first frame is 0{...} with upgrades []", async () => {
    const { ws, next } = await openWebSocket();
    try {
      const first = await next();
      assert.equal(first[0], "0");
      const open = JSON.parse(first.slice(1));
      assert.deepEqual(Object.keys(open).sort(), HANDSHAKE_KEYS);
      assert.deepEqual(open.upgrades, []);
    } finally {
      ws.close();
    }
  });

  it("every handshake gets a new sid", async () => {
    const sids = new Set();
    for (let i = 0; i < 20; i++) sids.add((await pollingHandshake()).sid);
    assert.equal(sids.size, 20);
  });
});

describe("A3 polling data flow", () => {
  it("POST answers 200 ok (text/html); GET returns the echo as text/plain; charset=UTF-8", async () => {
    const { sid } = await pollingHandshake();
    const post = await send(sid, "4hello");
    assert.equal(post.status, 200);
    assert.equal(post.body, "ok");
    assert.match(post.headers.get("content-type") ?? "", /^text\/html/);
    const get = await poll(sid);
    assert.equal(get.status, 200);
    assert.equal(get.headers.get("content-type"), "text/plain; charset=UTF-8");
    assert.equal(get.body, "4hello");
  });

  it("a payload of text, binary (b + base64) and empty messages is echoed as one payload", async () => {
    const { sid } = await pollingHandshake();
    const payload = ["4hello", "bAQID/w==", "4", "4é✓", "b"].join(SEP);
    assert.equal((await send(sid, payload)).status, 200);
    assert.equal((await poll(sid)).body, payload);
  });

  it("a pending GET is answered as soon as a message is queued", async () => {
    const { sid } = await pollingHandshake();
    const get = await pendingPoll(sid);
    assert.equal((await send(sid, "4late")).status, 200);
    assert.equal((await get.answer).body, "4late");
  });

  it("a second concurrent GET → 400, the first gets the close packet, the session is closed", async () => {
    const { sid } = await pollingHandshake();
    const first = await pendingPoll(sid);
    const second = await poll(sid);
    assert.equal(second.status, 400);
    const res = await first.answer;
    assert.equal(res.status, 200);
    assert.equal(res.body, "1");
    assertError(await expectSessionGone(sid), 400, 1, "Session ID unknown");
  });

  it("a second concurrent POST → 400 and the session is closed; the first POST ends", async (t) => {
    const { sid } = await pollingHandshake();
    // A POST whose body is still being written keeps the first request open.
    const url = eioURL({ transport: "polling", sid });
    const slow = http.request(url, {
      method: "POST", headers: { "Content-Length": "10", "Content-Type": "text/plain" }, timeout: 2000,
    });
    slow.on("timeout", () => slow.destroy(new Error("no answer within 2 s")));
    const slowDone = new Promise((resolve) => {
      slow.on("response", (res) => { res.resume(); res.on("end", () => resolve(res.statusCode)); });
      slow.on("error", (err) => resolve(err.message));
    });
    slow.write("4ab");
    await sleep(100);
    // Answered at once, not queued behind the first POST.
    const second = await send(sid, "4cd", { signal: AbortSignal.timeout(2000) });
    assert.equal(second.status, 400);
    slow.end("cdefgh");
    const first = await slowDone;
    // The reference drops the first POST's connection ("socket hang up"); an HTTP answer is
    // fine too. Leaving it hanging is not.
    t.diagnostic(`first POST: ${first}`);
    assert.notEqual(first, "no answer within 2 s");
    assertError(await expectSessionGone(sid), 400, 1, "Session ID unknown");
  });

  it("a body that does not parse (abc) closes the session", async () => {
    const { sid } = await pollingHandshake();
    await send(sid, "abc"); // the reference answers 200 ok; any status will do
    assertError(await expectSessionGone(sid), 400, 1, "Session ID unknown");
  });

  it("an unknown packet type (9) closes the session", async () => {
    const { sid } = await pollingHandshake();
    await send(sid, "9hello");
    assertError(await expectSessionGone(sid), 400, 1, "Session ID unknown");
  });

  it("a POST with Content-Type application/octet-stream → 400 and the session is closed", async () => {
    const { sid } = await pollingHandshake();
    const res = await send(sid, new Uint8Array([4, 1, 2, 3]), { headers: { "Content-Type": "application/octet-stream" } });
    assert.equal(res.status, 400);
    assertError(await expectSessionGone(sid), 400, 1, "Session ID unknown");
  });
});

describe("A4 websocket frames", () => {
  it("text and binary frames are echoed one packet per frame", async () => {
    const { ws, next } = await wsSession();
    try {
      ws.send("4hello");
      ws.send(Buffer.from([0, 1, 2, 255]));
      ws.send("4");
      assert.equal(await next(), "4hello");
      assert.deepEqual(await next(), Buffer.from([0, 1, 2, 255]));
      assert.equal(await next(), "4");
    } finally {
      ws.close();
    }
  });

  it("an invalid frame (abc) closes the session", async () => {
    const { ws, sid } = await wsSession();
    ws.send("abc");
    await wsClosed(ws);
    assertError(await expectSessionGone(sid), 400, 1, "Session ID unknown");
  });
});

describe("B2/B3 client packets", () => {
  it("polling: a client ping (2) is an invalid heartbeat direction and closes the session", async () => {
    const { sid } = await pollingHandshake();
    await send(sid, "2");
    assertError(await expectSessionGone(sid), 400, 1, "Session ID unknown");
  });

  it("websocket: a client ping (2) closes the connection", async () => {
    const { ws, sid } = await wsSession();
    ws.send("2");
    await wsClosed(ws);
    assertError(await expectSessionGone(sid), 400, 1, "Session ID unknown");
  });

  it("polling: a client close (1) releases the pending GET with a noop (6) and ends the session", async () => {
    const { sid } = await pollingHandshake();
    const get = await pendingPoll(sid);
    assert.equal((await send(sid, "1")).status, 200);
    const res = await get.answer;
    assert.equal(res.status, 200);
    assert.equal(res.body, "6");
    assertError(await expectSessionGone(sid), 400, 1, "Session ID unknown");
  });
});

describe("B4 upgrade by hand", () => {
  it("2probe → 3probe, the pending GET gets 6, 5 switches, buffered messages follow on the WS", async () => {
    const { sid } = await pollingHandshake();
    const get = await pendingPoll(sid);

    const probe = await openWebSocket({ sid });
    try {
      probe.ws.send("2probe");
      assert.equal(await probe.next(), "3probe");
      const released = await get.answer;
      assert.equal(released.status, 200);
      assert.equal(released.body, "6");

      // Sent over polling while the upgrade is pending: the echo is buffered on the server
      // and must come over the WebSocket once the upgrade is done.
      assert.equal((await send(sid, "4buffered")).status, 200);
      probe.ws.send("5");
      assert.equal(await probe.next(), "4buffered");

      probe.ws.send("4over ws");
      assert.equal(await probe.next(), "4over ws");
      probe.ws.send(Buffer.from([9, 8, 7]));
      assert.deepEqual(await probe.next(), Buffer.from([9, 8, 7]));

      // Polling is over for this session.
      assertError(await poll(sid), 400, 3, "Bad request");
      assertError(await send(sid, "4x"), 400, 3, "Bad request");

      // A second WebSocket for the upgraded session is closed (the reference accepts the
      // upgrade and closes it at once; refusing the upgrade is fine too).
      const second = new WebSocket(wsURL({ sid }));
      second.on("message", (m) => assert.fail(`second websocket got a message: ${m}`));
      await wsClosed(second);

      // The upgraded WebSocket still works.
      probe.ws.send("4still");
      assert.equal(await probe.next(), "4still");
    } finally {
      probe.ws.close();
    }
  });

  it("a GET arriving while the upgrade is pending is answered with 6", async () => {
    const { sid } = await pollingHandshake();
    const probe = await openWebSocket({ sid });
    try {
      probe.ws.send("2probe");
      assert.equal(await probe.next(), "3probe");
      const res = await poll(sid);
      assert.equal(res.status, 200);
      assert.equal(res.body, "6");
    } finally {
      probe.ws.close();
    }
  });

  it("anything but 2probe/5 on the probe WebSocket closes it; polling goes on", async () => {
    const { sid } = await pollingHandshake();
    const probe = await openWebSocket({ sid });
    probe.ws.send("4not a probe");
    await wsClosed(probe.ws);
    assert.equal((await send(sid, "4polling")).status, 200);
    assert.equal((await poll(sid)).body, "4polling");
    await send(sid, "1");
  });
});
