// Room selections on a custom server (socketio_custom_test.go, /rooms): To with several
// rooms (a socket in both gets the event once), Except, the socket-level variants (sender
// excluded), SocketsJoin/SocketsLeave and DisconnectSockets on a room.
//
// Sockets: A in rooms a and b, B in a, C in b, D in none.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { TRANSPORT, ask, closeAll, connectN, next, sleep } from "../lib/sio-util.mjs";

describe(`room selections (${TRANSPORT})`, () => {
  let A, B, C, D, all;
  const hits = new Map();

  before(async () => {
    [A, B, C, D] = await connectN(4, "/rooms");
    all = { A, B, C, D };
    for (const [name, s] of Object.entries(all)) {
      hits.set(name, []);
      s.on("hit", (tag) => hits.get(name).push(tag));
    }
    await ask(A, "join", ["a", "b"]);
    await ask(B, "join", ["a"]);
    await ask(C, "join", ["b"]);
    await ask(D, "join", []);
  });
  after(() => closeAll(Object.values(all ?? {})));

  // Which sockets got `tag`, and how many times, once everything sent has arrived.
  async function receivers(tag) {
    await sleep(100);
    await Promise.all(Object.values(all).filter((s) => s.connected).map((s) => ask(s, "join", [])));
    const out = {};
    for (const [name, list] of hits) {
      const n = list.filter((t) => t === tag).length;
      if (n) out[name] = n;
    }
    return out;
  }

  it("To several rooms reaches a socket in both rooms once", async () => {
    await ask(D, "emit", ["a", "b"], [], "t1", "server");
    assert.deepEqual(await receivers("t1"), { A: 1, B: 1, C: 1 });
  });

  it("a socket's To several rooms excludes the sender and reaches each member once", async () => {
    await ask(A, "emit", ["a", "b"], [], "t2", "socket");
    assert.deepEqual(await receivers("t2"), { B: 1, C: 1 });
  });

  it("To with Except leaves out the sockets of the excepted rooms", async () => {
    await ask(D, "emit", ["a"], ["b"], "t3", "server");
    assert.deepEqual(await receivers("t3"), { B: 1 });
  });

  it("Except alone selects every socket outside the rooms", async () => {
    await ask(A, "emit", [], ["a"], "t4", "server");
    assert.deepEqual(await receivers("t4"), { C: 1, D: 1 });
  });

  it("a socket's Except leaves out the sender too", async () => {
    await ask(B, "emit", [], ["b"], "t5", "socket");
    assert.deepEqual(await receivers("t5"), { D: 1 });
  });

  it("To a socket id reaches that socket only", async () => {
    await ask(D, "emit", [C.id], [], "t6", "server");
    assert.deepEqual(await receivers("t6"), { C: 1 });
  });

  it("To an empty room reaches nobody", async () => {
    await ask(D, "emit", ["nobody-here"], [], "t7", "server");
    assert.deepEqual(await receivers("t7"), {});
  });

  it("a volatile broadcast does not break anything", async () => {
    await ask(D, "volatile");
    const got = await receivers("volatile");
    for (const n of Object.values(got)) assert.equal(n, 1);
    await ask(D, "emit", ["a"], [], "t8", "server");
    assert.deepEqual(await receivers("t8"), { A: 1, B: 1 });
  });

  it("SocketsJoin makes the sockets of a room join another room", async () => {
    await ask(D, "sockets-join", "b", "c");
    await ask(D, "emit", ["c"], [], "t9", "server");
    assert.deepEqual(await receivers("t9"), { A: 1, C: 1 });
  });

  it("SocketsLeave makes the sockets of a room leave another room", async () => {
    await ask(D, "sockets-leave", "a", "b");
    await ask(D, "emit", ["b"], [], "t10", "server");
    assert.deepEqual(await receivers("t10"), { C: 1 });
  });

  it("DisconnectSockets disconnects the sockets of a room only", async () => {
    const gone = Promise.all([next(A, "disconnect"), next(B, "disconnect")]);
    await ask(D, "disconnect-room", "a");
    assert.deepEqual((await gone).map(([r]) => r), ["io server disconnect", "io server disconnect"]);
    await sleep(100);
    assert.equal(C.connected, true);
    assert.equal(D.connected, true);
    await ask(D, "emit", ["a", "b", "c"], [], "t11", "server");
    assert.deepEqual(await receivers("t11"), { C: 1 });
  });
});
