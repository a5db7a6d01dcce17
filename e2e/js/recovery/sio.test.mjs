// sio only (the in-process server of e2e/recovery_test.go), where it differs from or goes
// beyond the Node reference.
//
// A recovered session is used up: leaving after a recovery is no more recoverable than
// leaving at once (the Node reference keeps restored sessions until they expire, so a
// client that recovered, then left, comes back with the rooms of its first drop).
//
// Events broadcast from many goroutines at once: recovery replays what follows the last offset a client saw, so a client must receive a
// room's events in the order of their offsets: one received after an event with a later
// offset would be replayed a second time, and one lost in a cut behind an event with a later
// offset would never be. The server's `burst` event emits `burst` to a room from
// `goroutines` goroutines, `each` times per goroutine, all at once. Offsets of the sio
// in-memory store end with "-<sequence in base 36>".
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  TRANSPORT, WAIT, closeAll, connect, cut, numbered, record, reconnect, sendNumbered, sync, uniqueTag,
  until, waitGone,
} from "./helpers.mjs";

const seq = (offset) => parseInt(offset.slice(offset.lastIndexOf("-") + 1), 36);

async function setup(t, name) {
  const tag = uniqueTag(name);
  const room = `room-${tag}`;
  const [a, b] = await Promise.all([connect(), connect()]);
  t.after(() => closeAll(a, b));
  await a.timeout(WAIT).emitWithAck("join", room);
  return { a, b, tag, room, got: record(a, tag) };
}

// Each round: 16 goroutines × 100 events. The race is between goroutines, so it takes a
// few rounds to show.
const ROUNDS = 5;
const GOROUTINES = 16;
const EACH = 100;
const TOTAL = GOROUTINES * EACH;

const burst = (b, tag, room) =>
  b.timeout(WAIT).emitWithAck("burst", { tag, room, goroutines: GOROUTINES, each: EACH });

test(`concurrent broadcasts reach a client in the order of their offsets (${TRANSPORT})`, async (t) => {
  const { a, b, room } = await setup(t, "order");
  for (let round = 1; round <= ROUNDS; round++) {
    const tag = uniqueTag(`order-${round}`);
    const got = record(a, tag);
    await burst(b, tag, room);
    await until(() => got.list.length >= TOTAL, () => `round ${round}: got ${got.list.length}/${TOTAL}`);
    const seqs = got.offsets.map(seq);
    const inversions = seqs.filter((s, i) => i > 0 && s < seqs[i - 1]).length;
    // Had the transport been cut after the k-th event, recovery would replay the events
    // with offsets after the k-th one's: right only if those received so far are exactly
    // the ones up to it.
    let wrongCuts = 0;
    let maxSoFar = -Infinity;
    const sorted = [...seqs].sort((x, y) => x - y);
    for (let k = 0; k < seqs.length; k++) {
      maxSoFar = Math.max(maxSoFar, seqs[k]);
      if (seqs[k] !== maxSoFar || sorted[k] !== seqs[k]) wrongCuts++;
    }
    assert.equal(inversions, 0,
      `round ${round}: ${inversions} of ${TOTAL} events arrived after an event with a later offset; ` +
      `a cut after ${wrongCuts} of the ${TOTAL} events would have lost or repeated events on recovery`);
  }
});

test(`a cut during concurrent broadcasts loses and repeats nothing (${TRANSPORT})`, async (t) => {
  const { a, b, room } = await setup(t, "order-cut");
  for (let round = 1; round <= ROUNDS; round++) {
    const tag = uniqueTag(`order-cut-${round}`);
    const got = record(a, tag);
    const done = burst(b, tag, room);
    await until(() => got.list.length >= 50, () => `round ${round}: got ${got.list.length}`);
    const id = a.id;
    await cut(a, "close");
    await done;
    await waitGone(b, id);
    await reconnect(a);
    assert.equal(a.recovered, true, `round ${round}: recovered`);
    await sync(a);
    const ns = got.list.map((e) => Number(e.split(":")[1]));
    const seen = new Set();
    const repeated = ns.filter((n) => (seen.has(n) ? true : (seen.add(n), false)));
    const missing = [];
    for (let n = 0; n < TOTAL; n++) if (!seen.has(n)) missing.push(n);
    assert.deepEqual({ repeated: repeated.length, missing: missing.length }, { repeated: 0, missing: 0 },
      `round ${round}: repeated ${repeated.slice(0, 10)}…, missing ${missing.slice(0, 10)}…`);
  }
});

test(`leaving after a recovery is not recoverable (${TRANSPORT})`, async (t) => {
  const { a, b, tag, room, got } = await setup(t, "leave-after-recovery");
  await sendNumbered(b, room, tag, 1, 1);
  await until(() => got.list.length >= 1, () => `got ${got.list}`);
  const id = a.id;
  await cut(a, "close");
  await waitGone(b, id);
  await sendNumbered(b, room, tag, 2, 3);
  await reconnect(a);
  assert.equal(a.recovered, true);
  assert.deepEqual(got.list, numbered(1, 3));

  a.disconnect();
  await waitGone(b, id);
  await sendNumbered(b, room, tag, 4, 5);
  await reconnect(a);
  assert.equal(a.recovered, false, "socket.recovered after leaving");
  assert.notEqual(a.id, id);
  await sync(b);
  await sync(a);
  assert.deepEqual(got.list, numbered(1, 3), "nothing replayed");
});
