// Server shutdown against the test server (shared/testserver.md "How it starts"): SIGTERM
// makes the server close every connection; socket.io-client sees "transport close" on every
// namespace of every connection. The Go driver then checks that the process exits with 0.
import { it } from "node:test";
import assert from "node:assert/strict";
import { signalServer } from "../lib/util.mjs";
import { TRANSPORT, ask, closeAll, connect, connectMany, next, sleep } from "../lib/sio-util.mjs";

it(`SIGTERM disconnects every socket with "transport close" (${TRANSPORT})`, async () => {
  const { sockets: multiplexed } = await connectMany(["/", "/custom"]);
  const single = await connect("/custom");
  const all = [...multiplexed, single];
  try {
    // Each socket is busy with something the server knows: rooms, a pending ack.
    await ask(single, "join", "some-room");
    const pendingAck = new Promise((resolve) => multiplexed[0].emit("no-such-event", () => resolve("acked")));
    const reasons = Promise.all(all.map((s) => next(s, "disconnect", 10000)));
    // Let every polling client's next GET reach the server and wait there: a poll still on
    // its way when the server stops listening fails with "transport error" instead.
    await sleep(200);
    signalServer("SIGTERM");
    assert.deepEqual((await reasons).map(([r]) => r), all.map(() => "transport close"));
    for (const s of all) assert.equal(s.connected, false);
    // The ack the server never sent stays unanswered (no crash, no late answer).
    const late = await Promise.race([pendingAck, new Promise((r) => setTimeout(() => r("none"), 200))]);
    assert.equal(late, "none");
  } finally {
    closeAll(all);
  }
});
