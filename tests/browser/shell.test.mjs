// The UI in a real browser (Debian's Chromium via playwright-core), with the backend faked.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

import { serveStatic } from '../support/static-server.mjs';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const shots = process.env.SCREENSHOT_DIR ?? join(repo, 'target', 'screenshots');
mkdirSync(shots, { recursive: true });

let server;
let browser;

before(async () => {
  server = await serveStatic(join(repo, 'ui'), { '/js/ipc.js': join(repo, 'tests/browser/fake-ipc.js') });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

async function openShell({ colorScheme = 'light', backend } = {}) {
  const context = await browser.newContext({ colorScheme, viewport: { width: 1200, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(5000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  if (backend) await page.addInitScript((b) => { globalThis.__fakeBackend = b; }, backend);
  await page.goto(`${server.url}/index.html`);
  return { page, errors, close: () => context.close() };
}

const byTestId = (id) => `[data-testid="${id}"]`;

/** Clicks the visible label of a visually hidden radio, as a person would. */
const choose = (page, id) => page.click(`label:has(> ${byTestId(id)})`);

for (const colorScheme of ['light', 'dark']) {
  test(`shell renders header, compose and the empty gallery (${colorScheme})`, async () => {
    const { page, errors, close } = await openShell({ colorScheme });
    await page.waitForSelector(`${byTestId('app-version')}:not([hidden])`);
    assert.equal(await page.textContent(byTestId('app-version')), 'Version 0.1.0');
    assert.match(await page.textContent(byTestId('gallery')), /No videos yet/);
    assert.match(await page.textContent(byTestId('library-dir')), /Videos\/Sora Desk/);
    assert.match(await page.textContent(byTestId('app-info')), /app\.soradesk\.desktop/);
    assert.equal(await page.textContent(byTestId('prompt-counter')), '0 / 5,000');
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(background, colorScheme === 'dark' ? 'rgb(17, 18, 25)' : 'rgb(245, 246, 250)');
    await page.screenshot({ path: join(shots, `browser-shell-${colorScheme}.png`) });
    assert.deepEqual(errors, []);
    await close();
  });
}

test('typing updates the counter and Generate says why it waits', async () => {
  const { page, close } = await openShell();
  const generate = page.locator(byTestId('generate'));
  assert.equal(await generate.isDisabled(), true);
  assert.equal(await page.textContent(byTestId('generate-reason')), 'Describe your video to continue.');
  await page.fill(byTestId('prompt'), 'A cat playing piano 🎹');
  assert.equal(await page.textContent(byTestId('prompt-counter')), '21 / 5,000');
  assert.match(await page.textContent(byTestId('generate-reason')), /not available/);
  await page.fill(byTestId('prompt'), 'x'.repeat(5003));
  assert.equal(await page.textContent(byTestId('generate-reason')), 'Shorten the description by 3 characters.');
  await choose(page, 'duration-12');
  assert.equal(await page.isChecked(byTestId('duration-12')), true);
  assert.equal(await page.textContent(byTestId('estimate')), 'About 69.12 credits (estimate)');
  await close();
});

test('keyboard reaches the prompt, the choices and the durations', async () => {
  const { page, close } = await openShell();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'prompt');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'orientation-landscape');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.isChecked(byTestId('orientation-portrait')), true);
  await close();
});

test('a backend failure is shown in plain words, not swallowed', async () => {
  const { page, close } = await openShell({
    backend: { fail: { app_info: { code: 'internal', message: 'boom', retryable: false } } },
  });
  await page.waitForSelector(`${byTestId('app-info')}.error`);
  assert.match(await page.textContent(byTestId('app-info')), /could not reach its engine/);
  await close();
});
