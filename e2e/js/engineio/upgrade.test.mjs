// Upgrade polling → WebSocket with the official client (protocol.md B4): the probe, the
// pause of polling and the switch must lose, duplicate or reorder no message in either
// direction while traffic flows the whole time.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect, collectMessages, norm, sleep, waitFor } from "../lib/util.mjs";

// Sends messages 0..total-1 from open until at least `afterUpgrade` of them went out after
// the switch; `perTick` messages every `everyMs`. Every 10th message is binary.
async function trafficAcrossUpgrade({ total, perTick, everyMs, afterUpgrade = 50 }) {
  const { socket, handshake } = await connect({ transports: ["polling", "websocket"] });
  try {
    assert.deepEqual(handshake.upgrades, ["websocket"]);
    assert.equal(socket.transport.name, "polling", "the client starts on polling");

    const message = (i) => (i % 10 === 9 ? Buffer.from(`bin-${i}`) : `msg-${i}`);
    let sent = 0;
    let sentAtUpgrade = -1;
    const upgraded = waitFor(socket, "upgrade", { ms: 10000, failOn: ["upgradeError", "close"] })
      .then(([transport]) => { sentAtUpgrade = sent; return transport; });
    const got = [];
    socket.on("message", (data) => got.push(norm(data)));
    let closed = "";
    socket.on("close", (reason) => { closed = reason; });

    await new Promise((resolve, reject) => {
      const tick = () => {
        for (let k = 0; k < perTick && sent < total; k++) socket.send(message(sent++));
        if (sent >= total) {
          clearInterval(timer);
          if (sentAtUpgrade < 0) reject(new Error("all messages were sent before the upgrade happened"));
          else resolve();
        }
      };
      const timer = setInterval(tick, everyMs);
      // The first messages at once: the upgrade takes a few round trips, and
      // a server that completes them before the first tick would leave the
      // polling side of the switch untested.
      tick();
      // Stretch the run so that enough messages go out after the upgrade.
      upgraded.then(() => { if (total - sentAtUpgrade < afterUpgrade) total = sentAtUpgrade + afterUpgrade; }, reject);
    });

    const transport = await upgraded;
    assert.equal(transport.name, "websocket");
    assert.equal(socket.transport.name, "websocket");
    assert.ok(sentAtUpgrade > 0, "some messages went out over polling before the upgrade");

    const deadline = Date.now() + 20000;
    while (got.length < sent && !closed && Date.now() < deadline) await sleep(10);
    await sleep(100); // a duplicate would arrive about now
    assert.equal(closed, "", "the socket stayed open");
    const want = Array.from({ length: sent }, (_, i) => message(i));
    assert.deepEqual(got, want, "echoes arrive exactly once and in order");
    return { sentAtUpgrade, total: sent };
  } finally {
    socket.close();
  }
}

describe("upgrade polling → websocket", () => {
  it("upgrades by default and keeps working over websocket", async () => {
    const { socket } = await connect({});
    try {
      const [transport] = await waitFor(socket, "upgrade", { ms: 10000, failOn: ["upgradeError", "close"] });
      assert.equal(transport.name, "websocket");
      const got = collectMessages(socket, 2);
      socket.send("after upgrade");
      socket.send(Buffer.from([1, 2, 3]));
      const [text, bin] = await got;
      assert.equal(text, "after upgrade");
      assert.deepEqual(norm(bin), Buffer.from([1, 2, 3]));
    } finally {
      socket.close();
    }
  });

  it("500 messages sent one by one across the upgrade come back once, in order", async (t) => {
    const r = await trafficAcrossUpgrade({ total: 500, perTick: 1, everyMs: 1 });
    t.diagnostic(`${r.sentAtUpgrade} of ${r.total} sent before the upgrade`);
  });

  it("bursts of 25 messages across the upgrade come back once, in order", async (t) => {
    const r = await trafficAcrossUpgrade({ total: 2000, perTick: 25, everyMs: 2 });
    t.diagnostic(`${r.sentAtUpgrade} of ${r.total} sent before the upgrade`);
  });
});
