// Shared by the chat's browser scripts (browser.test.mjs, cluster.test.mjs):
// the conversation with the Go test over stdin/stdout, Chromium, and the
// page helpers.
import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

export const WAIT = 15_000; // for anything the tests wait for

const lines = createInterface({ input: process.stdin });
const stdin = lines[Symbol.asyncIterator]();

// control writes "ctl <what>" for the Go test and waits for its "ok".
export async function control(what) {
  console.log(`ctl ${what}`);
  const { value, done } = await stdin.next();
  assert.ok(!done && value === 'ok', `the Go test did not confirm "${what}" (got ${JSON.stringify(value)})`);
}

// release lets node exit: it would otherwise wait for stdin to end.
export function release() {
  lines.close();
  process.stdin.destroy();
}

export function step(what) {
  console.log(`step: ${what}`);
}

// launch starts headless Chromium with the flags this closed network needs.
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

// openPage opens url in a new browser context and waits for the socket.
export async function openPage(browser, name, url) {
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

export function waitConnected(page) {
  return page.waitForFunction(() => typeof socket !== 'undefined' && socket.connected, null, { timeout: WAIT });
}

export function messagesOf(page) {
  return page.$$eval('#messages li', (items) => items.map((li) => li.textContent));
}

// expectMessages waits until page shows exactly want, in order.
export async function expectMessages(page, want) {
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
