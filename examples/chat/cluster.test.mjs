// The chat on two workers (-workers 2 -redis URL), in a real browser and
// with the Node client: headless Chromium driven by playwright-core, and
// socket.io-client.
//
// Run by TestCluster (cluster_test.go), which starts Redis and the chat and
// passes:
//   CHAT_URLS  the two workers' addresses, comma-separated
//   CHROMIUM   the browser (default /usr/bin/chromium)
// When this script writes "ctl session <pid>" on stdout, the Go test waits
// until the recovery session <pid> is kept in Redis, and answers "ok" on
// stdin. It writes "moved <socket id>" for a client that recovered on the
// other worker, and at the end "history <JSON array>": every message, in
// order, that the database must hold.
import assert from 'node:assert/strict';
import { WAIT, control, release, step, launch, openPage as open, waitConnected, messagesOf, expectMessages } from './testdata/browser.mjs';
import { io } from 'socket.io-client';

const urls = (process.env.CHAT_URLS || '').split(',').filter(Boolean);
if (urls.length !== 2) {
  console.error('CHAT_URLS must hold the two workers (run `go test` in examples/chat)');
  process.exit(2);
}
const browser = await launch();
const openPage = (name, url) => open(browser, name, url);

// Every message sent, in the order the cluster stored them.
let history = [];

try {
  // A page on each worker: each page talks to the worker of its origin.
  const a = await openPage('A', urls[0]);
  const b = await openPage('B', urls[1]);

  step('a message sent on one worker shows on the other, once');
  await send(a, 'Hello from worker 0', [a, b]);
  await send(b, 'Hello from worker 1', [a, b]);

  step('both pages send at once: every message shows once, in the same order on both');
  // And, under the pages, what the workers send: a Node client on each
  // records the messages as they arrive, and must get every one.
  const observers = await Promise.all(urls.map((url) => observe(url, b)));
  const burst = 10;
  await Promise.all([type(a, 'A', burst), type(b, 'B', burst)]);
  await a.waitForFunction((n) => document.querySelectorAll('#messages li').length >= n,
    history.length + 2 * burst, { timeout: WAIT });
  const order = await messagesOf(a);
  assert.equal(order.length, history.length + 2 * burst, 'page A shows extra messages');
  assert.deepEqual(order.slice(0, history.length), history);
  for (const who of ['A', 'B']) {
    // Each page's messages are stored in the order it sent them.
    const mine = order.filter((m) => m.startsWith(`${who}:`));
    assert.deepEqual(mine, [...Array(burst).keys()].map((i) => `${who}: burst ${i}`));
  }
  history = order;
  await expectMessages(b, history);
  for (const [w, o] of observers.entries()) {
    await until(() => new Set(o.got.map((m) => m.id)).size >= 2 * burst, `observer ${w} missed messages`);
    o.client.disconnect();
    const ids = o.got.map((m) => m.id);
    const unique = [...new Set(ids)].sort((x, y) => x - y);
    assert.equal(unique.length, 2 * burst, `observer ${w} got ${JSON.stringify(o.got)}`);
    assert.deepEqual(unique.map((id) => o.got.find((m) => m.id === id).msg), history.slice(-2 * burst),
      `observer ${w}: messages and offsets do not match the pages`);
    assert.equal(ids.length, unique.length, `observer ${w} got a message twice: ${JSON.stringify(o.got)}`);
    // A message may arrive just after a newer one on the worker that stored
    // the newer one (README, "What is guaranteed"): rare, counted, not an error.
    const late = ids.filter((id, i) => i > 0 && id < Math.max(...ids.slice(0, i))).length;
    console.log(`observer on worker ${w}: ${ids.length} messages, ${late} after a newer one`);
  }

  step('A clicks Disconnect, B sends on the other worker, A clicks Connect and gets it from the database');
  await a.click('#toggle-btn');
  await a.waitForFunction(() => !socket.connected, null, { timeout: WAIT });
  await send(b, 'Sent while A was away', [b]);
  await a.waitForTimeout(300);
  assert.deepEqual(await messagesOf(a), history.slice(0, -1), 'A got a message while disconnected');
  await a.click('#toggle-btn');
  await waitConnected(a);
  await expectMessages(a, history);

  step("A's connection drops, B sends on the other worker, A comes back recovered (session in Redis)");
  const pidA = await a.evaluate(() => {
    socket.io.reconnection(false);
    socket.io.engine.close();
    return socket._pid;
  });
  await a.waitForFunction(() => !socket.connected, null, { timeout: WAIT });
  await control(`session ${pidA}`);
  await send(b, 'Sent while A had no network', [b]);
  await a.evaluate(() => {
    socket.io.reconnection(true);
    socket.connect();
  });
  await waitConnected(a);
  assert.equal(await a.evaluate(() => socket.recovered), true, 'A was not recovered');
  await expectMessages(a, history);

  step('a Node client drops on worker 0 and recovers on worker 1');
  await moveAcross(a, b);

  step('the pages reload and show the whole history, once');
  await a.reload();
  await b.reload();
  await waitConnected(a);
  await waitConnected(b);
  await expectMessages(a, history);
  await expectMessages(b, history);
  await send(b, 'The end', [a, b]);
  await a.waitForTimeout(1000);
  assert.deepEqual(await messagesOf(a), history, 'a message arrived late or twice on A');
  assert.deepEqual(await messagesOf(b), history, 'a message arrived late or twice on B');

  step('the page shows a message that comes twice once, and one that comes late in its place');
  const c = await openPage('C', urls[0]);
  await expectMessages(c, history);
  const shown = await c.evaluate(() => {
    const show = socket.listeners('chat message')[0];
    for (const [msg, id] of [['third', 1e9 + 3], ['first', 1e9 + 1], ['third', 1e9 + 3], ['second', 1e9 + 2]]) show(msg, id);
    return [[...document.querySelectorAll('#messages li')].map((li) => li.textContent), socket.auth.serverOffset];
  });
  assert.deepEqual(shown, [[...history, 'first', 'second', 'third'], 1e9 + 3]);

  console.log(`history ${JSON.stringify(history)}`);
  console.log('cluster test passed');
} finally {
  await browser.close();
  release();
}

// moveAcross connects a Node client to worker 0, drops its connection,
// has page b send a message on worker 1, and brings the client back on
// worker 1, as a load balancer would after worker 0 went away: it must be
// recovered there (same id) with the message it missed, and talk on.
async function moveAcross(a, b) {
  const got = [];
  const client = io(urls[0], {
    transports: ['websocket'],
    auth: { serverOffset: await b.evaluate(() => socket.auth.serverOffset) },
    reconnection: false,
    ackTimeout: 10000,
    retries: 3,
  });
  client.on('chat message', (msg) => got.push(msg));
  await new Promise((resolve, reject) => {
    client.once('connect', resolve);
    client.once('connect_error', reject);
  });
  // A live message gives the client its offset in the Redis stream.
  await send(b, 'Before the move', [b]);
  await until(() => got.includes('Before the move'), 'the Node client did not get a live message');
  const id = client.id;
  const pid = client._pid;
  assert.ok(pid, 'no recovery session id: is recovery on?');

  const gone = new Promise((resolve) => client.once('disconnect', resolve));
  client.io.engine.close(); // the connection drops: no goodbye, the session is kept
  await gone;
  await control(`session ${pid}`);
  await send(b, 'Sent while the client moved', [a, b]);

  client.io.uri = urls[1]; // what a load balancer does when a server goes away
  const back = new Promise((resolve, reject) => {
    client.once('connect', resolve);
    client.once('connect_error', reject);
  });
  client.connect();
  await back;
  assert.equal(client.io.engine.opts.port, new URL(urls[1]).port, 'the client is not on worker 1');
  assert.equal(client.recovered, true, 'the Node client was not recovered on worker 1');
  assert.equal(client.id, id, 'the recovered socket has another id');
  await until(() => got.includes('Sent while the client moved'), 'the missed message was not replayed');
  console.log(`moved ${id}`);

  await client.emitWithAck('chat message', 'Hello from the moved client', `${id}-moved-0`);
  history.push('Hello from the moved client');
  await expectMessages(a, history);
  await expectMessages(b, history);
  await until(() => got.includes('Hello from the moved client'), 'the moved client did not get its message');
  const counts = {};
  for (const m of got) counts[m] = (counts[m] ?? 0) + 1;
  for (const [m, n] of Object.entries(counts)) assert.equal(n, 1, `the Node client got ${JSON.stringify(m)} ${n} times`);
  client.disconnect();
}

// observe connects a Node client to url, from page's offset on, and
// records the messages it receives: {msg, id}.
async function observe(url, page) {
  const got = [];
  const client = io(url, {
    transports: ['websocket'],
    auth: { serverOffset: await page.evaluate(() => socket.auth.serverOffset) },
  });
  client.on('chat message', (msg, id) => got.push({ msg, id }));
  await new Promise((resolve, reject) => {
    client.once('connect', resolve);
    client.once('connect_error', reject);
  });
  return { client, got };
}

async function until(fn, what) {
  const end = Date.now() + WAIT;
  while (!fn()) {
    if (Date.now() > end) throw new Error(what);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// type submits n messages "WHO: burst i" through page's form, without
// waiting for them to show.
function type(page, who, n) {
  return page.evaluate(([who, n]) => {
    const form = document.getElementById('form');
    const input = document.getElementById('input');
    for (let i = 0; i < n; i++) {
      input.value = `${who}: burst ${i}`;
      form.requestSubmit();
    }
  }, [who, n]);
}

// send types text on page and submits it, and waits until every page of
// seenBy shows the history with it.
async function send(page, text, seenBy) {
  await page.fill('#input', text);
  await page.press('#input', 'Enter');
  history.push(text);
  for (const p of seenBy) await expectMessages(p, history);
}

