// Events and acknowledgements against the test server contract (protocol.md C3, C4):
// "message" → "message-back", "echo"/"message-with-ack" acks with every JSON kind and with
// binary at several depths, client-side ack timeouts and volatile emits.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import {
  SERVER_URL, TRANSPORT, ask, clientOptions, closeAll, connect, connected, next, recorder, sleep, until,
} from "../lib/sio-util.mjs";

const bin = (...bytes) => Buffer.from(bytes);

// Argument lists sent as they are and expected back unchanged.
const CASES = {
  "no arguments": [],
  "a string": ["hello"],
  "an empty string": [""],
  "unicode and escapes": ["héllo wörld ✓ 𝄞 \u0000 \u2028 \"quoted\" \\ \n\t"],
  "integers": [0, 1, -1, 42, 2 ** 31, -(2 ** 31), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER],
  "floats": [1.5, -0.25, 3.141592653589793, 1e21, 1e-7, 5e-324],
  "booleans": [true, false],
  "null": [null],
  "an empty object and array": [{}, []],
  "an object": [{ a: 1, b: "two", c: [3], d: { e: null } }],
  "an array": [[1, "two", null, true, { three: 3 }, [4, [5]]]],
  "deep nesting": [{ l1: { l2: { l3: { l4: { l5: [[[["deep"]]]] } } } } }],
  "many arguments": Array.from({ length: 20 }, (_, i) => (i % 2 ? `s${i}` : i)),
  "an object whose key order must be kept": [{ z: 1, y: 2, a: 3, "10": 4, "2": 5 }],
  "a placeholder look-alike without attachments": [{ _placeholder: false, num: 0 }],
  "a Buffer": [bin(1, 2, 3)],
  "an empty Buffer": [Buffer.alloc(0)],
  "a large Buffer": [Buffer.alloc(100000, 7)],
  "every byte value": [Buffer.from(Array.from({ length: 256 }, (_, i) => i))],
  "a Buffer in an object": [{ file: bin(4, 5), name: "f.bin" }],
  "a Buffer in an array": [["before", bin(6), "after"]],
  "Buffers at several depths": [
    bin(0),
    { one: bin(1), nested: { two: bin(2, 2), list: [bin(3, 3, 3), { four: bin(4) }] } },
    [[[bin(5)]]],
    "text between",
    bin(6),
  ],
  "the same Buffer twice": (() => { const b = bin(9, 9); return [b, { again: b }]; })(),
  "binary mixed with every JSON kind": [1, "s", null, true, { b: bin(0xff, 0x00) }, [false, bin(0x80)], 2.5],
};

// A received binary may be any view type: compare as Buffers.
function normalize(v) {
  if (v instanceof ArrayBuffer) return Buffer.from(v);
  if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalize(x)]));
  return v;
}

// JSON.stringify of the plain parts, to compare key order as well.
const order = (v) => JSON.stringify(v, (k, x) => (x && x.type === "Buffer" ? `<${x.data.length} bytes>` : x));

describe(`events and acks (${TRANSPORT})`, () => {
  let socket;
  before(async () => { socket = await connect("/"); });
  after(() => closeAll(socket));

  for (const [name, args] of Object.entries(CASES)) {
    it(`echo acks ${name} unchanged`, async () => {
      assert.deepEqual(normalize(await ask(socket, "echo", ...args)), args);
    });
  }

  for (const name of ["a string", "integers", "an object", "Buffers at several depths", "binary mixed with every JSON kind"]) {
    const args = CASES[name];
    it(`message sends message-back with ${name}`, async () => {
      const back = next(socket, "message-back");
      socket.emit("message", ...args);
      assert.deepEqual(normalize(await back), args);
    });

    it(`message-with-ack acks ${name}`, async () => {
      assert.deepEqual(normalize(await ask(socket, "message-with-ack", ...args)), args);
    });
  }

  // deepEqual ignores key order; the wire must keep it (protocol.md C1).
  const ORDERED = {
    "plain objects": [{ z: 1, y: { b: 2, a: [{ d: 4, c: 3 }] }, a: 3, "10": 4, "2": 5 }, { m: null, l: true }],
    "objects holding binary": [{ z: Buffer.from([1]), a: "after z", m: { y: 1, b: Buffer.from([2]), a: [{ k: 1, c: Buffer.from([3]) }] } }],
    "objects next to a binary argument": [Buffer.from([1]), { z: 1, a: 2 }],
  };
  for (const [name, args] of Object.entries(ORDERED)) {
    it(`echo keeps the key order of ${name}`, async () => {
      const got = normalize(await ask(socket, "echo", ...args));
      assert.deepEqual(got, args);
      assert.equal(order(got), order(args));
    });

    it(`message-back keeps the key order of ${name}`, async () => {
      const back = next(socket, "message-back");
      socket.emit("message", ...args);
      const got = normalize(await back);
      assert.deepEqual(got, args);
      assert.equal(order(got), order(args));
    });
  }

  it("message-back goes to the sender only", async () => {
    const other = await connect("/");
    try {
      const rec = recorder(other, "message-back");
      const back = next(socket, "message-back");
      socket.emit("message", "mine");
      assert.deepEqual(await back, ["mine"]);
      await ask(other, "echo"); // a round trip on the other socket
      assert.deepEqual(rec.stop(), []);
    } finally {
      closeAll(other);
    }
  });

  it("many concurrent echo acks each get their own answer", async () => {
    const n = 100;
    const answers = await Promise.all(Array.from({ length: n }, (_, i) => ask(socket, "echo", i, i % 3 === 0 ? bin(i) : `x${i}`)));
    answers.forEach((got, i) => assert.deepEqual(normalize(got), [i, i % 3 === 0 ? bin(i) : `x${i}`]));
  });

  it("message-back events arrive in the order they were sent", async () => {
    const rec = recorder(socket, "message-back");
    const n = 200;
    for (let i = 0; i < n; i++) socket.emit("message", i, i % 10 === 0 ? bin(i % 256) : "t");
    await until(() => rec.got.length >= n, `${n} message-back events`, 15000);
    const got = rec.stop();
    assert.deepEqual(got.map((a) => a[0]), Array.from({ length: n }, (_, i) => i));
    got.forEach((a, i) => assert.deepEqual(normalize(a[1]), i % 10 === 0 ? bin(i % 256) : "t"));
  });

  // The test server recycles attachment buffers once a handler returns: a burst of big
  // Buffers, of sizes across its buffer classes, each echoed to the sender and sent on to a
  // room, must come back whole while later messages are read into the same memory.
  it("a burst of big Buffers comes back whole, acked and sent on to a room", async () => {
    const other = await connect("/");
    try {
      await ask(other, "join", "big-binary");
      const rec = recorder(other, "room-message");
      const n = 60;
      const payload = (i) => Buffer.alloc(5000 + (i % 6) * 7000, i % 256);
      const acks = [];
      for (let i = 0; i < n; i++) {
        acks.push(ask(socket, "echo", i, payload(i)));
        socket.emit("to-room", "big-binary", i, payload(i));
      }
      const answers = await Promise.all(acks);
      answers.forEach((got, i) => assert.deepEqual(normalize(got), [i, payload(i)], `echo ${i}`));
      await until(() => rec.got.length >= n, `${n} room messages`, 15000);
      rec.stop().forEach((got, i) => assert.deepEqual(normalize(got), [i, payload(i)], `room message ${i}`));
    } finally {
      closeAll(other);
    }
  });

  it("emitWithAck resolves with the first ack argument", async () => {
    assert.deepEqual(normalize(await socket.timeout(10000).emitWithAck("echo", { a: bin(1) }, "ignored")), { a: bin(1) });
  });

  it("an ack timeout on the client rejects emitWithAck for an event without handler", async () => {
    await assert.rejects(socket.timeout(200).emitWithAck("no-such-event", 1, 2), (err) => {
      assert.match(err.message, /timed out/);
      return true;
    });
    // The socket is unaffected.
    assert.ok(socket.connected);
    assert.deepEqual(await ask(socket, "echo", "after timeout"), ["after timeout"]);
  });

  it("an ack timeout on the client calls the callback with an error", async () => {
    const err = await new Promise((resolve) => socket.timeout(200).emit("no-such-event", (e) => resolve(e)));
    assert.ok(err instanceof Error);
  });

  it("an event without handler and without ack is ignored", async () => {
    socket.emit("no-such-event", 1, bin(1), { x: [bin(2)] });
    assert.deepEqual(await ask(socket, "echo", "fine"), ["fine"]);
  });

  it("volatile emits do not break the connection", async () => {
    const rec = recorder(socket, "message-back");
    for (let i = 0; i < 20; i++) socket.volatile.emit("message", "v", i);
    socket.volatile.emit("echo", "volatile with ack", () => {});
    await sleep(200);
    assert.deepEqual(await ask(socket, "echo", "after volatile"), ["after volatile"]);
    const got = rec.stop();
    // Volatile packets may be dropped, but what arrives is intact and in order.
    assert.ok(got.length <= 20);
    for (const a of got) assert.equal(a[0], "v");
    const idx = got.map((a) => a[1]);
    assert.deepEqual(idx, [...idx].sort((x, y) => x - y));
    assert.ok(socket.connected);
  });

  it("numeric event names are accepted like string ones", async () => {
    // The protocol allows a number as event name; the server has no handler for it.
    socket.emit(42, "answer");
    assert.deepEqual(await ask(socket, "echo", "after numeric"), ["after numeric"]);
    assert.ok(socket.connected);
  });
});

describe(`events from the first moment (${TRANSPORT})`, () => {
  // In "upgrade" mode the traffic runs across the switch from polling to WebSocket, binary
  // attachments included: nothing may be lost, duplicated or reordered.
  it("events sent from connect on come back once and in order", async (t) => {
    const socket = io(new URL("/", SERVER_URL).href, clientOptions({ forceNew: true }));
    const rec = recorder(socket, "message-back");
    let sentAtUpgrade = -1;
    let sent = 0;
    try {
      await connected(socket);
      const engine = socket.io.engine;
      engine.once("upgrade", () => { sentAtUpgrade = sent; });
      const total = 300;
      const payload = (i) => (i % 7 === 0 ? [i, { bin: bin(i % 256, 0xff), list: [bin(i % 256)] }] : [i, `text-${i}`]);
      while (sent < total) {
        for (let k = 0; k < 5 && sent < total; k++) socket.emit("message", ...payload(sent++));
        await sleep(2);
      }
      await until(() => rec.got.length >= total, `${total} message-back events`, 20000);
      await sleep(100); // a duplicate would show up about now
      const got = rec.stop().map(normalize);
      assert.equal(got.length, total, "no duplicates");
      got.forEach((args, i) => assert.deepEqual(args, payload(i), `event ${i}`));
      if (TRANSPORT === "upgrade") {
        await until(() => engine.transport.name === "websocket", "the upgrade", 10000);
        t.diagnostic(`${sentAtUpgrade} of ${total} events were sent before the upgrade`);
      }
    } finally {
      closeAll(socket);
    }
  });
});

describe(`events on /custom (${TRANSPORT})`, () => {
  it("echo and message-back work the same on /custom", async () => {
    const socket = await connect("/custom");
    try {
      const args = CASES["Buffers at several depths"];
      assert.deepEqual(normalize(await ask(socket, "echo", ...args)), args);
      const back = next(socket, "message-back");
      socket.emit("message", ...args);
      assert.deepEqual(normalize(await back), args);
    } finally {
      closeAll(socket);
    }
  });
});
