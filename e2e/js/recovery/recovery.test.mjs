// Connection state recovery with socket.io-client 4.8, against the test server started
// with -recovery (shared/testserver.md): the transport under a socket is cut while others
// send to its rooms; when it comes back it has the same id and rooms, `recovered` is true,
// and it gets every event it missed exactly once, in order. Leaving (client or server
// side) is not recoverable. Run once per transport (TRANSPORT), see helpers.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  PROXY_URL, SERVER_URL, TRANSPORT, Manager, WAIT, clientOptions, closeAll, connect, connected,
  cut, heal, numbered, reconnect, record, sendNumbered, sync, uniqueTag, until, waitFor, waitGone,
} from "./helpers.mjs";

/** The recovering socket and a sender, with the socket in a room. */
async function setup(t, name, { base = SERVER_URL, opts = {} } = {}) {
  const tag = uniqueTag(name);
  const room = `room-${tag}`;
  const a = connect(base, "/", opts);
  const b = connect();
  const [sa, sb] = await Promise.all([a, b]);
  t.after(() => closeAll(sa, sb));
  assert.equal(sa.recovered, false, "a first connection is not recovered");
  // socket.io-client 4.8 keeps the private session id of the CONNECT reply in _pid.
  assert.ok(typeof sa._pid === "string" && sa._pid.length > 0, "the CONNECT reply has a pid");
  assert.notEqual(sa._pid, sa.id, "the pid is not the public id");
  await sa.timeout(WAIT).emitWithAck("join", room);
  return { a: sa, b: sb, tag, room, got: record(sa, tag) };
}

function assertOffsets(got) {
  got.offsets.forEach((off, i) => {
    assert.ok(off, `${got.list[i]} arrived without an offset as its last argument`);
  });
  assert.equal(new Set(got.offsets).size, got.offsets.length, `offsets repeat: ${got.offsets}`);
}

for (const how of ["close", "drop"]) {
  test(`missed room and broadcast events come back exactly once, in order, after a transport ${how} (${TRANSPORT})`, async (t) => {
    const base = how === "drop" ? PROXY_URL : SERVER_URL;
    const { a, b, tag, room, got } = await setup(t, `missed-${how}`, { base });
    t.after(heal);

    await sendNumbered(b, room, tag, 1, 3);
    await until(() => got.list.length >= 3, () => `before the cut: got ${got.list}`);
    assert.deepEqual(got.list, numbered(1, 3));

    const [id, pid] = [a.id, a._pid];
    t.diagnostic(`the client saw: ${await cut(a, how)}`);
    // Some right away, while the server may still think the socket is there ...
    await sendNumbered(b, room, tag, 4, 9);
    await waitGone(b, id);
    // ... and some once it knows it is gone.
    await sendNumbered(b, room, tag, 10, 15);
    await heal();

    let atConnect;
    a.once("connect", () => { atConnect = [...got.list]; });
    await reconnect(a);
    assert.equal(a.id, id, "same id after recovery");
    assert.equal(a._pid, pid, "same pid after recovery");
    assert.equal(a.recovered, true, "socket.recovered");
    // The missed events come before the CONNECT reply: all there when "connect" fires.
    assert.deepEqual(atConnect, numbered(1, 15), "events received when connect fired");

    // Still in its room, and live events follow.
    await sendNumbered(b, room, tag, 16, 17);
    await until(() => got.list.length >= 17, () => `after recovery: got ${got.list}`);
    await sync(b);
    assert.deepEqual(got.list, numbered(1, 17));
    assertOffsets(got);
  });
}

test(`automatic reconnection recovers the session (${TRANSPORT})`, async (t) => {
  const { a, b, tag, room, got } = await setup(t, "auto", {
    opts: { reconnection: true, reconnectionDelay: 1000, reconnectionDelayMax: 1000, randomizationFactor: 0 },
  });
  await sendNumbered(b, room, tag, 1, 2);
  await until(() => got.list.length >= 2, () => `before the cut: got ${got.list}`);
  const id = a.id;
  const back = waitFor(a, "connect", { ms: WAIT });
  await cut(a, "close");
  await sendNumbered(b, room, tag, 3, 8);
  await back;
  assert.equal(a.id, id);
  assert.equal(a.recovered, true);
  await sendNumbered(b, room, tag, 9, 9);
  await until(() => got.list.length >= 9, () => `got ${got.list}`);
  assert.deepEqual(got.list, numbered(1, 9));
  assertOffsets(got);
});

test(`a session recovers again after a second cut (${TRANSPORT})`, async (t) => {
  const { a, b, tag, room, got } = await setup(t, "twice");
  await sendNumbered(b, room, tag, 1, 1);
  await until(() => got.list.length >= 1, () => `got ${got.list}`);
  const id = a.id;
  for (const [from, to] of [[2, 5], [6, 9]]) {
    await cut(a, "close");
    await waitGone(b, id);
    await sendNumbered(b, room, tag, from, to);
    await reconnect(a);
    assert.equal(a.id, id);
    assert.equal(a.recovered, true);
    assert.deepEqual(got.list, numbered(1, to));
  }
  assertOffsets(got);
});

test(`missed binary events come back with their attachments (${TRANSPORT})`, async (t) => {
  const { a, b, tag, room, got } = await setup(t, "binary");
  await sendNumbered(b, room, tag, 1, 1, { binary: true });
  await until(() => got.list.length >= 1, () => `got ${got.list}`);
  const id = a.id;
  await cut(a, "close");
  await waitGone(b, id);
  await sendNumbered(b, room, tag, 2, 5, { binary: true });
  await reconnect(a);
  assert.equal(a.recovered, true);
  assert.deepEqual(got.list, numbered(1, 5));
  got.args.forEach((args, i) => {
    const n = i + 1;
    assert.equal(args.length, 3, `${got.list[i]}: payload, binary, offset`);
    assert.deepEqual(Buffer.from(args[1]), Buffer.from([n, 0, 255]), `${got.list[i]}: attachment`);
  });
  assertOffsets(got);
});

test(`each namespace of a connection recovers its own session and events (${TRANSPORT})`, async (t) => {
  const tag = uniqueTag("nsps");
  const room = `room-${tag}`;
  const manager = new Manager(SERVER_URL, clientOptions());
  const a1 = manager.socket("/");
  const a2 = manager.socket("/custom");
  const [b1, b2] = await Promise.all([connect(), connect(SERVER_URL, "/custom")]);
  t.after(() => closeAll(a1, a2, b1, b2));
  await Promise.all([connected(a1), connected(a2)]);
  await Promise.all([a1.timeout(WAIT).emitWithAck("join", room), a2.timeout(WAIT).emitWithAck("join", room)]);
  const got1 = record(a1, tag);
  const got2 = record(a2, `${tag}-custom`);
  await sendNumbered(b1, room, tag, 1, 1);
  await sendNumbered(b2, room, `${tag}-custom`, 1, 1);
  await until(() => got1.list.length >= 1 && got2.list.length >= 1, () => `got ${got1.list} / ${got2.list}`);
  const [id1, id2] = [a1.id, a2.id];

  const gone2 = waitFor(a2, "disconnect", { ms: WAIT });
  await cut(a1, "close"); // the one engine under both
  await gone2;
  await Promise.all([waitGone(b1, id1), waitGone(b2, id2)]);
  await sendNumbered(b1, room, tag, 2, 4);
  await sendNumbered(b2, room, `${tag}-custom`, 2, 6);
  await Promise.all([reconnect(a1), reconnect(a2)]);
  assert.deepEqual([a1.id, a1.recovered, a2.id, a2.recovered], [id1, true, id2, true]);
  assert.deepEqual(got1.list, numbered(1, 4));
  assert.deepEqual(got2.list, numbered(1, 6));
});

test(`a client-initiated disconnect is not recovered (${TRANSPORT})`, async (t) => {
  const { a, b, tag, room, got } = await setup(t, "client-leaves");
  await sendNumbered(b, room, tag, 1, 1);
  await until(() => got.list.length >= 1, () => `got ${got.list}`);
  const id = a.id;
  const gone = waitFor(a, "disconnect", { ms: WAIT });
  a.disconnect();
  assert.equal((await gone)[0], "io client disconnect");
  await waitGone(b, id);
  await sendNumbered(b, room, tag, 2, 3);
  await reconnect(a); // the client still sends its pid and offset
  assert.equal(a.recovered, false, "socket.recovered");
  assert.notEqual(a.id, id, "a new id");
  const rooms = await a.timeout(WAIT).emitWithAck("join", `other-${tag}`);
  assert.deepEqual([...rooms].sort(), [a.id, `other-${tag}`].sort(), "the old rooms are not back");
  await sendNumbered(b, room, tag, 4, 5);
  await sync(b);
  // The broadcast (4) reaches the new session; nothing missed came back, and the room
  // message (5) is not for it.
  await until(() => got.list.includes("broadcast:4"), () => `got ${got.list}`);
  await sync(a);
  assert.deepEqual(got.list, ["room-message:1", "broadcast:4"]);
});

test(`a server-initiated disconnect is not recovered (${TRANSPORT})`, async (t) => {
  const { a, b, tag, room, got } = await setup(t, "server-kicks");
  await sendNumbered(b, room, tag, 1, 1);
  await until(() => got.list.length >= 1, () => `got ${got.list}`);
  const id = a.id;
  const gone = waitFor(a, "disconnect", { ms: WAIT });
  a.emit("disconnect-me");
  assert.equal((await gone)[0], "io server disconnect");
  await waitGone(b, id);
  await sendNumbered(b, room, tag, 2, 3);
  await reconnect(a);
  assert.equal(a.recovered, false);
  assert.notEqual(a.id, id);
  await sync(a);
  assert.deepEqual(got.list, ["room-message:1"]);
});

test(`an unknown session or offset starts a fresh session (${TRANSPORT})`, async (t) => {
  const { a, b, tag, room, got } = await setup(t, "unknown");
  await sendNumbered(b, room, tag, 1, 1);
  await until(() => got.list.length >= 1, () => `got ${got.list}`);
  for (const [pid, offset] of [["not-a-pid", null], [null, "not-an-offset"]]) {
    const id = a.id;
    await cut(a, "close");
    await waitGone(b, id);
    // What the client sends back in its CONNECT (private fields of socket.io-client 4.8).
    if (pid) a._pid = pid;
    if (offset) a._lastOffset = offset;
    await reconnect(a);
    assert.equal(a.recovered, false, `pid ${pid ?? "kept"}, offset ${offset ?? "kept"}`);
    assert.notEqual(a.id, id);
  }
});
