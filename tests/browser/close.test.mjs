// The question asked when the window is closed while videos are still being made (the backend
// raises close-requested and waits for close_choice): plain words, the safe answer first and
// focused, and every way out of the dialog answered, so the backend never waits forever.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { byTestId, calls, noErrors, openApp, shoot, strings, useBrowser } from './helpers.mjs';

useBrowser();

const TASKS = [
  { id: 'kite', prompt: 'A red kite over a windy beach', state: 'generating', ago: 40 },
  { id: 'boat', prompt: 'A paper boat in the rain', state: 'queued', ago: 20 },
];
const focused = (page) => page.evaluate(() => document.activeElement?.dataset.testid ?? null);
/** The answers sent to close_choice, once there are `count` (the dialog's close event answers, a moment after it hides). */
async function choices(page, count) {
  await page.waitForFunction((n) => globalThis.__fake.callsTo('close_choice').length >= n, count);
  return (await calls(page, 'close_choice')).map((c) => c.args.choice);
}

test('closing with videos in progress asks; Escape keeps the window, each button answers', async () => {
  const { page, errors, close } = await openApp({ backend: { tasks: TASKS } });
  await page.evaluate(() => globalThis.__fake.emitCloseRequested({ active: 2 }));
  await page.waitForSelector(byTestId('close-dialog'), { state: 'visible' });
  assert.equal(await page.textContent('#close-title'), strings.closeTitle(2));
  assert.equal(await page.textContent('#close-body'), strings.closeBody(2));
  assert.equal(await page.textContent(byTestId('close-background')), strings.closeBackground);
  assert.equal(await page.textContent(byTestId('close-quit')), strings.closeQuit);
  assert.equal(await focused(page), 'close-background', 'the safe answer is the default');
  await shoot(page, 'close-dialog');

  // Escape: the window stays, and the backend hears it, so the next close asks again.
  await page.keyboard.press('Escape');
  await page.waitForSelector(byTestId('close-dialog'), { state: 'hidden' });
  assert.deepEqual(await choices(page, 1), ['stay']);

  // Enter takes the default.
  await page.evaluate(() => globalThis.__fake.emitCloseRequested({ active: 2 }));
  await page.waitForSelector(byTestId('close-dialog'), { state: 'visible' });
  await page.keyboard.press('Enter');
  await page.waitForSelector(byTestId('close-dialog'), { state: 'hidden' });
  assert.deepEqual(await choices(page, 2), ['stay', 'background']);

  // One video: the words say "it"; Quit answers quit.
  await page.evaluate(() => globalThis.__fake.emitCloseRequested({ active: 1 }));
  await page.waitForSelector(byTestId('close-dialog'), { state: 'visible' });
  assert.equal(await page.textContent('#close-title'), strings.closeTitle(1));
  assert.equal(await page.textContent('#close-body'), strings.closeBody(1));
  await page.click(byTestId('close-quit'));
  await page.waitForSelector(byTestId('close-dialog'), { state: 'hidden' });
  assert.deepEqual(await choices(page, 3), ['stay', 'background', 'quit']);
  noErrors(errors);
  await close();
});

test('the question is asked over the welcome screen and over an open dialog', async () => {
  const { page, errors, close } = await openApp({ backend: { key: { set: false, hint: null, storage: 'none' }, tasks: TASKS } });
  await page.waitForSelector(byTestId('first-run'), { state: 'visible' });
  await page.evaluate(() => globalThis.__fake.emitCloseRequested({ active: 2 }));
  await page.waitForSelector(byTestId('close-dialog'), { state: 'visible' });
  assert.equal(await page.evaluate(() => document.querySelector('[data-testid="close-dialog"]').inert), false);
  await page.click(byTestId('close-background'));
  assert.deepEqual(await choices(page, 1), ['background']);
  noErrors(errors);
  await close();
});
