// Keyboard, screen readers, reduced motion and the smallest window (760x540).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { SAMPLE_TASKS, byTestId, calls, noErrors, openApp, shoot, strings, until, useBrowser } from './helpers.mjs';

useBrowser();

const TASKS = [
  ...SAMPLE_TASKS.slice(3),
  { id: 'fox', prompt: 'A red fox crossing a frozen lake', state: 'done', ago: 3000 },
  { id: 'owl', prompt: 'An owl in a snowy forest at night', state: 'done', ago: 4000, orientation: 'portrait' },
  { id: 'mod', prompt: 'A famous actor dancing on the moon', state: 'failed', ago: 5000,
    error: { code: 'moderation_blocked', message: 'EvoLink’s safety check blocked this description.', retryable: false } },
];

const focused = (page) => page.evaluate(() => {
  const e = document.activeElement;
  return e.dataset.testid ?? e.closest('[data-testid]')?.dataset.testid ?? e.className;
});

test('Tab reaches every control in order, with a visible focus ring', async () => {
  const { page, errors, close } = await openApp({ backend: { tasks: TASKS } });
  await page.waitForSelector(`${byTestId('task-card')}[data-task-id="mod"]`);
  await page.fill(byTestId('prompt'), 'A lighthouse');
  await page.click('.brand'); // start from the top, as after opening the window
  const seen = [];
  for (let i = 0; i < 30; i += 1) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(() => document.activeElement === document.body)) break; // past the last control
    const id = await focused(page);
    seen.push(id);
    const ring = await page.evaluate(() => {
      const e = document.activeElement;
      const target = e.matches('input[type="radio"]') ? e.closest('label') : e;
      const style = getComputedStyle(target);
      const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
      const ring = /\b[3-9]px\b/.test(style.boxShadow); // text fields show a 3px ring instead
      return outline || ring;
    });
    assert.ok(ring, `${id} shows where the focus is`);
  }
  const order = ['settings-open', 'model-picker-button', 'prompt', 'image-choose', 'aspect-16:9', 'duration-4', 'generate',
    'filter-all', 'favourites-only', 'search', 'task-card', 'task-favourite'];
  let at = -1;
  for (const id of order) {
    const found = seen.indexOf(id, at + 1);
    assert.ok(found > at, `${id} is reached after the previous controls (${seen.join(', ')})`);
    at = found;
  }
  assert.ok(seen.includes('task-next-step'), 'a failed card’s next step is reachable');
  noErrors(errors);
  await close();
});

test('Ctrl+Enter generates from anywhere, status changes are announced', async () => {
  const { page, errors, close } = await openApp();
  await page.fill(byTestId('prompt'), 'Fireflies in a summer forest');
  await page.focus(byTestId('duration-8'));
  await page.keyboard.press('Control+Enter');
  await page.waitForSelector(byTestId('task-card'));
  assert.equal((await calls(page, 'submit_task')).length, 1);
  const id = await page.getAttribute(byTestId('task-card'), 'data-task-id');
  await page.evaluate((i) => globalThis.__fake.emitTasks([{ id: i, state: 'done' }]), id);
  await until(page, (w) => document.querySelector('[data-testid="announcer"]').textContent === w, strings.announce.done('Fireflies in a summer forest'));
  assert.equal(await page.getAttribute(byTestId('announcer'), 'aria-live'), 'polite');
  noErrors(errors);
  await close();
});

test('every control has a name', async () => {
  const { page, close } = await openApp({ backend: { tasks: TASKS } });
  await page.waitForSelector(byTestId('task-card'));
  const unnamed = await page.evaluate(() => [...document.querySelectorAll('button, input, textarea, [role="progressbar"]')]
    .filter((e) => e.getClientRects().length > 0)
    .filter((e) => {
      const label = e.getAttribute('aria-label') || e.textContent.trim() || e.labels?.[0]?.textContent.trim()
        || (e.getAttribute('aria-labelledby') && document.getElementById(e.getAttribute('aria-labelledby'))?.textContent.trim());
      return !label;
    })
    .map((e) => e.outerHTML.slice(0, 80)));
  assert.deepEqual(unnamed, []);
  await close();
});

test('reduced motion stops the shimmer and the spinners', async () => {
  const { page, close } = await openApp({ backend: { tasks: SAMPLE_TASKS }, reducedMotion: 'reduce' });
  await page.waitForSelector(byTestId('task-progress'));
  const moving = await page.evaluate(() => [...document.querySelectorAll('*')]
    .flatMap((e) => [getComputedStyle(e), getComputedStyle(e, '::after')])
    .filter((s) => s.animationName !== 'none' && parseFloat(s.animationDuration) > 0.001).length);
  assert.equal(moving, 0);
  await close();
});

test('the smallest window keeps everything usable', async () => {
  const { page, errors, close } = await openApp({ backend: { tasks: TASKS, generate: 40 }, viewport: { width: 760, height: 540 } });
  await page.waitForSelector(`${byTestId('task-card')}[data-task-id="gen-00000"]`);
  const generate = await page.locator(byTestId('generate')).boundingBox();
  assert.ok(generate.y + generate.height <= 540, 'Generate stays in view');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(overflow, false, 'nothing runs off the side');
  await shoot(page, 'small-gallery');
  await page.evaluate(() => globalThis.__fake.drop(['/home/ada/Pictures/beach.jpg']));
  await page.waitForSelector(byTestId('image-card'), { state: 'visible' });
  await shoot(page, 'small-compose-image');
  await page.click(`${byTestId('task-card')}[data-task-id="gen-00000"]`);
  await page.waitForSelector(byTestId('task-video'), { state: 'visible' });
  const dialog = await page.locator(byTestId('detail')).boundingBox();
  assert.ok(dialog.height <= 540 && dialog.width <= 760, 'the detail view fits');
  await shoot(page, 'small-detail');
  await page.keyboard.press('Escape');
  await page.click(byTestId('settings-open'));
  await shoot(page, 'small-settings');
  noErrors(errors);
  await close();
});

test('the smallest window welcomes newcomers too', async () => {
  const { page, close } = await openApp({ backend: { key: { set: false, hint: null, storage: 'none' } }, viewport: { width: 760, height: 540 } });
  await page.waitForSelector(byTestId('first-run'), { state: 'visible' });
  const card = await page.locator('.first-run-card').boundingBox();
  assert.ok(card.height <= 540, 'the welcome card fits');
  await shoot(page, 'small-first-run');
  await close();
});
