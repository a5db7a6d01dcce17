// Helpers of the connection state recovery suites (js/recovery/). The Go driver
// (e2e/recovery_test.go) passes, besides SERVER_URL and SERVER_PID (see ../lib/util.mjs):
//   TRANSPORT      "websocket" or "polling": the only transport the clients use
//   PROXY_URL      a TCP proxy in front of the server, whose connections can be dropped
//   PROXY_CONTROL  its control endpoint: POST /down drops every connection through the
//                  proxy (reset) and refuses new ones; POST /up lets them through again
import assert from "node:assert/strict";
import { io, Manager } from "socket.io-client";
import { SERVER_URL, sleep, waitFor } from "../lib/util.mjs";

export { SERVER_URL, sleep, waitFor, Manager };

export const TRANSPORT = process.env.TRANSPORT || "websocket";
if (!["polling", "websocket"].includes(TRANSPORT)) {
  throw new Error(`TRANSPORT must be polling or websocket, not ${JSON.stringify(TRANSPORT)}`);
}
export const PROXY_URL = process.env.PROXY_URL || "";
const PROXY_CONTROL = process.env.PROXY_CONTROL || "";

/** Longest wait for any one thing. */
export const WAIT = 10000;

/** socket.io-client options: the transport under test, no automatic reconnection. */
export function clientOptions(extra = {}) {
  return { transports: [TRANSPORT], forceNew: true, reconnection: false, timeout: WAIT, ...extra };
}

/** A socket on namespace nsp of the server at base (not connected yet unless autoConnect). */
export function client(base = SERVER_URL, nsp = "/", opts = {}) {
  return io(new URL(nsp, base).href, clientOptions(opts));
}

/** Resolves when socket is connected; rejects on connect_error. */
export async function connected(socket) {
  if (socket.connected) return;
  await waitFor(socket, "connect", { ms: WAIT, failOn: ["connect_error"] });
}

/** Connects a new socket and waits for it. */
export async function connect(base = SERVER_URL, nsp = "/", opts = {}) {
  const socket = client(base, nsp, opts);
  await connected(socket);
  return socket;
}

/**
 * Cuts the transport under the socket (all namespaces of its Manager), never with
 * socket.disconnect(). how:
 *   "close"  the client closes its Engine.IO connection (socket.io.engine.close()): a
 *            WebSocket close frame, or a polling close packet; the server sees a transport close
 *   "drop"   the network drops: every TCP connection through the proxy is reset and new ones
 *            are refused until heal(); the server finds out by itself (aborted poll, broken
 *            WebSocket or ping timeout). The socket must have connected through PROXY_URL.
 * Resolves with the client's disconnect reason once the socket has seen the disconnection.
 */
export async function cut(socket, how) {
  const gone = waitFor(socket, "disconnect", { ms: WAIT });
  if (how === "close") {
    socket.io.engine.close();
  } else if (how === "drop") {
    await proxy("down");
  } else {
    throw new Error(`unknown cut ${how}`);
  }
  const [reason] = await gone;
  assert.notEqual(reason, "io client disconnect");
  assert.notEqual(reason, "io server disconnect");
  return reason;
}

/** Lets connections through the proxy again after a "drop" cut. */
export async function heal() {
  if (PROXY_CONTROL) await proxy("up");
}

async function proxy(what) {
  assert.ok(PROXY_CONTROL, "PROXY_CONTROL is not set");
  const res = await fetch(new URL(what, PROXY_CONTROL), { method: "POST", signal: AbortSignal.timeout(WAIT) });
  assert.equal(res.status, 204, `proxy ${what}`);
}

/** Connects the socket again (socket.connect()) and waits for the connect event. */
export async function reconnect(socket) {
  const done = connected(socket);
  socket.connect();
  await done;
}

/**
 * Records the events socket receives whose first argument is an object { tag, n } with
 * this tag, as "event:n" strings in `list`, and whether each carried an offset (a string
 * last argument) in `offsets` (the offset, or null).
 */
export function record(socket, tag) {
  const list = [];
  const offsets = [];
  const args = [];
  socket.onAny((event, ...rest) => {
    if (rest[0]?.tag !== tag) return;
    list.push(`${event}:${rest[0].n}`);
    const last = rest.at(-1);
    offsets.push(rest.length > 1 && typeof last === "string" ? last : null);
    args.push(rest);
  });
  return { list, offsets, args };
}

/** Waits until cond() is true, polling every 20 ms; fails after ms with what(). */
export async function until(cond, what, ms = WAIT) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timeout (${ms} ms): ${what()}`);
    await sleep(20);
  }
}

/**
 * Waits until the server no longer lists socket id `id` (its disconnection is done, and
 * its session kept when the reason allowed it), asking through `observer`, a connected
 * socket of the same namespace.
 */
export async function waitGone(observer, id) {
  const end = Date.now() + WAIT;
  for (;;) {
    const ids = await observer.timeout(WAIT).emitWithAck("fetch-sockets");
    assert.ok(Array.isArray(ids), `fetch-sockets answered ${JSON.stringify(ids)}`);
    if (!ids.includes(id)) return;
    if (Date.now() > end) throw new Error(`socket ${id} still listed by the server: ${JSON.stringify(ids)}`);
    await sleep(30);
  }
}

/**
 * Has `sender` emit the numbered messages from..to (inclusive) with tag: odd numbers as
 * `to-room` (room-message to room), even ones as `broadcast` (to the whole namespace),
 * optionally with a binary argument; resolves when the server has handled them all.
 */
export async function sendNumbered(sender, room, tag, from, to, { binary = false } = {}) {
  for (let n = from; n <= to; n++) {
    const payload = { tag, n };
    const extra = binary ? [Buffer.from([n, 0, 255])] : [];
    if (n % 2) sender.emit("to-room", room, payload, ...extra);
    else sender.emit("broadcast", payload, ...extra);
  }
  await sync(sender);
}

/** Resolves when the server has handled every event sender emitted before. */
export async function sync(sender) {
  await sender.timeout(WAIT).emitWithAck("echo", "sync");
}

/** The expected record of sendNumbered(from..to). */
export function numbered(from, to) {
  const out = [];
  for (let n = from; n <= to; n++) out.push(`${n % 2 ? "room-message" : "broadcast"}:${n}`);
  return out;
}

/** A tag unique to one test, for its rooms and messages. */
export function uniqueTag(name) {
  return `${name}-${TRANSPORT}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Disconnects the sockets that are still open; for t.after. */
export function closeAll(...sockets) {
  for (const s of sockets) {
    if (!s) continue;
    s.io.reconnection(false);
    s.disconnect();
    s.io.engine?.close();
  }
}
