// The app as an older WebKit draws it (macOS 10.15 and 11 as last updated): the stylesheet is
// served with color-mix() and light-dark() renamed, so Chromium treats them as the unknown
// functions they are there. Every main screen must still be painted in the palette's colours,
// in light and dark, with the plainer fallbacks of css/app.css where color-mix() was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { SAMPLE_TASKS, byTestId, noErrors, openApp, schemeSettled, shoot, useBrowser } from './helpers.mjs';

useBrowser();

const BEACH = '/home/ada/Pictures/beach.jpg';
const STYLESHEET = readFileSync(new URL('../../ui/css/app.css', import.meta.url), 'utf8');
/** The stylesheet as an engine without these functions reads it. */
const WITHOUT_NEW_COLOURS = STYLESHEET.replaceAll('color-mix(', 'x-color-mix(').replaceAll('light-dark(', 'x-light-dark(');

const TASKS = [
  ...SAMPLE_TASKS,
  { id: 'made', prompt: 'A red fox crossing a snowy field at dawn', state: 'done', ago: 600 },
  { id: 'nope', prompt: 'A city skyline at night, neon reflections', state: 'failed', ago: 900,
    error: { code: 'moderation_blocked', message: 'EvoLink declined this prompt.', retryable: false } },
  { id: 'later', prompt: 'Fireflies over a pond at dusk', state: 'waiting', ago: 2, submitted_at: null },
];

async function openOld(backend = {}) {
  return openApp({
    backend: { tasks: TASKS, queue: { paused: true }, ...backend },
    beforeLoad: (page) => page.route('**/css/app.css', (route) => route.fulfill({
      status: 200, contentType: 'text/css; charset=utf-8', body: WITHOUT_NEW_COLOURS,
    })),
  });
}

/**
 * Each region's background and text, read in the page: a region is painted when its
 * background is opaque and its text differs from it. `places` are elements styled with
 * color-mix() in modern engines, each of which must get a colour from the fallbacks.
 */
function paint(page, regions, places) {
  return page.evaluate(({ regions, places }) => {
    const style = (selector) => {
      const element = document.querySelector(selector);
      return element ? getComputedStyle(element) : null;
    };
    const transparent = (colour) => colour === 'rgba(0, 0, 0, 0)' || colour === 'transparent' || colour === '';
    const out = {};
    for (const selector of regions) {
      const s = style(selector);
      out[selector] = !s ? 'missing' : transparent(s.backgroundColor) ? `no background (${s.backgroundColor})`
        : s.color === s.backgroundColor ? `text the colour of its background (${s.color})` : 'painted';
    }
    for (const [selector, property] of places) {
      const s = style(selector);
      const value = s?.getPropertyValue(property) ?? '';
      out[`${selector} ${property}`] = !s ? 'missing'
        : transparent(value) || value === 'none' || value.startsWith('0px none') ? `unset (${value})` : 'painted';
    }
    return out;
  }, { regions, places });
}

function allPainted(figures, screen) {
  const unpainted = Object.entries(figures).filter(([, v]) => v !== 'painted');
  assert.deepEqual(unpainted, [], `${screen}: every region painted`);
}

test('without color-mix() and light-dark() every main screen is drawn in the palette, light and dark', async () => {
  assert.ok(!STYLESHEET.includes('light-dark('), 'the palette needs no light-dark()');
  const { page, errors, close } = await openOld();
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    await schemeSettled(page);
    allPainted(await paint(page,
      ['body', '.app-header', '.compose', `${byTestId('task-card')}[data-task-id="made"]`, `${byTestId('task-card')}[data-task-id="gen"]`, '.queue-paused-note'],
      [[`${byTestId('task-card')}[data-task-id="gen"] .progress`, 'background-color'], ['.queue-paused-note', 'background-color'],
        [`${byTestId('task-card')}[data-task-id="gen"] .face-active`, 'background-color']]), `gallery, ${scheme}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await shoot(page, 'fallback-gallery');

  // The compose panel with a picture, a shape chosen.
  await page.evaluate((p) => globalThis.__fake.drop([p]), BEACH);
  await page.waitForSelector(byTestId('image-card'), { state: 'visible' });
  allPainted(await paint(page, ['.compose'],
    [['.choice input:checked ~ .shape-box .shape', 'background-color'], ['.choice input:checked ~ .shape-box .shape', 'border-top-color']]), 'compose');
  await page.$eval(byTestId('image-card'), (card) => card.scrollIntoView({ block: 'start' }));
  await shoot(page, 'fallback-compose');

  // A video's detail view.
  await page.click(`${byTestId('task-card')}[data-task-id="made"] .card-open`);
  await page.waitForSelector(byTestId('detail'), { state: 'visible' });
  allPainted(await paint(page, [byTestId('detail')], [['.detail-state.phase-done', 'background-color']]), 'detail');
  await shoot(page, 'fallback-detail');
  await page.keyboard.press('Escape');
  await page.waitForSelector(byTestId('detail'), { state: 'hidden' });

  // Settings.
  await page.click(byTestId('settings-open'));
  await page.waitForSelector(byTestId('settings'), { state: 'visible' });
  allPainted(await paint(page, [byTestId('settings')], []), 'settings');
  await shoot(page, 'fallback-settings');
  noErrors(errors);
  await close();
});

test('without color-mix() the first run and a warning banner keep their colours', async () => {
  const { page, errors, close } = await openOld({ key: { set: false, hint: null, storage: null, problem: null } });
  await page.waitForSelector(byTestId('first-run'), { state: 'visible' });
  allPainted(await paint(page, ['.first-run-card'],
    [[byTestId('first-run'), 'background-color'], ['.first-run-art span', 'background-image']]), 'first run');
  await shoot(page, 'fallback-first-run');
  await close();

  const app = await openOld();
  await app.page.evaluate(() => globalThis.__fake.emitStoreTrouble({ message: 'The disk is full.' }));
  await app.page.waitForSelector(byTestId('store-banner'), { state: 'visible' });
  allPainted(await paint(app.page, [byTestId('store-banner')], [[byTestId('store-banner'), 'border-bottom-color']]), 'banner');
  await shoot(app.page, 'fallback-banner');
  noErrors(errors);
  noErrors(app.errors);
  await app.close();
});
