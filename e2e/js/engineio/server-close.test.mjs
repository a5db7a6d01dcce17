// Server-side close (protocol.md B3): SIGTERM makes the test server shut down gracefully,
// closing every session: engine.io-client sees "transport close" on both transports, and a
// pending raw polling GET is answered with the close packet "1". The Go driver then checks
// that the process exits with status 0.
import { it } from "node:test";
import assert from "node:assert/strict";
import { connect, poll, pollingHandshake, signalServer, sleep, waitFor } from "../lib/util.mjs";

it("SIGTERM closes polling and websocket clients with 'transport close'", async () => {
  const clients = await Promise.all([
    connect({ transports: ["polling"], upgrade: false }),
    connect({ transports: ["websocket"] }),
  ]);
  const { sid } = await pollingHandshake();
  const pending = poll(sid);
  await sleep(100); // let the GET reach the server and wait there

  const closed = clients.map(({ socket }) => waitFor(socket, "close", { ms: 5000 }));
  signalServer("SIGTERM");
  const reasons = (await Promise.all(closed)).map(([reason]) => reason);
  assert.deepEqual(reasons, ["transport close", "transport close"]);
  const res = await pending;
  assert.equal(res.status, 200);
  assert.equal(res.body, "1");
});
