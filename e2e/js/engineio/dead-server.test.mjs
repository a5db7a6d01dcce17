// The client detects a dead server (protocol.md B2, client side): run with
// -ping-interval 300ms -ping-timeout 200ms. Once the server process is frozen with SIGSTOP
// (SERVER_PID from the Go driver) no ping comes, and engine.io-client closes with
// "ping timeout" after pingInterval + pingTimeout. SIGCONT follows (the Go driver also
// sends SIGCONT before stopping the server, should this test fail half-way).
import { it } from "node:test";
import assert from "node:assert/strict";
import { connect, signalServer, waitFor } from "../lib/util.mjs";

const PING_INTERVAL = 300;
const PING_TIMEOUT = 200;

it("clients on polling and on websocket close with 'ping timeout' when the server freezes", async () => {
  const clients = await Promise.all([
    connect({ transports: ["polling"] }),
    connect({ transports: ["websocket"] }),
  ]);
  try {
    // Wait for a ping on each, so the heartbeat is known to run, and freeze right after it.
    await Promise.all(clients.map(({ socket }) => waitFor(socket, "ping", { ms: 2000 })));
    const closed = clients.map(({ socket }) => waitFor(socket, "close", { ms: 5000 }));
    const frozenAt = Date.now();
    signalServer("SIGSTOP");
    try {
      const results = await Promise.all(closed);
      const elapsed = Date.now() - frozenAt;
      for (const [reason] of results) assert.equal(reason, "ping timeout");
      assert.ok(elapsed <= PING_INTERVAL + PING_TIMEOUT + 1500, `closed ${elapsed} ms after the freeze`);
    } finally {
      signalServer("SIGCONT");
    }
  } finally {
    for (const { socket } of clients) socket.close();
  }
});
