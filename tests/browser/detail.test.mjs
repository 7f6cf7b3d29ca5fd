// The detail view of a video: player, prompt, settings, credits, file, and every action.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { byTestId, calls, cards, literally, noErrors, openApp, shoot, strings, t, until, useBrowser, withPaths } from './helpers.mjs';

useBrowser();

const card = (id) => `${byTestId('task-card')}[data-task-id="${id}"]`;
const TASKS = [
  { id: 'fox', prompt: 'A red fox crossing a frozen lake at sunrise, breath visible in the cold air, soft golden light', state: 'done', ago: 3600, duration: 8,
    image: { path: '/home/ada/Pictures/beach.jpg', framing: 'fill', crop: { x: 0, y: 0.1, width: 1, height: 0.75 } } },
  { id: 'owl', prompt: 'An owl in a snowy forest at night', state: 'done', ago: 7200, orientation: 'portrait', duration: 4 },
  { id: 'oops', prompt: 'A koi pond in the rain', state: 'failed', ago: 9000,
    error: { code: 'server_trouble', message: 'EvoLink had a problem on its side.', retryable: true } },
];

test('a card opens the detail view with the player, the full prompt and the facts; Escape returns focus', async () => {
  const { page, errors, close } = await openApp({ backend: { tasks: TASKS } });
  await page.waitForSelector(card('fox'));
  await page.focus(`${card('fox')} .card-open`);
  await page.keyboard.press('Enter');
  await page.waitForSelector(byTestId('task-video'), { state: 'visible' });
  assert.equal(await page.getAttribute(byTestId('task-video'), 'src'), '/media/landscape.mp4');
  assert.equal(await page.evaluate(() => document.querySelector('[data-testid="task-video"]').controls), true);
  await until(page, () => document.querySelector('[data-testid="task-video"]').readyState >= 2);
  assert.match(await page.textContent(byTestId('detail-prompt')), /breath visible in the cold air/);
  assert.equal(await page.textContent(byTestId('detail-credits')), strings.credits(46.08));
  assert.match(await page.textContent(byTestId('detail-path')), /Videos\/Sora Desk\/.*\.mp4$/);
  await shoot(page, 'detail');
  await page.keyboard.press('Escape');
  await page.waitForSelector(byTestId('detail'), { state: 'hidden' });
  assert.equal(await page.evaluate(() => document.activeElement.closest('[data-testid="task-card"]')?.dataset.taskId), 'fox');
  noErrors(errors);
  await close();
});

test('reveal, save a copy, copy the prompt, favourite', async () => {
  const { page, errors, close } = await openApp({ backend: { tasks: TASKS } });
  await page.click(card('owl'));
  await page.waitForSelector(byTestId('task-video'), { state: 'visible' });
  await page.click(byTestId('detail-reveal'));
  await page.click(byTestId('detail-save-copy'));
  await until(page, (words) => document.querySelector('[data-testid="toast"]')?.textContent.startsWith(words), strings.savedCopy('').trim());
  await page.click(byTestId('detail-copy-prompt'));
  await until(page, (words) => document.querySelector('[data-testid="toast"]').textContent === words, strings.copied);
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'An owl in a snowy forest at night');
  await page.click(byTestId('detail-favourite'));
  await until(page, () => document.querySelector('[data-testid="detail-favourite"]').getAttribute('aria-pressed') === 'true');
  assert.deepEqual((await calls(page, 'reveal_task')).map((c) => c.args.id), ['owl']);
  assert.deepEqual((await calls(page, 'save_copy')).map((c) => c.args.id), ['owl']);
  await page.click(byTestId('detail-close'));
  assert.equal(await page.getAttribute(`${card('owl')} ${byTestId('task-favourite')}`, 'aria-pressed'), 'true');
  noErrors(errors);
  await close();
});

test('make another like this fills compose, with the picture prepared again', async () => {
  const { page, errors, close } = await openApp({ backend: { tasks: TASKS } });
  await page.click(card('fox'));
  await page.click(byTestId('detail-again'));
  await page.waitForSelector(byTestId('detail'), { state: 'hidden' });
  assert.match(await page.inputValue(byTestId('prompt')), /^A red fox crossing/);
  assert.equal(await page.isChecked(byTestId('duration-8')), true);
  assert.equal(await page.isChecked(byTestId('orientation-landscape')), true);
  await page.waitForSelector(byTestId('image-card'), { state: 'visible' });
  const [prepared] = await calls(page, 'prepare_image');
  // The task's own picture, by the handle derived from the task.
  assert.match(prepared.args.picture, /^task:[a-z0-9-]+:first$/);
  assert.deepEqual(await withPaths(page, prepared.args), {
    path: '/home/ada/Pictures/beach.jpg', model: 'sora-2-preview', aspect: '16:9', quality: null, framing: 'fill', crop: { x: 0, y: 0.1, width: 1, height: 0.75 },
  });
  noErrors(errors);
  await close();
});

test('make another like this with both frames prepares both again, each by its task handle', async () => {
  const kling = { id: 'frames', prompt: 'From the beach to the tower', state: 'done', ago: 600, model_id: 'kling-v3', duration: 10,
    image: { path: '/home/ada/Pictures/beach.jpg', framing: 'fill', crop: null }, last_image: '/home/ada/Pictures/tall.png' };
  const { page, errors, close } = await openApp({ backend: { tasks: [kling] } });
  await page.click(card('frames'));
  await page.click(byTestId('detail-again'));
  await page.waitForSelector(byTestId('image-last-card'), { state: 'visible' });
  await until(page, () => globalThis.__fake.callsTo('prepare_image').length >= 2);
  const prepared = (await calls(page, 'prepare_image')).map((c) => c.args);
  assert.deepEqual(prepared.map((args) => args.picture), ['task:frames:first', 'task:frames:last']);
  const files = await Promise.all(prepared.map(async (args) => (await withPaths(page, args)).path));
  assert.deepEqual(files, ['/home/ada/Pictures/beach.jpg', '/home/ada/Pictures/tall.png']);
  noErrors(errors);
  await close();
});

test('a failed video can be retried from its detail view', async () => {
  const { page, errors, close } = await openApp({ backend: { tasks: TASKS } });
  await page.click(card('oops'));
  await page.waitForSelector(byTestId('detail'), { state: 'visible' });
  assert.match(await page.textContent(byTestId('detail')), literally(t('advice.server_trouble')));
  await shoot(page, 'detail-failed');
  await page.click(byTestId('detail-retry'));
  await page.waitForSelector(byTestId('detail'), { state: 'hidden' });
  await until(page, () => document.querySelector('[data-testid="task-card"]').dataset.state === 'submitting');
  assert.deepEqual((await calls(page, 'retry_task')).map((c) => c.args.id), ['oops']);
  noErrors(errors);
  await close();
});

test('delete asks first, then removes the video', async () => {
  const { page, errors, close } = await openApp({ backend: { tasks: TASKS } });
  await page.click(card('owl'));
  await page.click(byTestId('detail-delete'));
  await page.waitForSelector(byTestId('delete-confirm'), { state: 'visible' });
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'delete-cancel', 'the safe choice has focus');
  await shoot(page, 'delete-confirm');
  await page.click(byTestId('delete-cancel'));
  assert.equal(await page.isVisible(byTestId('delete-confirm')), false);
  assert.equal((await calls(page, 'delete_task')).length, 0);
  await page.click(byTestId('detail-delete'));
  await page.click(byTestId('delete-yes'));
  await page.waitForSelector(byTestId('detail'), { state: 'hidden' });
  await until(page, () => !document.querySelector('[data-task-id="owl"]'));
  assert.deepEqual((await cards(page)).map((c) => c.id), ['fox', 'oops']);
  assert.deepEqual((await calls(page, 'delete_task')).map((c) => c.args.id), ['owl']);
  noErrors(errors);
  await close();
});

test('the detail view follows a video that finishes while it is open', async () => {
  const { page, errors, close } = await openApp({ backend: { tasks: [{ id: 'live', prompt: 'Clouds over peaks', state: 'generating', progress: 70, ago: 90 }] } });
  await page.click(card('live'));
  await page.waitForSelector(`${byTestId('detail')} ${byTestId('task-progress')}`);
  await shoot(page, 'detail-generating');
  await page.evaluate(() => globalThis.__fake.emitTasks([{ id: 'live', state: 'done' }]));
  await page.waitForSelector(byTestId('task-video'), { state: 'visible' });
  noErrors(errors);
  await close();
});
