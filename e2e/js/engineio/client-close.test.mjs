// Client-side close (protocol.md B3): socket.close() gives "forced close" on the client,
// and the server forgets the session at once (a GET with the old sid gets 400 code 1).
import { it } from "node:test";
import assert from "node:assert/strict";
import { assertError, connect, expectSessionGone, waitFor } from "../lib/util.mjs";

for (const [name, opts] of [
  ["polling", { transports: ["polling"], upgrade: false }],
  ["websocket", { transports: ["websocket"] }],
  ["upgraded websocket", { transports: ["polling", "websocket"] }],
]) {
  it(`${name}: close() gives "forced close" and ends the server session`, async () => {
    const { socket } = await connect(opts);
    if (name === "upgraded websocket") {
      await waitFor(socket, "upgrade", { failOn: ["upgradeError", "close"] });
    }
    const sid = socket.id;
    const closed = waitFor(socket, "close");
    socket.close();
    const [reason] = await closed;
    assert.equal(reason, "forced close");
    assertError(await expectSessionGone(sid), 400, 1, "Session ID unknown");
  });
}
