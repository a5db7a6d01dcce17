// Helpers of the Socket.IO suites (js/socketio/). The Go driver passes, besides SERVER_URL
// and SERVER_PID (see util.mjs):
//   TRANSPORT  "polling" (polling only), "websocket" (WebSocket only) or "upgrade" (starts
//              on polling, upgrades to WebSocket; connect() waits for the upgrade).
import assert from "node:assert/strict";
import { io, Manager } from "socket.io-client";
import { SERVER_URL, sleep, waitFor } from "./util.mjs";

export { SERVER_URL, sleep, waitFor };

export const TRANSPORT = process.env.TRANSPORT || "websocket";
if (!["polling", "websocket", "upgrade"].includes(TRANSPORT)) {
  throw new Error(`TRANSPORT must be polling, websocket or upgrade, not ${JSON.stringify(TRANSPORT)}`);
}

/** socket.io-client options of the transport mode under test, without reconnection. */
export function clientOptions(extra = {}) {
  const transports = {
    polling: ["polling"],
    websocket: ["websocket"],
    upgrade: ["polling", "websocket"],
  }[TRANSPORT];
  return { transports, reconnection: false, timeout: 10000, ...extra };
}

/**
 * Waits until `engine` (an engine.io-client Socket) runs on the transport of the mode: in
 * "upgrade" mode, until the upgrade to WebSocket is done.
 */
export async function settled(engine) {
  if (TRANSPORT !== "upgrade") {
    assert.equal(engine.transport.name, TRANSPORT, "transport in use");
    return;
  }
  if (engine.transport.name !== "websocket") {
    await waitFor(engine, "upgrade", { ms: 10000, failOn: ["upgradeError", "close"] });
  }
  assert.equal(engine.transport.name, "websocket", "transport after the upgrade");
}

/**
 * Opens a new Manager (a connection of its own) and returns it with a socket on each
 * namespace of `nsps`, all connected (and upgraded in "upgrade" mode). `opts` are Manager
 * options; `socketOpts` (e.g. { auth }) go to every socket.
 */
export async function connectMany(nsps, opts = {}, socketOpts = {}) {
  const manager = new Manager(SERVER_URL, clientOptions(opts));
  let firstTransport;
  manager.once("open", () => { firstTransport = manager.engine.transport.name; });
  const sockets = nsps.map((nsp) => manager.socket(nsp, socketOpts));
  try {
    await Promise.all(sockets.map((s) => connected(s)));
    await settled(manager.engine);
  } catch (err) {
    for (const s of sockets) s.disconnect();
    manager.engine?.close();
    throw err;
  }
  if (TRANSPORT === "upgrade") assert.equal(firstTransport, "polling", "the upgrade mode starts on polling");
  return { manager, sockets };
}

/**
 * Connects one socket to `nsp` on a connection of its own. `opts` mix Manager options and
 * socket options (auth), as io() takes them.
 */
export async function connect(nsp = "/", opts = {}) {
  const socket = io(new URL(nsp, SERVER_URL).href, clientOptions({ forceNew: true, ...opts }));
  try {
    await connected(socket);
    await settled(socket.io.engine);
  } catch (err) {
    socket.disconnect();
    throw err;
  }
  return socket;
}

/** Connects n sockets to `nsp`, each on its own connection. */
export function connectN(n, nsp = "/", opts = {}) {
  return Promise.all(Array.from({ length: n }, () => connect(nsp, opts)));
}

/** Resolves once `socket` is connected; rejects with the connect_error. */
export async function connected(socket, ms = 10000) {
  if (socket.connected) return;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { done(); reject(new Error(`not connected to ${socket.nsp} within ${ms} ms`)); }, ms);
    const onConnect = () => { done(); resolve(); };
    const onError = (err) => { done(); reject(err); };
    const done = () => { clearTimeout(timer); socket.off("connect", onConnect); socket.off("connect_error", onError); };
    socket.on("connect", onConnect);
    socket.on("connect_error", onError);
  });
}

/** Resolves with the connect_error of a socket that must not connect. */
export function connectError(socket, ms = 10000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { done(); reject(new Error(`no connect_error on ${socket.nsp} within ${ms} ms`)); }, ms);
    const onConnect = () => { done(); reject(new Error(`${socket.nsp} connected, a connect_error was expected`)); };
    const onError = (err) => { done(); resolve(err); };
    const done = () => { clearTimeout(timer); socket.off("connect", onConnect); socket.off("connect_error", onError); };
    socket.on("connect", onConnect);
    socket.on("connect_error", onError);
  });
}

/** Resolves with the arguments of the next `event` on `socket`; fails on disconnect. */
export function next(socket, event, ms = 5000) {
  return waitFor(socket, event, { ms, failOn: event === "disconnect" ? [] : ["disconnect"] });
}

/** Emits with an ack and a generous timeout; resolves with the ack's arguments (array). */
export function ask(socket, event, ...args) {
  return new Promise((resolve, reject) => {
    socket.timeout(10000).emit(event, ...args, (err, ...res) => (err ? reject(new Error(`no ack to "${event}": ${err.message}`)) : resolve(res)));
  });
}

/**
 * Collects every `event` that `socket` receives from now on; stop() detaches and returns
 * the list of argument arrays.
 */
export function recorder(socket, event) {
  const got = [];
  const fn = (...args) => got.push(args);
  socket.on(event, fn);
  return { got, stop: () => { socket.off(event, fn); return got; } };
}

/** Waits until cond() holds, polling every 20 ms, or fails after ms with `what`. */
export async function until(cond, what, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) assert.fail(`timeout (${ms} ms) waiting for ${what}`);
    await sleep(20);
  }
}

/** Disconnects sockets and closes their connections; never throws. */
export function closeAll(...sockets) {
  for (const s of sockets.flat()) {
    if (!s) continue;
    try {
      s.disconnect();
      s.io?.engine?.close();
    } catch {
      // already closed
    }
  }
}
