// Server.Shutdown on a custom server (socketio_custom_test.go,
// TestSocketIO_Custom_ServerShutdown): every socket's OnDisconnect gets "server shutting
// down" (the Go test checks the server's notes) and clients see "transport close".
//
// socketio.Server.Shutdown also promises to flush what is queued to each client first.
// The reference's io.close() does not (engine.io closes its sockets with discard=true, and a
// polling client then gets "transport error"), so with SERVER_KIND=node only the
// disconnection itself is checked.
import { it } from "node:test";
import assert from "node:assert/strict";
import { TRANSPORT, closeAll, connect, next } from "../lib/sio-util.mjs";

const REFERENCE = process.env.SERVER_KIND === "node";

it(`Shutdown delivers what was queued, then disconnects every client with "transport close" (${TRANSPORT})`, async () => {
  const one = await connect("/reasons", { auth: { tag: "one", rooms: ["r1"] } });
  const two = await connect("/reasons-b", { auth: { tag: "two" } });
  try {
    const events = [];
    one.on("bye", (msg) => events.push(`bye ${msg}`));
    one.on("disconnect", (reason) => events.push(`disconnect ${reason}`));
    const reasons = Promise.all([next(one, "disconnect", 15000), next(two, "disconnect", 15000)]);
    // The server acks, emits "bye", then shuts down.
    one.emit("shutdown-server", () => events.push("ack"));
    const got = (await reasons).map(([r]) => r);
    if (REFERENCE) {
      const ok = TRANSPORT === "polling" ? ["transport close", "transport error"] : ["transport close"];
      for (const reason of got) assert.ok(ok.includes(reason), `client reason ${reason}`);
      return;
    }
    assert.deepEqual(events, ["ack", "bye see you", "disconnect transport close"], "the ack and the event queued before Shutdown arrive before the disconnection");
    assert.deepEqual(got, ["transport close", "transport close"]);
  } finally {
    closeAll(one, two);
  }
});
