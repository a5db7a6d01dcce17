// Shared helpers of the e2e JS suites. The Go driver (e2e/*_test.go) starts the server
// under test and passes:
//   SERVER_URL  base URL, e.g. http://127.0.0.1:41234
//   SERVER_PID  the server's process id, for tests that SIGSTOP/SIGTERM it
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import WebSocket from "ws";
import { Socket } from "engine.io-client";

export { sleep, WebSocket };

export const SERVER_URL = process.env.SERVER_URL;
if (!SERVER_URL) throw new Error("SERVER_URL is not set: run the suites through `go test ./e2e/`");
export const SERVER_PID = Number(process.env.SERVER_PID) || 0;

/** The Engine.IO echo endpoint. */
export const EIO_PATH = "/engine.io/";
export const EIO_URL = new URL(EIO_PATH, SERVER_URL).href;

/** Record separator of polling payloads. */
export const SEP = "\x1e";

/**
 * Resolves with the arguments of the next `event` of `emitter` (array), rejects after `ms`
 * or, when `failOn` names other events, as soon as one of those fires first.
 */
export function waitFor(emitter, event, { ms = 5000, failOn = [] } = {}) {
  return new Promise((resolve, reject) => {
    const off = () => {
      clearTimeout(timer);
      emitter.off(event, onEvent);
      for (const f of failOn) emitter.off(f, handlers[f]);
    };
    const onEvent = (...args) => { off(); resolve(args); };
    const handlers = {};
    for (const f of failOn) {
      handlers[f] = (...args) => {
        off();
        reject(new Error(`got "${f}" (${args.map(String).join(", ")}) while waiting for "${event}"`));
      };
      emitter.on(f, handlers[f]);
    }
    const timer = setTimeout(() => { off(); reject(new Error(`timeout (${ms} ms) waiting for "${event}"`)); }, ms);
    emitter.on(event, onEvent);
  });
}

/** Resolves with the first `n` messages `socket` receives from now on. */
export function collectMessages(socket, n, { ms = 10000 } = {}) {
  return new Promise((resolve, reject) => {
    const got = [];
    const onMessage = (data) => {
      got.push(data);
      if (got.length === n) { done(); resolve(got); }
    };
    const onClose = (reason) => { done(); reject(new Error(`closed (${reason}) after ${got.length}/${n} messages`)); };
    const timer = setTimeout(() => { done(); reject(new Error(`timeout: ${got.length}/${n} messages`)); }, ms);
    const done = () => { clearTimeout(timer); socket.off("message", onMessage); socket.off("close", onClose); };
    socket.on("message", onMessage);
    socket.on("close", onClose);
  });
}

/** Turns a received message into a comparable value: strings stay, binaries become Buffers. */
export function norm(data) {
  if (typeof data === "string") return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new Error(`unexpected message type ${Object.prototype.toString.call(data)}`);
}

/** Builds an Engine.IO URL on the echo endpoint with the given query (EIO=4 unless overridden). */
export function eioURL(query = {}, { path = EIO_PATH } = {}) {
  const url = new URL(path, SERVER_URL);
  for (const [k, v] of Object.entries({ EIO: "4", ...query })) {
    if (v !== undefined && v !== null) url.searchParams.set(k, v);
  }
  return url;
}

/** Like eioURL but ws:// for WebSocket connections. */
export function wsURL(query = {}) {
  const url = eioURL({ transport: "websocket", ...query });
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}

/** Longest wait of any single request or event in the helpers. */
export const MAX_WAIT = 10000;

/**
 * Raw HTTP request; resolves with { status, headers, body (text) }. Without a signal of its
 * own it fails after MAX_WAIT, so that a request the server never answers fails the test.
 */
export async function request(query, { method = "GET", body, headers, signal = AbortSignal.timeout(MAX_WAIT) } = {}) {
  const res = await fetch(eioURL(query), { method, body, headers, signal });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

/** Asserts an Engine.IO JSON error answer. */
export function assertError(res, status, code, message) {
  assert.equal(res.status, status, `HTTP status (body: ${res.body})`);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  const json = JSON.parse(res.body);
  if (message === undefined) assert.equal(json.code, code, `error code in ${res.body}`);
  else assert.deepEqual(json, { code, message });
}

function codeOf(res) {
  try {
    return JSON.parse(res.body).code;
  } catch {
    return undefined;
  }
}

/** Splits a polling payload into packets. */
export const decodePayload = (body) => body.split(SEP);

/** Does a raw polling handshake; resolves with the parsed open packet and the response. */
export async function pollingHandshake(query = {}) {
  const res = await request({ transport: "polling", ...query });
  assert.equal(res.status, 200, `handshake status (body: ${res.body})`);
  assert.equal(res.body[0], "0", `handshake body ${res.body}`);
  return { ...JSON.parse(res.body.slice(1)), res };
}

/** GET on an existing polling session. */
export const poll = (sid, opts) => request({ transport: "polling", sid }, opts);

/** POST of a polling payload on an existing session. */
export const send = (sid, body, opts = {}) =>
  request({ transport: "polling", sid }, { method: "POST", body, headers: { "Content-Type": "text/plain;charset=UTF-8" }, ...opts });

/**
 * Polls until the session is gone, i.e. a GET gets 400 {"code":1} (Session ID unknown):
 * resolves with that answer, fails after `ms`. (While a WebSocket session lives, a polling
 * GET gets 400 code 3, transport mismatch, so a bare 400 proves nothing.)
 */
export async function expectSessionGone(sid, { ms = 2000 } = {}) {
  const deadline = Date.now() + ms;
  for (;;) {
    // A short-lived GET: if the session is still alive it would hang, so cut it off.
    const ctrl = new AbortController();
    const t = setTimeout(() => ctrl.abort(), 200);
    let res;
    try {
      res = await poll(sid, { signal: ctrl.signal });
    } catch (err) {
      if (err.name !== "AbortError") throw err;
    } finally {
      clearTimeout(t);
    }
    if (res && res.status === 400 && codeOf(res) === 1) return res;
    if (Date.now() > deadline) {
      assert.fail(`session ${sid} still alive after ${ms} ms (last answer: ${res ? `${res.status} ${res.body}` : "pending GET"})`);
    }
    await sleep(50);
  }
}

/**
 * Opens a raw WebSocket. Resolves with { ws, next(ms) } once open, where next() resolves with
 * the next message as a string (text frames) or Buffer (binary frames). Messages are queued
 * from the moment the socket opens.
 */
export function openWebSocket(query = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsURL(query), { handshakeTimeout: MAX_WAIT });
    const queue = [];
    const waiters = [];
    ws.on("message", (data, isBinary) => {
      const msg = isBinary ? Buffer.from(data) : data.toString();
      const w = waiters.shift();
      if (w) w.resolve(msg); else queue.push(msg);
    });
    ws.on("close", () => { for (const w of waiters.splice(0)) w.reject(new Error("websocket closed")); });
    ws.once("open", () => resolve({
      ws,
      next(ms = 3000) {
        if (queue.length) return Promise.resolve(queue.shift());
        if (ws.readyState !== WebSocket.OPEN) return Promise.reject(new Error("websocket closed"));
        return new Promise((res, rej) => {
          const w = { resolve: (m) => { clearTimeout(t); res(m); }, reject: (e) => { clearTimeout(t); rej(e); } };
          const t = setTimeout(() => { waiters.splice(waiters.indexOf(w), 1); rej(new Error(`no websocket message within ${ms} ms`)); }, ms);
          waiters.push(w);
        });
      },
    }));
    // A refused upgrade rejects with ws's "Unexpected server response: <status>" error.
    ws.once("error", reject);
  });
}

/**
 * Resolves once `ws` is closed (or the upgrade was refused) within `ms`.
 * `ws` may be an open WebSocket or one still connecting.
 */
export function wsClosed(ws, ms = 3000) {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`websocket still open after ${ms} ms`)), ms);
    ws.once("close", (code) => { clearTimeout(t); resolve(code); });
    ws.once("error", () => {}); // an error is followed by close
  });
}

/** Sends a signal to the server under test. */
export function signalServer(sig) {
  assert.ok(SERVER_PID > 0, "SERVER_PID is not set");
  process.kill(SERVER_PID, sig);
}

/**
 * Opens an engine.io-client Socket on the echo endpoint. Resolves with { socket, handshake }
 * once open (handshake = the server's open packet data); rejects on close/error before that.
 */
export async function connect(opts = {}) {
  const socket = new Socket(EIO_URL, opts);
  let handshake;
  socket.once("handshake", (data) => { handshake = data; });
  try {
    await waitFor(socket, "open", { failOn: ["close", "error"] });
  } catch (err) {
    socket.close();
    throw err;
  }
  return { socket, handshake };
}
