// Middlewares and recovery. Runs against a server built for it (e2e/recovery_test.go;
// custom-server.mjs for the Node reference) with one middleware that counts its runs and
// stores the count of its first run for a socket in the socket's data; `state` answers
// { id, mw (runs so far), data, rooms, recovered }. RUN_MIDDLEWARES=1 when the server runs
// middlewares for recovered sockets too, 0 when it skips them (the default).
import { test } from "node:test";
import assert from "node:assert/strict";
import { TRANSPORT, WAIT, closeAll, connect, cut, reconnect, uniqueTag, waitGone } from "./helpers.mjs";

const RUN = process.env.RUN_MIDDLEWARES === "1";

const state = (s) => s.timeout(WAIT).emitWithAck("state");

test(`middlewares ${RUN ? "run" : "are skipped"} on recovery, data comes back (${TRANSPORT})`, async (t) => {
  const room = `room-${uniqueTag("mw")}`;
  const [a, b] = await Promise.all([connect(), connect()]);
  t.after(() => closeAll(a, b));
  await a.timeout(WAIT).emitWithAck("join", room);
  const before = await state(a);
  assert.equal(before.recovered, false);
  assert.equal(typeof before.data?.firstRun, "number", `data set by the middleware: ${JSON.stringify(before.data)}`);
  await b.timeout(WAIT).emitWithAck("broadcast", { tag: "offset" }); // so that a has an offset

  const id = a.id;
  await cut(a, "close");
  await waitGone(b, id);
  const runs = (await state(b)).mw;
  await reconnect(a);
  assert.equal(a.recovered, true);
  const after = await state(a);
  assert.equal(after.recovered, true, "socket.recovered on the server");
  assert.equal(after.mw, runs + (RUN ? 1 : 0), `middleware runs for the recovery`);
  assert.deepEqual(after.data, before.data, "socket data restored");
  assert.deepEqual([...after.rooms].sort(), [id, room].sort(), "rooms restored");

  // A new session always runs them.
  const c = await connect();
  t.after(() => closeAll(c));
  const fresh = await state(c);
  assert.equal(fresh.recovered, false);
  assert.equal(fresh.mw, after.mw + 1, "middleware runs for a new session");
  assert.equal(fresh.data.firstRun, fresh.mw);
});
