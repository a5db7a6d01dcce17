// Volatile events carry no offset and are not replayed on recovery. Runs against a server
// built for it (e2e/recovery_test.go; custom-server.mjs for the Node reference) whose
// `volatile` event emits `volatile-message` to everyone with io.volatile.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  TRANSPORT, WAIT, closeAll, connect, cut, reconnect, record, sleep, sync, uniqueTag, until, waitGone,
} from "./helpers.mjs";

test(`volatile events are not replayed, the others are (${TRANSPORT})`, async (t) => {
  const tag = uniqueTag("volatile");
  const [a, b] = await Promise.all([connect(), connect()]);
  t.after(() => closeAll(a, b));
  const got = record(a, tag);
  const send = async (from, to) => {
    for (let n = from; n <= to; n++) {
      await b.timeout(WAIT).emitWithAck("volatile", { tag, n });
      await b.timeout(WAIT).emitWithAck("broadcast", { tag, n });
    }
  };
  const expected = (from, to) => {
    const out = [];
    for (let n = from; n <= to; n++) out.push(`volatile-message:${n}`, `broadcast:${n}`);
    return out;
  };

  // Connected (and idle, so that a polling client has a request waiting), a socket gets
  // volatile events, without an offset.
  await sleep(200);
  await b.timeout(WAIT).emitWithAck("volatile", { tag, n: 1 });
  await until(() => got.list.length >= 1, () => `got ${got.list}`);
  await b.timeout(WAIT).emitWithAck("broadcast", { tag, n: 1 });
  await until(() => got.list.length >= 2, () => `got ${got.list}`);
  assert.deepEqual(got.list, expected(1, 1));
  assert.deepEqual(got.offsets.map((o) => o !== null), [false, true], "which events carry an offset");

  const id = a.id;
  await cut(a, "close");
  await waitGone(b, id);
  await send(2, 4);
  await reconnect(a);
  assert.equal(a.recovered, true);
  await b.timeout(WAIT).emitWithAck("broadcast", { tag, n: 5 });
  await until(() => got.list.length >= 6, () => `got ${got.list}`);
  await sync(a);
  assert.deepEqual(got.list, [...expected(1, 1), "broadcast:2", "broadcast:3", "broadcast:4", "broadcast:5"]);
});
