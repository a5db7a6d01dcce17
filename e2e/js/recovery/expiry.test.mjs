// Connection state recovery ends after the maximum disconnection duration. Runs against a
// server built for it (e2e/recovery_test.go; custom-server.mjs for the Node reference) with
// a maximum disconnection duration of MAX_DISCONNECTION_MS.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  TRANSPORT, WAIT, closeAll, connect, cut, numbered, reconnect, record, sendNumbered, sleep, sync,
  uniqueTag, until, waitGone,
} from "./helpers.mjs";

const MAX = Number(process.env.MAX_DISCONNECTION_MS);
if (!MAX) throw new Error("MAX_DISCONNECTION_MS is not set");

async function setup(t, name) {
  const tag = uniqueTag(name);
  const room = `room-${tag}`;
  const [a, b] = await Promise.all([connect(), connect()]);
  t.after(() => closeAll(a, b));
  await a.timeout(WAIT).emitWithAck("join", room);
  const got = record(a, tag);
  await sendNumbered(b, room, tag, 1, 1);
  await until(() => got.list.length >= 1, () => `got ${got.list}`);
  return { a, b, tag, room, got };
}

test(`within the maximum disconnection duration the session comes back (${TRANSPORT})`, async (t) => {
  const { a, b, tag, room, got } = await setup(t, "within");
  const id = a.id;
  await cut(a, "close");
  await waitGone(b, id);
  await sendNumbered(b, room, tag, 2, 3);
  await reconnect(a);
  assert.equal(a.recovered, true);
  assert.equal(a.id, id);
  assert.deepEqual(got.list, numbered(1, 3));
});

test(`after the maximum disconnection duration the client gets a fresh session (${TRANSPORT})`, async (t) => {
  const { a, b, tag, room, got } = await setup(t, "expired");
  const id = a.id;
  await cut(a, "close");
  await waitGone(b, id);
  await sendNumbered(b, room, tag, 2, 3);
  await sleep(MAX + 500);
  await reconnect(a);
  assert.equal(a.recovered, false, "socket.recovered");
  assert.notEqual(a.id, id, "a new id");
  const state = await a.timeout(WAIT).emitWithAck("state");
  assert.deepEqual(state.rooms, [a.id], "not back in its old room");
  await sync(b);
  await sync(a);
  assert.deepEqual(got.list, numbered(1, 1), "nothing missed was delivered");
});
