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
import { WAIT, control, release, step, launch, openPage as open, waitConnected, messagesOf, expectMessages } from './testdata/browser.mjs';

const url = process.env.CHAT_URL;
const screenshot = process.env.CHAT_SCREENSHOT;
if (!url || !screenshot) {
  console.error('CHAT_URL and CHAT_SCREENSHOT must be set (run `go test` in examples/chat)');
  process.exit(2);
}
const browser = await launch();
const openPage = (name) => open(browser, name, url);

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
  release();
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

