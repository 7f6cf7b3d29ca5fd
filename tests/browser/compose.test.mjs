// Composing a video with the default model (Sora 2): the prompt and its counter, shape and length
// with the estimate, the reference picture (drop, dialog, paste) with before/after, crop window and
// fill/fit, Generate. Other models' controls are in models.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { byTestId, calls, choose, literally, noErrors, openApp, shoot, strings, t, until, useBrowser, withPaths } from './helpers.mjs';

useBrowser();

const BEACH = '/home/ada/Pictures/beach.jpg';
/** One pixel of the beach photo's 3024 rows, as a fraction of its height. */
const BEACH_PIXEL = 1 / 3024;

const estimateIs = (page, text) => until(page, (t) => document.querySelector('[data-testid="estimate"]').textContent === t, text);

test('the counter counts characters, Generate says why it waits, the estimate follows the length', async () => {
  const { page, errors, close } = await openApp();
  await estimateIs(page, strings.estimate(23.04));
  const generate = page.locator(byTestId('generate'));
  assert.equal(await generate.isDisabled(), true);
  assert.equal(await page.textContent(byTestId('generate-reason')), strings.needPrompt);
  await page.fill(byTestId('prompt'), 'A cat playing piano 🎹');
  assert.equal(await page.textContent(byTestId('prompt-counter')), strings.counter(21, 5000));
  assert.equal(await generate.isEnabled(), true);
  assert.equal(await page.textContent(byTestId('generate-reason')), '');
  await page.fill(byTestId('prompt'), 'x'.repeat(5003));
  assert.equal(await page.textContent(byTestId('generate-reason')), strings.promptTooLong(3));
  assert.equal(await generate.isDisabled(), true);
  await choose(page, 'duration-12');
  assert.equal(await page.isChecked(byTestId('duration-12')), true);
  await estimateIs(page, strings.estimate(69.12));
  noErrors(errors);
  await close();
});

test('compose opens on the default model with the choices last used with it', async () => {
  const { page, close } = await openApp({
    backend: { settings: { default_model: 'sora-2-preview', model_choices: { 'sora-2-preview': { duration: 8, aspect: '9:16' } } } },
  });
  await until(page, () => document.querySelector('[data-testid="aspect-9:16"]')?.checked);
  assert.equal(await page.isChecked(byTestId('orientation-portrait')), true, 'the old test hook still names the shape');
  assert.equal(await page.isChecked(byTestId('duration-8')), true);
  await estimateIs(page, strings.estimate(46.08));
  await close();
});

test('without a key Generate points to Settings', async () => {
  const { page, close } = await openApp({ backend: { key: { set: false, hint: null, storage: 'none' } } });
  // Skip the welcome screen as someone who closed it would not: hide it and look at compose.
  await page.evaluate(() => { document.querySelector('[data-testid="first-run"]').hidden = true; for (const e of document.querySelectorAll('[inert]')) e.inert = false; });
  await page.fill(byTestId('prompt'), 'A fox');
  assert.equal(await page.textContent(byTestId('generate-reason')), strings.needKey);
  await close();
});

test('a dropped picture is prepared and shown before and after, with what was done', async () => {
  const { page, errors, close } = await openApp({ backend: { hold: ['prepare_image'] } });
  await page.fill(byTestId('prompt'), 'Waves rolling onto a quiet beach');
  await page.evaluate(() => globalThis.__fake.dragEnter());
  await page.waitForSelector(byTestId('drop-overlay'), { state: 'visible' });
  await shoot(page, 'drop-overlay');
  await page.evaluate((p) => globalThis.__fake.drop([p]), BEACH);
  await page.waitForSelector(byTestId('drop-overlay'), { state: 'hidden' });
  // While the picture is being prepared, Generate waits and says why.
  assert.equal(await page.textContent(byTestId('generate-reason')), strings.imagePreparingReason);
  assert.equal(await page.isDisabled(byTestId('generate')), true);
  await page.evaluate(() => globalThis.__fake.release('prepare_image'));
  await page.waitForSelector(byTestId('image-card'), { state: 'visible' });
  // What was done, where the photo was taken included (it is removed).
  const done = { rotated: 0, width: '4032', height: '3024', target_width: '1280', target_height: '720', flattened: 0, location: 1 };
  assert.equal(await page.textContent(byTestId('image-summary')), t('picture.summary.cropped', { ...done, bytes: 412_000 }));
  assert.match(await page.getAttribute(byTestId('image-preview'), 'src'), /^data:image\/jpeg/);
  assert.match(await page.getAttribute(`${byTestId('image-before')} img`, 'src'), /^data:image\/jpeg/);
  assert.equal(await page.isVisible(byTestId('crop-window')), true);
  const [first] = await calls(page, 'prepare_image');
  assert.match(first.args.picture, /^pic-[0-9a-f]{32}$/, 'a handle, not a path');
  assert.deepEqual(await withPaths(page, first.args), { path: BEACH, model: 'sora-2-preview', aspect: null, quality: null, framing: 'fill', crop: null });
  assert.equal(await page.isEnabled(byTestId('generate')), true);
  await shoot(page, 'compose-image');
  noErrors(errors);
  await close();
});

test('the crop window moves with the pointer and the arrow keys, and fit shows the whole picture', async () => {
  const { page, errors, close } = await openApp();
  await page.evaluate((p) => globalThis.__fake.drop([p]), BEACH);
  await page.waitForSelector(byTestId('crop-window'), { state: 'visible' });
  const before = await page.locator(byTestId('image-before')).boundingBox();
  const box = await page.locator(byTestId('crop-window')).boundingBox();
  // A 4:3 photo in a 16:9 frame: the window spans the width and moves up and down.
  assert.ok(Math.abs(box.width - before.width) < 2, 'the window spans the whole width');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2 - 200, { steps: 5 });
  await page.mouse.up();
  await until(page, () => globalThis.__fake.callsTo('prepare_image').length === 2);
  let last = (await calls(page, 'prepare_image')).at(-1).args;
  assert.deepEqual(last.crop, { x: 0, y: 0, width: 1, height: 0.75 }, 'dragged to the top, kept inside');
  const moved = await page.locator(byTestId('crop-window')).boundingBox();
  assert.ok(Math.abs(moved.y - before.y) < 2, 'the window sits at the top of the picture');
  await shoot(page, 'compose-crop');

  await page.focus(byTestId('crop-window'));
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Shift+ArrowDown');
  // The keys are sent once they pause; on a busy machine the two presses can land apart and go
  // one after the other, the first place rounded to the picture's pixels on the way back.
  await until(page, (pixel) => Math.abs(globalThis.__fake.callsTo('prepare_image').at(-1).args.crop?.y - 0.12) < pixel, BEACH_PIXEL);
  last = (await calls(page, 'prepare_image')).at(-1).args;
  const { y, ...rest } = last.crop;
  assert.ok(Math.abs(y - 0.12) < BEACH_PIXEL, `moved down by 12% of the picture (${y})`);
  assert.deepEqual(rest, { x: 0, width: 1, height: 0.75 }, 'moved down only');

  await choose(page, 'framing-fit');
  await until(page, () => globalThis.__fake.callsTo('prepare_image').at(-1).args.framing === 'fit');
  last = (await calls(page, 'prepare_image')).at(-1).args;
  assert.equal(last.framing, 'fit');
  assert.equal(last.crop, null);
  await until(page, (words) => document.querySelector('[data-testid="image-summary"]').textContent === words,
    t('picture.summary.fitted', { rotated: 0, width: '4032', height: '3024', target_width: '1280', target_height: '720', flattened: 0, location: 1, bytes: 298_000 }));
  assert.equal(await page.isVisible(byTestId('crop-window')), false, 'nothing to move when the whole picture is used');
  await shoot(page, 'compose-fit');
  noErrors(errors);
  await close();
});

test('an answer for an earlier place does not pull the crop window back while it is being moved', async () => {
  const { page, errors, close } = await openApp();
  await page.evaluate((p) => globalThis.__fake.drop([p]), BEACH);
  await page.waitForSelector(byTestId('crop-window'), { state: 'visible' });
  const notBusy = () => document.querySelector('[data-testid="image-card"]').getAttribute('aria-busy') === 'false';
  await until(page, notBusy);
  const picture = await page.locator(byTestId('image-before')).boundingBox();
  // A 4:3 photo in a 16:9 frame starts centred: its top at 12.5% of the picture.
  const top = async () => ((await page.locator(byTestId('crop-window')).boundingBox()).y - picture.y) / picture.height;
  assert.ok(Math.abs(await top() - 0.125) < 0.005, 'starts centred');

  await page.focus(byTestId('crop-window'));
  await page.evaluate(() => globalThis.__fake.hold('prepare_image'));
  await page.keyboard.press('ArrowDown');
  await until(page, () => globalThis.__fake.callsTo('prepare_image').length === 2);
  // The first place is being prepared while the window moves on; its answer comes in between.
  await page.keyboard.press('ArrowDown');
  await page.evaluate(() => globalThis.__fake.release('prepare_image'));
  await until(page, notBusy);
  assert.ok(Math.abs(await top() - 0.165) < 0.005, `the window stays where it was moved to (${await top()})`);
  await page.keyboard.press('ArrowDown');
  await until(page, (pixel) => Math.abs(globalThis.__fake.callsTo('prepare_image').at(-1).args.crop?.y - 0.185) < pixel, BEACH_PIXEL);
  assert.ok(Math.abs(await top() - 0.185) < 0.005, 'three steps down');
  noErrors(errors);
  await close();
});

test('the shape follows the picture until the person picks one', async () => {
  const { page, close } = await openApp({ backend: { nextImage: '/home/ada/Pictures/tall.png' } });
  await page.click(byTestId('image-choose'));
  await page.waitForSelector(byTestId('image-card'), { state: 'visible' });
  await until(page, () => document.querySelector('[data-testid="aspect-9:16"]').checked);
  assert.equal(await page.isChecked(byTestId('orientation-portrait')), true, 'a tall picture makes a portrait video');
  await page.click(byTestId('orientation-landscape'));
  await until(page, () => globalThis.__fake.callsTo('prepare_image').length === 2);
  const last = (await calls(page, 'prepare_image')).at(-1).args;
  assert.equal(last.aspect, '16:9');
  assert.equal(await page.isChecked(byTestId('aspect-16:9')), true);
  await page.click(byTestId('image-remove'));
  assert.equal(await page.isVisible(byTestId('image-card')), false);
  assert.equal(await page.isVisible(byTestId('image-drop-zone')), true);
  await close();
});

test('a picture that cannot be read is explained with what to do', async () => {
  const { page, errors, close } = await openApp();
  await page.evaluate(() => globalThis.__fake.drop(['/home/ada/Pictures/photo.heic']));
  await page.waitForSelector(byTestId('image-error'), { state: 'visible' });
  const text = await page.textContent(byTestId('image-error'));
  assert.match(text, literally(t('problem.heic')));
  assert.match(text, literally(strings.imageNext.heic));
  await shoot(page, 'compose-image-error');
  noErrors(errors);
  await close();
});

test('a pasted picture is saved through the backend and prepared', async () => {
  const { page, errors, close } = await openApp();
  await page.evaluate(async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 64;
    canvas.height = 48;
    canvas.getContext('2d').fillRect(0, 0, 10, 10);
    const blob = await new Promise((r) => canvas.toBlob(r, 'image/png'));
    const data = new DataTransfer();
    data.items.add(new File([blob], 'pasted.png', { type: 'image/png' }));
    document.querySelector('[data-testid="prompt"]').dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  });
  await page.waitForSelector(byTestId('image-card'), { state: 'visible' });
  const [saved] = await calls(page, 'save_pasted_image');
  assert.ok(saved.args.bytes > 50, 'the PNG bytes went to the backend');
  const [prepared] = await calls(page, 'prepare_image');
  assert.match((await withPaths(page, prepared.args)).path, /pasted/);
  noErrors(errors);
  await close();
});

test('Generate (and Ctrl+Enter) submits once with the picture, and the task appears at once', async () => {
  const { page, errors, close } = await openApp();
  await page.fill(byTestId('prompt'), 'Waves rolling onto a quiet beach');
  await choose(page, 'duration-8');
  await page.evaluate((p) => globalThis.__fake.drop([p]), BEACH);
  await page.waitForSelector(byTestId('crop-window'), { state: 'visible' });
  await page.focus(byTestId('prompt'));
  await page.keyboard.press('Control+Enter');
  await page.waitForSelector(`${byTestId('task-card')}[data-state="preparing"]`);
  const submits = await calls(page, 'submit_task');
  assert.equal(submits.length, 1);
  assert.deepEqual(await withPaths(page, submits[0].args), {
    prompt: 'Waves rolling onto a quiet beach', model: 'sora-2-preview', choices: { aspect: '16:9', duration: 8 },
    image: { path: BEACH, framing: 'fill', crop: null }, last_image: null, takes: 1,
  });
  assert.equal(await page.inputValue(byTestId('prompt')), '', 'compose is ready for the next idea');
  assert.equal(await page.isVisible(byTestId('image-card')), false);
  noErrors(errors);
  await close();
});

test('a refused submission is explained and the prompt is kept', async () => {
  const { page, close } = await openApp({
    backend: { fail: { submit_task: { code: 'no_credits', message: 'Your EvoLink balance is too low for this video.', retryable: false } } },
  });
  await page.fill(byTestId('prompt'), 'A fox');
  await page.click(byTestId('generate'));
  await page.waitForSelector(byTestId('notice'), { state: 'visible' });
  assert.match(await page.textContent(byTestId('notice')), literally(t('problem.no_credits')));
  assert.equal(await page.inputValue(byTestId('prompt')), 'A fox');
  await close();
});
