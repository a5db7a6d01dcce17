// Middlewares and recovery. Runs against a server built for it (e2e/recovery_test.go;
// custom-server.mjs for the Node reference) with one middleware that counts its runs and
// stores the count of its first run for a socket in the socket's data; `state` answers
// { id, mw (runs so far), data, rooms, recovered }. RUN_MIDDLEWARES=1 when the server runs
// middlewares for recovered sockets too, 0 when it skips them (the default). When the
// handshake's auth has delayMs, the middleware takes that long for a recovering socket.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  TRANSPORT, WAIT, closeAll, connect, cut, numbered, reconnect, record, sendNumbered, sleep, sync,
  uniqueTag, until, waitGone,
} from "./helpers.mjs";

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

// Known gap, in sio as in the Node reference (socket.io 4.8): the missed events are taken
// with the session, before the middlewares, and the socket joins the namespace after
// them; what is sent meanwhile reaches neither. Marked todo: it runs and reports, without
// failing the suite.
const SLOW_MW_GAP = "events sent during the middlewares of a recovery are lost (sio and the Node reference)";

test(`events sent while a recovering socket is in a slow middleware are not lost (${TRANSPORT})`, { skip: !RUN && "middlewares are skipped", todo: RUN && SLOW_MW_GAP }, async (t) => {
  const tag = uniqueTag("slow-mw");
  const room = `room-${tag}`;
  const [a, b] = await Promise.all([connect(), connect()]);
  t.after(() => closeAll(a, b));
  await a.timeout(WAIT).emitWithAck("join", room);
  const got = record(a, tag);
  await sendNumbered(b, room, tag, 1, 1);
  await until(() => got.list.length >= 1, () => `got ${got.list}`);
  const id = a.id;
  await cut(a, "close");
  await waitGone(b, id);
  await sendNumbered(b, room, tag, 2, 3); // missed while away
  a.auth = { delayMs: 1500 };
  const back = reconnect(a);
  await sleep(500); // the server has taken the session back and is in the middleware
  await sendNumbered(b, room, tag, 4, 5);
  await back;
  assert.equal(a.recovered, true);
  await sendNumbered(b, room, tag, 6, 7);
  await until(() => got.list.length >= 7, () => `got ${got.list}`, 1000).catch(() => {});
  await sync(a);
  assert.deepEqual(got.list, numbered(1, 7));
});
