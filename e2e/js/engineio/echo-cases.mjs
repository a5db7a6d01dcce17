// Echo cases shared by polling.test.mjs and websocket.test.mjs: the official
// engine.io-client on one fixed transport against the /engine.io/ echo endpoint.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { connect, collectMessages, norm } from "../lib/util.mjs";

export function defineEchoTests(transport, expectedUpgrades) {
  describe(`engine.io-client over ${transport} only`, () => {
    let socket;
    let handshake;

    before(async () => {
      ({ socket, handshake } = await connect({ transports: [transport], upgrade: false }));
    });
    after(() => socket?.close());

    // EIO "Handshake"; protocol.md A2.
    it("handshake has exactly sid, upgrades, pingInterval, pingTimeout, maxPayload", () => {
      assert.deepEqual(Object.keys(handshake).sort(), ["maxPayload", "pingInterval", "pingTimeout", "sid", "upgrades"]);
      assert.equal(typeof handshake.sid, "string");
      assert.ok(handshake.sid.length > 0);
      assert.deepEqual(handshake.upgrades, expectedUpgrades);
      assert.equal(handshake.pingInterval, 25000);
      assert.equal(handshake.pingTimeout, 20000);
      assert.equal(handshake.maxPayload, 1000000);
      assert.equal(socket.id, handshake.sid);
      assert.equal(socket.transport.name, transport);
    });

    it("a second client gets another sid", async () => {
      const other = await connect({ transports: [transport], upgrade: false });
      other.socket.close();
      assert.notEqual(other.handshake.sid, handshake.sid);
    });

    // EIO "Packet encoding": text message, UTF-8.
    it("echoes text, empty and non-ASCII messages as text", async () => {
      const sent = ["hello", "", "héllo wörld ✓ 🌍", "4not a type", "{\"json\":[1,2]}"];
      const got = collectMessages(socket, sent.length);
      for (const m of sent) socket.send(m);
      // An empty message travels as a bare "4"; engine.io-parser decodes that as data undefined.
      assert.deepEqual(await got, sent.map((m) => (m === "" ? undefined : m)));
    });

    // EIO: binary message (b64 in polling payloads, binary frame on WebSocket).
    it("echoes binary as binary (Uint8Array, Buffer, ArrayBuffer)", async () => {
      const bytes = [0, 1, 2, 0x1e, 127, 128, 254, 255];
      const sent = [new Uint8Array(bytes), Buffer.from(bytes.slice(2)), new Uint8Array(bytes.slice(4)).buffer, new Uint8Array(0)];
      const got = collectMessages(socket, sent.length);
      for (const m of sent) socket.send(m);
      const echoed = await got;
      for (let i = 0; i < sent.length; i++) {
        assert.equal(typeof echoed[i], "object", `message ${i} came back as ${typeof echoed[i]}`);
        assert.deepEqual(norm(echoed[i]), norm(sent[i]));
      }
    });

    it("echoes 1000 mixed text/binary messages in order", async () => {
      const sent = [];
      for (let i = 0; i < 1000; i++) sent.push(i % 7 === 0 ? Buffer.from(`bin-${i}`) : `msg-${i}`);
      const got = collectMessages(socket, sent.length, { ms: 20000 });
      for (const m of sent) socket.send(m);
      assert.deepEqual((await got).map(norm), sent);
    });

    it("echoes a 500 KB message", async () => {
      const big = "x".repeat(500 * 1024);
      const got = collectMessages(socket, 1);
      socket.send(big);
      assert.equal((await got)[0], big);
    });

    it("stays on its transport", () => {
      assert.equal(socket.transport.name, transport);
      assert.equal(socket.readyState, "open");
    });
  });
}

