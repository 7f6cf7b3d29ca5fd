// Shared set-up for the browser tests: the UI served with the fake backend (fake-ipc.js) under the
// app's CSP, Chromium's headless shell through playwright-core, and screenshots in light and dark.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

import { serveStatic } from '../support/static-server.mjs';
import { assertDrawn, regionsOnShow } from '../support/regions.mjs';
import { clippedText } from '../support/layout.mjs';
import { inLanguage, testLanguage } from '../support/words.mjs';

const repo = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The time zone where it is now between noon and one o'clock. The page counts today's spend
 * from local midnight, and the tests' videos were made minutes before they open the page: run
 * just after midnight, those would be yesterday's. The browser and this process (which writes
 * the dates a test expects) both take this zone, so every run is at midday.
 */
const MIDDAY_ZONE = (() => {
  const hoursAhead = 12 - new Date().getUTCHours();
  // Etc/GMT-N is N hours ahead of UTC (POSIX's sign).
  return hoursAhead === 0 ? 'Etc/GMT' : `Etc/GMT${hoursAhead > 0 ? '-' : '+'}${Math.abs(hoursAhead)}`;
})();
process.env.TZ = MIDDAY_ZONE;

export const shots = process.env.SCREENSHOT_DIR ?? join(repo, 'target', 'screenshots');
mkdirSync(shots, { recursive: true });

/** The language the app speaks in these tests: SORA_DESK_TEST_LANG (en or zh-CN), English unless set. */
export const LANG = testLanguage;

/**
 * The page's own words in the test language, to say what a test expects: `strings` is the UI's
 * strings.js and `t`/`say` render catalogue keys, exactly as the page does.
 */
export { strings } from '../../ui/js/strings.js';
export { say, t } from '../../ui/js/i18n.js';
/** A RegExp matching `text` literally. */
export const literally = (text) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));

let server;
let browser;

/** Registers the server and browser for the calling test file. */
export function useBrowser() {
  before(async () => {
    server = await serveStatic(join(repo, 'ui'), {
      '/js/ipc.js': join(repo, 'tests/browser/fake-ipc.js'),
      '/js/fake-art.js': join(repo, 'tests/browser/fake-art.js'),
      // The fake backend reads the app's own model manifest, as the real one embeds it.
      '/fake/models.json': join(repo, 'crates/models/models.json'),
      // The sample clips of the fake EvoLink server stand in for finished videos.
      '/media/landscape.mp4': join(repo, 'crates/evolink-mock/assets/landscape.mp4'),
      '/media/portrait.mp4': join(repo, 'crates/evolink-mock/assets/portrait.mp4'),
      // The fake's answers are checked against the shapes Rust sends (src-tauri/tests/contract.rs).
      '/fake/samples.json': join(repo, 'tests/contract/samples.json'),
    });
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium-headless-shell',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--no-first-run', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
    });
  });
  after(async () => {
    await browser?.close();
    server?.close();
  });
}

export const byTestId = (id) => `[data-testid="${id}"]`;

/**
 * Opens the app with the fake backend set to `backend` (see fake-ipc.js). Fails the test on any
 * page error or CSP violation. `beforeLoad(page)` runs before the page loads (to route requests).
 * Returns the page, the errors seen, and close().
 */
export async function openApp({ backend = {}, colorScheme = 'light', viewport = { width: 1200, height: 800 }, reducedMotion, ready = true, beforeLoad } = {}) {
  // The browser's own language is the test language too, as the system's would be.
  const context = await browser.newContext({ colorScheme, viewport, reducedMotion, locale: LANG, timezoneId: MIDDAY_ZONE });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  const page = await context.newPage();
  page.setDefaultTimeout(5000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/poster frame/.test(m.text())) errors.push(m.text());
  });
  await page.addInitScript((b) => { globalThis.__fakeBackend = b; }, { language: LANG, ...backend });
  await beforeLoad?.(page);
  await page.goto(`${server.url}/index.html`);
  if (ready) await page.waitForFunction(() => globalThis.__fake && document.querySelector('[data-testid="app-version"]:not([hidden])'));
  return {
    page,
    errors,
    async close() {
      await context.close();
    },
  };
}

/**
 * Waits until the page's palette (<html data-scheme>, js/scheme.js) follows its theme and the
 * system's: the system's change reaches the page with the next frame, not at once.
 */
export const schemeSettled = (page) => page.waitForFunction(() => {
  const root = document.documentElement;
  const system = matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  return root.dataset.scheme === (root.dataset.theme === 'light' || root.dataset.theme === 'dark' ? root.dataset.theme : system);
});

/**
 * Screenshots the page as `browser-<name>-light.png` and `-dark.png` (the system theme switched),
 * `browser-<name>-zh-CN-light.png`... in Chinese, and checks each picture region by region: every
 * main region on show (header, compose panel, gallery, welcome card, open dialogs) was drawn,
 * and the words on show fit where they are (tests/support/layout.mjs).
 */
export async function shoot(page, name) {
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    await schemeSettled(page);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const path = join(shots, `browser-${inLanguage(name)}-${scheme}.png`);
    await page.screenshot({ path, animations: 'disabled' });
    assertDrawn(path, await page.evaluate(regionsOnShow, false), `${name}, ${scheme}`);
  }
  assert.deepEqual(await page.evaluate(clippedText), [], `${name}: words that do not fit`);
  await page.emulateMedia({ colorScheme: 'light' });
  await schemeSettled(page);
}

/** The commands the fake backend received, optionally only those named `command`. */
export const calls = (page, command) => page.evaluate((c) => (c ? globalThis.__fake.callsTo(c) : globalThis.__fake.calls), command);

/**
 * A call's arguments with each picture handle (`picture`, in the arguments or in `image` and
 * `last_image`) replaced by the file it stands for (`path`), so a test says which file was sent.
 * A handle the backend never gave fails, as it would in the app.
 */
export const withPaths = (page, args) => page.evaluate((args) => {
  const swap = ({ picture, ...rest }) => ({ path: globalThis.__fake.pathOf(picture), ...rest });
  if ('picture' in args) return swap(args);
  const out = { ...args };
  for (const key of ['image', 'last_image']) if (out[key]) out[key] = swap(out[key]);
  return out;
}, args);

/** Clicks the visible label of a visually hidden radio, as a person would. */
export const choose = (page, id) => page.click(`label:has(> ${byTestId(id)})`);

/** The task cards in the DOM, in order: [{ id, state }]. */
export const cards = (page) => page.$$eval(byTestId('task-card'), (list) => list.map((c) => ({ id: c.dataset.taskId, state: c.dataset.state })));

/** Waits until `fn` (run in the page) is truthy. */
export const until = (page, fn, arg) => page.waitForFunction(fn, arg);

export function noErrors(errors) {
  assert.deepEqual(errors, [], 'the page raised no errors');
}

/** A few partial tasks in every state the gallery can show (the fake completes them). */
export const SAMPLE_TASKS = [
  { id: 'prep', prompt: 'Waves rolling onto a quiet beach at golden hour', state: 'preparing', ago: 4, submitted_at: null,
    image: { path: '/home/ada/Pictures/beach.jpg', framing: 'fill', crop: null } },
  { id: 'up', prompt: 'A hummingbird hovering by a red flower, slow motion', state: 'uploading', ago: 9, submitted_at: null,
    image: { path: '/home/ada/Pictures/tall.png', framing: 'fit', crop: null }, orientation: 'portrait' },
  { id: 'queue', prompt: 'Snow falling on a mountain cabin at night', state: 'queued', ago: 20 },
  { id: 'gen', prompt: 'A lighthouse in a storm, waves crashing, cinematic', state: 'generating', progress: 35, ago: 65, estimated_seconds: 180 },
  { id: 'down', prompt: 'A hot air balloon drifting over lavender fields', state: 'downloading', progress: 100, ago: 200 },
];
