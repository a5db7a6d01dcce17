// Rooms and broadcasts against the test server contract (protocol.md C6): "join"/"leave"
// acks, "to-room" (sender excluded), "broadcast" (sender included, namespace only),
// "fetch-sockets" and "server-count".
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { TRANSPORT, ask, closeAll, connectN, next, recorder, sleep } from "../lib/sio-util.mjs";

let seq = 0;
const uniqueRoom = (name) => `${name}-${process.pid}-${++seq}`;
const byteOrder = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const sorted = (ids) => [...ids].sort(byteOrder);

// Lets stray packets arrive: after a round trip on each socket, anything sent before is in.
const settle = (sockets) => Promise.all(sockets.map((s) => ask(s, "echo")));

describe(`rooms (${TRANSPORT})`, () => {
  it("join acks the socket's rooms, its own id room included", async () => {
    const [s] = await connectN(1);
    try {
      const a = uniqueRoom("a");
      const b = uniqueRoom("b");
      assert.deepEqual(sorted((await ask(s, "join", a))[0]), sorted([s.id, a]));
      assert.deepEqual(sorted((await ask(s, "join", b))[0]), sorted([s.id, a, b]));
      assert.deepEqual(sorted((await ask(s, "join", a))[0]), sorted([s.id, a, b]), "joining twice changes nothing");
    } finally {
      closeAll(s);
    }
  });

  it("leave acks the remaining rooms", async () => {
    const [s] = await connectN(1);
    try {
      const a = uniqueRoom("a");
      const b = uniqueRoom("b");
      await ask(s, "join", a);
      await ask(s, "join", b);
      assert.deepEqual(sorted((await ask(s, "leave", a))[0]), sorted([s.id, b]));
      assert.deepEqual(sorted((await ask(s, "leave", "never-joined"))[0]), sorted([s.id, b]), "leaving a room not joined changes nothing");
      assert.deepEqual(sorted((await ask(s, "leave", b))[0]), [s.id]);
    } finally {
      closeAll(s);
    }
  });

  it("join and leave without an ack still take effect", async () => {
    const [s, t] = await connectN(2);
    try {
      const room = uniqueRoom("r");
      s.emit("join", room);
      await ask(s, "echo"); // handlers of one socket run in order
      const [ids] = await ask(t, "fetch-sockets", room);
      assert.deepEqual(ids, [s.id]);
      s.emit("leave", room);
      await ask(s, "echo");
      assert.deepEqual((await ask(t, "fetch-sockets", room))[0], []);
    } finally {
      closeAll(s, t);
    }
  });

  it("to-room reaches the other sockets of the room but not the sender", async () => {
    const [sender, member, outsider] = await connectN(3);
    try {
      const room = uniqueRoom("r");
      await ask(sender, "join", room);
      await ask(member, "join", room);
      const recSender = recorder(sender, "room-message");
      const recOutsider = recorder(outsider, "room-message");
      const got = next(member, "room-message");
      sender.emit("to-room", room, "hi", 1, { b: Buffer.from([1, 2]) });
      const args = await got;
      assert.deepEqual(args.slice(0, 2), ["hi", 1]);
      assert.deepEqual(Buffer.from(args[2].b), Buffer.from([1, 2]));
      await settle([sender, member, outsider]);
      await sleep(50);
      assert.deepEqual(recSender.stop(), [], "the sender gets nothing");
      assert.deepEqual(recOutsider.stop(), [], "a socket outside the room gets nothing");
    } finally {
      closeAll(sender, member, outsider);
    }
  });

  it("to-room from a socket outside the room reaches every member once", async () => {
    const [a, b, sender] = await connectN(3);
    try {
      const room = uniqueRoom("r");
      await ask(a, "join", room);
      await ask(b, "join", room);
      const recA = recorder(a, "room-message");
      const recB = recorder(b, "room-message");
      const recSender = recorder(sender, "room-message");
      sender.emit("to-room", room, "x");
      sender.emit("to-room", room, "y");
      await next(b, "room-message");
      await settle([a, b, sender]);
      await sleep(100);
      assert.deepEqual(recA.stop(), [["x"], ["y"]]);
      assert.deepEqual(recB.stop(), [["x"], ["y"]]);
      assert.deepEqual(recSender.stop(), []);
    } finally {
      closeAll(a, b, sender);
    }
  });

  it("to-room after leave no longer reaches the socket", async () => {
    const [a, b, sender] = await connectN(3);
    try {
      const room = uniqueRoom("r");
      await ask(a, "join", room);
      await ask(b, "join", room);
      await ask(b, "leave", room);
      const recB = recorder(b, "room-message");
      const got = next(a, "room-message");
      sender.emit("to-room", room, "after leave");
      assert.deepEqual(await got, ["after leave"]);
      await settle([b]);
      await sleep(50);
      assert.deepEqual(recB.stop(), []);
    } finally {
      closeAll(a, b, sender);
    }
  });

  it("a socket in several rooms gets each to-room once per emit", async () => {
    const [inBoth, sender] = await connectN(2);
    try {
      const r1 = uniqueRoom("r1");
      const r2 = uniqueRoom("r2");
      await ask(inBoth, "join", r1);
      await ask(inBoth, "join", r2);
      const rec = recorder(inBoth, "room-message");
      sender.emit("to-room", r1, "to r1");
      sender.emit("to-room", r2, "to r2");
      await settle([inBoth, sender]);
      await sleep(100);
      assert.deepEqual(rec.stop(), [["to r1"], ["to r2"]]);
    } finally {
      closeAll(inBoth, sender);
    }
  });

  it("a socket's own id is a room the others can target", async () => {
    const [target, sender] = await connectN(2);
    try {
      const got = next(target, "room-message");
      sender.emit("to-room", target.id, "direct");
      assert.deepEqual(await got, ["direct"]);
    } finally {
      closeAll(target, sender);
    }
  });

  it("rooms are per namespace", async () => {
    const [main] = await connectN(1, "/");
    const [custom, sender] = await connectN(2, "/custom");
    try {
      const room = uniqueRoom("r");
      await ask(main, "join", room);
      await ask(custom, "join", room);
      const recMain = recorder(main, "room-message");
      const got = next(custom, "room-message");
      sender.emit("to-room", room, "custom only");
      assert.deepEqual(await got, ["custom only"]);
      await settle([main]);
      await sleep(50);
      assert.deepEqual(recMain.stop(), []);
      assert.deepEqual((await ask(sender, "fetch-sockets", room))[0], [custom.id]);
    } finally {
      closeAll(main, custom, sender);
    }
  });
});

describe(`broadcast (${TRANSPORT})`, () => {
  it("broadcast reaches every socket of the namespace, the sender included, once", async () => {
    const sockets = await connectN(3, "/custom");
    const [other] = await connectN(1, "/");
    try {
      const recs = sockets.map((s) => recorder(s, "broadcast"));
      const recOther = recorder(other, "broadcast");
      const tag = uniqueRoom("tag");
      const ack = await ask(sockets[0], "broadcast", tag, 2, { three: [3] }, Buffer.from([4]));
      assert.deepEqual(ack, [], "the broadcast ack has no arguments");
      await settle([...sockets, other]);
      await sleep(100);
      for (const [i, rec] of recs.entries()) {
        const mine = rec.stop().filter((a) => a[0] === tag);
        assert.equal(mine.length, 1, `socket ${i} got the broadcast once`);
        assert.deepEqual(mine[0].slice(0, 3), [tag, 2, { three: [3] }]);
        assert.deepEqual(Buffer.from(mine[0][3]), Buffer.from([4]));
      }
      assert.deepEqual(recOther.stop(), [], "another namespace gets nothing");
    } finally {
      closeAll(sockets, other);
    }
  });

  it("broadcast without an ack is delivered as well", async () => {
    const [a, b] = await connectN(2);
    try {
      const tag = uniqueRoom("tag");
      const gotA = next(a, "broadcast");
      const gotB = next(b, "broadcast");
      a.emit("broadcast", tag);
      const all = await Promise.all([gotA, gotB]);
      // Unrelated broadcasts of other tests cannot happen here: tests run one by one.
      assert.deepEqual(all, [[tag], [tag]]);
    } finally {
      closeAll(a, b);
    }
  });
});

describe(`fetch-sockets and server-count (${TRANSPORT})`, () => {
  it("fetch-sockets acks the sorted ids of the namespace", async () => {
    const sockets = await connectN(4, "/custom");
    try {
      const [ids] = await ask(sockets[0], "fetch-sockets");
      for (const s of sockets) assert.ok(ids.includes(s.id), `${s.id} listed`);
      assert.deepEqual(ids, sorted(ids), "byte-wise order");
      assert.equal(new Set(ids).size, ids.length, "no duplicates");
    } finally {
      closeAll(sockets);
    }
  });

  it("fetch-sockets with a room acks exactly the sorted ids in that room", async () => {
    const sockets = await connectN(4);
    try {
      const room = uniqueRoom("r");
      await ask(sockets[1], "join", room);
      await ask(sockets[3], "join", room);
      const [ids] = await ask(sockets[0], "fetch-sockets", room);
      assert.deepEqual(ids, sorted([sockets[1].id, sockets[3].id]));
      assert.deepEqual((await ask(sockets[0], "fetch-sockets", uniqueRoom("empty")))[0], []);
    } finally {
      closeAll(sockets);
    }
  });

  it("fetch-sockets no longer lists a socket that disconnected", async () => {
    const [stays, leaves] = await connectN(2);
    try {
      const room = uniqueRoom("r");
      await ask(stays, "join", room);
      await ask(leaves, "join", room);
      leaves.disconnect();
      const deadline = Date.now() + 5000;
      let ids;
      do {
        [ids] = await ask(stays, "fetch-sockets", room);
        if (ids.length === 1) break;
        await sleep(50);
      } while (Date.now() < deadline);
      assert.deepEqual(ids, [stays.id]);
    } finally {
      closeAll(stays, leaves);
    }
  });

  it("server-count acks 1 for a single node", async () => {
    const [s] = await connectN(1, "/custom");
    try {
      assert.deepEqual(await ask(s, "server-count"), [1]);
    } finally {
      closeAll(s);
    }
  });
});
