// Ping timeout on a custom server with short heartbeats (socketio_custom_test.go,
// TestSocketIO_Custom_PingTimeout: pingInterval 500ms, pingTimeout 500ms): a client whose
// process is frozen with SIGSTOP stops answering pings; the server disconnects it with
// "ping timeout" while a live client stays connected.
import { it } from "node:test";
import assert from "node:assert/strict";
import { startChild } from "../lib/sio-child.mjs";
import { TRANSPORT, closeAll, connect, next, sleep } from "../lib/sio-util.mjs";

it(`a frozen client is disconnected with "ping timeout" (${TRANSPORT})`, async () => {
  const observer = await connect("/reasons", { auth: { observer: true } });
  const { child, kill } = await startChild({ auth: { tag: "frozen", rooms: ["f"] } });
  try {
    let report;
    observer.on("peer-gone", (r) => { if (r.tag === "frozen") report = r; });
    const start = Date.now();
    child.kill("SIGSTOP");
    const deadline = Date.now() + 10000;
    while (!report && Date.now() < deadline) await sleep(50);
    assert.ok(report, "the server reported the frozen client gone");
    assert.equal(report.reason, "ping timeout");
    assert.deepEqual(report.disconnecting, ["(self)", "f"]);
    // At most pingInterval + pingTimeout, plus slack for a busy machine.
    assert.ok(Date.now() - start < 8000, `took ${Date.now() - start} ms`);
    assert.equal(observer.connected, true, "a live client keeps its connection");
  } finally {
    kill();
    closeAll(observer);
  }
});

it(`a live but idle client is not timed out (${TRANSPORT})`, async () => {
  const socket = await connect("/reasons", { auth: { tag: "idle" } });
  try {
    const gone = next(socket, "disconnect", 3000).then(([r]) => r, () => null);
    assert.equal(await gone, null, "no disconnect during 3 s of heartbeats");
    assert.equal(socket.connected, true);
  } finally {
    closeAll(socket);
  }
});
