// The chat in a real browser: headless Chromium driven by playwright-core.
//
// Run by chat_test.go, which builds and starts the chat and passes:
//   CHAT_URL         the chat's address, e.g. http://127.0.0.1:41234
//   CHAT_SCREENSHOT  where to save a screenshot at the end
//   CHROMIUM         the browser (default /usr/bin/chromium)
// The Go test also stops and starts the server when asked: this script
// writes "ctl stop" or "ctl start" on stdout and waits for a line "ok" on
// stdin. At the end it writes "history <JSON array>": every message, in
// order, that the database must hold.
import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const url = process.env.CHAT_URL;
const screenshot = process.env.CHAT_SCREENSHOT;
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!url || !screenshot) {
  console.error('CHAT_URL and CHAT_SCREENSHOT must be set (run `go test` in examples/chat)');
  process.exit(2);
}
const WAIT = 15_000; // for anything the test waits for

const lines = createInterface({ input: process.stdin });
const stdin = lines[Symbol.asyncIterator]();

// control asks the Go test to stop or start the server, and waits until it is done.
async function control(what) {
  console.log(`ctl ${what}`);
  const { value, done } = await stdin.next();
  assert.ok(!done && value === 'ok', `the Go test did not confirm "${what}" (got ${JSON.stringify(value)})`);
}

function step(what) {
  console.log(`step: ${what}`);
}

const browser = await chromium.launch({
  executablePath,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});

// Every message sent, in the order the server stored them.
const history = [];

try {
  const a = await openPage('A');
  const b = await openPage('B');

  step('two pages exchange messages');
  await send(a, 'Hello from A');
  await send(b, 'Hi A, B here');
  await expectMessages(a, history);
  await expectMessages(b, history);

  step('A clicks Disconnect, B sends, A clicks Connect and gets it');
  await a.click('#toggle-btn');
  await a.waitForFunction(() => !socket.connected, null, { timeout: WAIT });
  assert.equal(await a.textContent('#toggle-btn'), 'Connect');
  await send(b, 'Sent while A was away', [b]);
  await a.waitForTimeout(300);
  assert.deepEqual(await messagesOf(a), history.slice(0, -1), 'A got a message while disconnected');
  await a.click('#toggle-btn');
  await waitConnected(a);
  assert.equal(await a.textContent('#toggle-btn'), 'Disconnect');
  await expectMessages(a, history);
  // A disconnect asked for by the client is final on the server, as in
  // Node: the message came from the database (step 7), not from recovery.
  console.log(`A recovered after the toggle: ${await a.evaluate(() => socket.recovered)}`);

  step("A's connection drops (no goodbye), B sends, A comes back recovered");
  await a.evaluate(() => {
    socket.io.reconnection(false); // reconnect by hand below, once B has sent
    socket.io.engine.close();
  });
  await a.waitForFunction(() => !socket.connected, null, { timeout: WAIT });
  await a.waitForTimeout(300); // let the server see the drop and keep the session
  await send(b, 'Sent while A had no network', [b]);
  await a.evaluate(() => {
    socket.io.reconnection(true);
    socket.connect();
  });
  await waitConnected(a);
  assert.equal(await a.evaluate(() => socket.recovered), true, 'A was not recovered');
  await expectMessages(a, history);
  await send(b, 'A is back');
  await send(a, 'And A can still talk');
  await expectMessages(a, history);
  await expectMessages(b, history);

  step('a retried message (same client offset) is stored and shown once');
  const acks = await a.evaluate(async () => [
    await socket.emitWithAck('chat message', 'Only once, however often it is sent', 'test-retry-0'),
    await socket.emitWithAck('chat message', 'Only once, however often it is sent', 'test-retry-0'),
  ]);
  assert.equal(acks.length, 2);
  history.push('Only once, however often it is sent');
  await expectMessages(a, history);
  await expectMessages(b, history);

  step('the server stops; A sends while it is down; the server starts again');
  await control('stop');
  await a.waitForFunction(() => !socket.connected, null, { timeout: WAIT });
  await b.waitForFunction(() => !socket.connected, null, { timeout: WAIT });
  await a.fill('#input', 'Sent while the server was down');
  await a.press('#input', 'Enter');
  history.push('Sent while the server was down');
  await control('start');
  await waitConnected(a);
  await waitConnected(b);
  // The server forgot its sessions: the pages caught up from the database.
  assert.equal(await b.evaluate(() => socket.recovered), false, 'B recovered across a restart');
  await expectMessages(a, history);
  await expectMessages(b, history);
  await send(b, 'Welcome back, server');
  await expectMessages(a, history);

  step('B reloads and shows the whole history, once');
  await b.reload();
  await waitConnected(b);
  await expectMessages(b, history);

  step('nothing arrives late or twice');
  await a.waitForTimeout(1000);
  assert.deepEqual(await messagesOf(a), history);
  assert.deepEqual(await messagesOf(b), history);

  await b.screenshot({ path: screenshot });
  console.log(`history ${JSON.stringify(history)}`);
  console.log('browser test passed');
} finally {
  await browser.close();
  lines.close();
  process.stdin.destroy(); // else node waits for stdin to end
}

async function openPage(name) {
  const context = await browser.newContext({ viewport: { width: 720, height: 540 } });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.log(`page ${name}: error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') console.log(`page ${name}: ${msg.type()}: ${msg.text()}`);
  });
  page.setDefaultTimeout(WAIT);
  await page.goto(url);
  await waitConnected(page);
  return page;
}

function waitConnected(page) {
  return page.waitForFunction(() => typeof socket !== 'undefined' && socket.connected, null, { timeout: WAIT });
}

// send types text on page and submits it, and waits until every page of
// seenBy (by default the sender) shows the history with it, so that the
// next message is sent after this one is stored.
async function send(page, text, seenBy) {
  await page.fill('#input', text);
  await page.press('#input', 'Enter');
  history.push(text);
  for (const p of seenBy ?? [page]) await expectMessages(p, history);
}

function messagesOf(page) {
  return page.$$eval('#messages li', (items) => items.map((li) => li.textContent));
}

// expectMessages waits until page shows exactly want, in order.
async function expectMessages(page, want) {
  try {
    await page.waitForFunction(
      (want) => {
        const got = [...document.querySelectorAll('#messages li')].map((li) => li.textContent);
        return JSON.stringify(got) === JSON.stringify(want);
      },
      want,
      { timeout: WAIT },
    );
  } catch (err) {
    assert.deepEqual(await messagesOf(page), want, `messages of the page (${err.message.split('\n')[0]})`);
    throw err;
  }
}
