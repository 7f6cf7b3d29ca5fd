// Every model, as data: the picker, the controls each model's entry gives (Sora 2, Kling V3,
// Wan 3.0, Veo 3.1, MiniMax H3), the estimate following every change, switching model, an
// unavailable model, a model that refuses the video, and what is sent. Prices below are worked
// out by hand from the price list (1 USD = 68 credits), not from the manifest.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { byTestId, calls, choose, literally, noErrors, openApp, shoot, strings, t, until, useBrowser, withPaths } from './helpers.mjs';

useBrowser();

const BEACH = '/home/ada/Pictures/beach.jpg';
const TALL = '/home/ada/Pictures/tall.png';
// A common laptop screen: tall enough to see the whole panel of most models in the screenshots.
const LAPTOP = { width: 1280, height: 1000 };
const option = (id) => `${byTestId('model-option')}[data-model-id="${id}"]`;
const visible = (page, id) => page.isVisible(byTestId(id));
const text = (page, id) => page.textContent(byTestId(id));
/** The name on the picker's button. */
const current = (page) => page.textContent('.model-current-name');
const estimateIs = (page, words) => until(page, (t) => document.querySelector('[data-testid="estimate"]').textContent === t, words);
const credits = (page, n) => estimateIs(page, strings.estimate(Number(n)));
/** Text with its runs of white space made one space. */
const oneLine = (words) => words.replace(/\s+/g, ' ').trim();

/** Picks a model in the picker as a person does, and waits until compose shows it. */
async function pickModel(page, id) {
  await page.click(byTestId('model-picker-button'));
  await page.click(option(id));
  await page.waitForSelector('.model-popover', { state: 'hidden' });
  await until(page, (i) => globalThis.__fake.callsTo('estimate').at(-1)?.args.model === i, id);
}

/** The testids of the visible controls of one kind (`aspect-`, `quality-`, `duration-`). */
const controls = (page, prefix) => page.$$eval(`[data-testid^="${prefix}"]`, (list, p) => list
  .filter((e) => (e.closest('label') ?? e).getClientRects().length > 0 && e.matches('input'))
  .map((e) => e.dataset.testid.slice(p.length)), prefix);

test('the picker groups every model by family, with price and badges; an unavailable one says why and cannot be picked', async () => {
  const { page, errors, close } = await openApp({ backend: { unavailable: { 'sora-2-pro-preview': 'EvoLink no longer offers Sora 2 Pro to your key.' } }, viewport: LAPTOP });
  await credits(page, '23.04');
  assert.equal(oneLine(await page.innerText(byTestId('model-picker-button'))), oneLine(`Sora 2 OpenAI ${strings.modelFrom(5.76)}`));
  await page.click(byTestId('model-picker-button'));
  await page.waitForSelector('.model-popover', { state: 'visible' });
  const families = await page.$$eval('.model-family', (list) => list.map((f) => f.textContent));
  assert.deepEqual(families, ['Sora 2OpenAI', 'Veo 3.1Google', 'Seedance 2.0ByteDance', 'Kling V3Kuaishou', 'Wan 3.0Alibaba', 'Grok ImaginexAI', 'MiniMax H3MiniMax']);
  assert.equal(await page.locator(byTestId('model-option')).count(), 11);
  const kling = await page.textContent(option('kling-v3'));
  for (const part of ['Kling V3', strings.modelFrom(5.4), t('model.kling-v3.good_at'), strings.badges.sound, strings.badges.lastFrame, strings.badges.longest(15), strings.qualityName('4k')]) {
    assert.ok(kling.includes(part), `Kling shows ${part}: ${kling}`);
  }
  const sora = await page.textContent(option('sora-2-preview'));
  assert.ok(sora.includes(strings.badges.longest(12)) && !sora.includes(strings.badges.lastFrame) && !sora.includes(strings.qualityName('4k')), sora);
  const wan = await page.textContent(option('wan3.0'));
  assert.ok(wan.includes(strings.badges.longest(30)) && wan.includes('1080p') && wan.includes(strings.modelFrom(2.55)), wan);
  const minimax = await page.textContent(option('minimax-h3'));
  assert.ok(!minimax.includes(strings.badges.sound) && minimax.includes(strings.qualityName('2k')), minimax);
  assert.equal(await page.getAttribute(option('sora-2-preview'), 'aria-selected'), 'true');

  // The unavailable one: said so, with the reason, and a click does nothing.
  const pro = option('sora-2-pro-preview');
  assert.equal(await page.getAttribute(pro, 'aria-disabled'), 'true');
  assert.match(await page.textContent(pro), new RegExp(`${literally(strings.modelUnavailable).source}.*${literally(t('problem.model_unavailable')).source}`));
  await shoot(page, 'models-picker');
  await page.click(pro, { force: true }); // a person can click it; Playwright would wait for it to be enabled
  assert.equal(await page.isVisible('.model-popover'), true, 'the list stays open');
  await page.keyboard.press('Escape');
  await page.waitForSelector('.model-popover', { state: 'hidden' });
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'model-picker-button', 'focus returns to the button');
  assert.equal(await current(page), 'Sora 2');

  // By keyboard: arrows move (past the unavailable one, which Enter cannot pick), Enter picks.
  await page.keyboard.press('ArrowDown');
  await page.waitForSelector('.model-popover', { state: 'visible' });
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  assert.equal(await page.isVisible('.model-popover'), true, 'Enter on an unavailable model picks nothing');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.model-popover', { state: 'hidden' });
  assert.equal(await current(page), 'Veo 3.1 Fast');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'model-picker-button');
  noErrors(errors);
  await close();
});

test('Sora 2: 4, 8 or 12 s, landscape or portrait, always with sound, no quality, no last frame', async () => {
  const { page, errors, close } = await openApp({ viewport: LAPTOP });
  await credits(page, '23.04');
  assert.deepEqual(await controls(page, 'duration-'), ['4', '8', '12']);
  assert.deepEqual(await controls(page, 'aspect-'), ['16:9', '9:16']);
  assert.equal(await visible(page, 'orientation-landscape'), true);
  assert.equal(await visible(page, 'orientation-portrait'), true);
  assert.deepEqual(await controls(page, 'quality-'), []);
  assert.equal(await visible(page, 'audio-toggle'), false);
  assert.equal(await text(page, 'audio-note'), strings.soundAlways);
  assert.equal(await visible(page, 'image-last'), false);
  assert.equal(await visible(page, 'duration-input'), false);
  assert.equal(await visible(page, 'more-options'), false);
  assert.equal(await text(page, 'prompt-counter'), strings.counter(0, 5000));
  // Clicking the old hooks still picks the shape.
  await page.click(byTestId('orientation-portrait'));
  assert.equal(await page.isChecked(byTestId('aspect-9:16')), true);
  await page.fill(byTestId('prompt'), 'A paper boat drifting down a rainy street at dusk');
  await choose(page, 'duration-8');
  await credits(page, '46.08');
  await shoot(page, 'models-sora');
  noErrors(errors);
  await close();
});

test('Kling V3: a length slider from 3 to 15 s, three qualities, three shapes, a sound switch and a last frame; the estimate follows each', async () => {
  const { page, errors, close } = await openApp({ viewport: LAPTOP });
  await page.fill(byTestId('prompt'), 'A hummingbird hovering by a red flower, slow motion');
  await pickModel(page, 'kling-v3');
  assert.deepEqual(await controls(page, 'quality-'), ['720p', '1080p', '4k']);
  assert.deepEqual(await controls(page, 'aspect-'), ['16:9', '9:16', '1:1']);
  assert.equal(await visible(page, 'audio-toggle'), true);
  assert.equal(await page.isChecked(byTestId('audio-toggle')), false, 'Kling is silent unless asked');
  assert.equal(await visible(page, 'image-last'), true);
  assert.equal(await visible(page, 'duration-input'), true);
  assert.equal(await page.getAttribute(byTestId('duration-input'), 'min'), '3');
  assert.equal(await page.getAttribute(byTestId('duration-input'), 'max'), '15');
  assert.deepEqual(await controls(page, 'duration-'), ['input'], 'a range, not buttons');
  assert.equal(await text(page, 'prompt-counter'), strings.counter(51, 2500));
  // Sora's 4 s fits Kling, so it stays: 5.4 credits/s × 4 s.
  await credits(page, '21.6');
  await page.fill(byTestId('duration-input'), '10');
  assert.equal(await text(page, 'duration-value'), strings.seconds(10));
  await credits(page, '54');
  await choose(page, 'quality-1080p');
  await credits(page, '72.04'); // × 1.334
  await page.click(byTestId('audio-toggle'));
  await credits(page, '108'); // with sound at 1080p: × 2
  await choose(page, 'quality-4k');
  await credits(page, '270'); // 4K: × 5, sound or not
  await choose(page, 'quality-1080p');
  await choose(page, 'aspect-1:1');
  await credits(page, '108');
  await shoot(page, 'models-kling');
  const last = (await calls(page, 'estimate')).at(-1).args;
  assert.deepEqual(last, { model: 'kling-v3', choices: { aspect: '1:1', duration: 10, quality: '1080p', audio: true }, pictures: { first: false, last: false } });
  noErrors(errors);
  await close();
});

test('Kling V3 with both frames: the pictures decide the shape, and exactly the chosen model and choices are sent', async () => {
  const { page, errors, close } = await openApp({ viewport: LAPTOP });
  await page.fill(byTestId('prompt'), 'Waves rolling onto a quiet beach');
  await pickModel(page, 'kling-v3');
  // The last frame waits for a starting picture.
  assert.equal(await page.isDisabled(byTestId('image-last-choose')), true);
  assert.equal(await text(page, 'image-last-note'), strings.lastFrameNeedsFirst);
  await page.fill(byTestId('duration-input'), '10');
  await choose(page, 'quality-1080p');
  await page.click(byTestId('audio-toggle'));
  await page.evaluate((p) => globalThis.__fake.drop([p]), BEACH);
  await page.waitForSelector(byTestId('image-card'), { state: 'visible' });
  assert.equal(await page.isEnabled(byTestId('image-last-choose')), true);
  // A second drop becomes the last frame.
  await page.evaluate((p) => globalThis.__fake.drop([p]), TALL);
  await page.waitForSelector(byTestId('image-last-card'), { state: 'visible' });
  await until(page, () => document.querySelector('[data-testid="image-last-summary"]').textContent !== '');
  // Kling takes pictures whole: no crop window, no fill or fit, the summary says what was done.
  assert.equal(await visible(page, 'crop-window'), false);
  assert.equal(await visible(page, 'framing-fit'), false);
  assert.match(await text(page, 'image-summary'), literally(t('picture.summary.as_is', { width: '4032', height: '3024', format: 'JPEG', bytes: 3_100_000 })));
  const prepared = await Promise.all((await calls(page, 'prepare_image')).map((c) => withPaths(page, c.args)));
  assert.deepEqual(prepared[0], { path: BEACH, model: 'kling-v3', aspect: null, quality: '1080p', framing: 'fill', crop: null });
  assert.deepEqual(prepared.at(-1), { path: TALL, model: 'kling-v3', aspect: null, quality: '1080p', framing: 'fill', crop: null });
  // Kling leaves the shape out when pictures are given.
  assert.equal(await visible(page, 'aspect-note'), true);
  assert.equal(await text(page, 'aspect-note'), strings.pictureDecidesShape);
  assert.equal(await page.isDisabled(byTestId('aspect-9:16')), true);
  await credits(page, '108');
  await page.$eval(byTestId('image-card'), (card) => card.scrollIntoView({ block: 'start' }));
  await shoot(page, 'models-kling-frames');
  await page.click(byTestId('generate'));
  await page.waitForSelector(`${byTestId('task-card')}[data-state="preparing"]`);
  const [sent] = await calls(page, 'submit_task');
  assert.deepEqual(await withPaths(page, sent.args), {
    prompt: 'Waves rolling onto a quiet beach',
    model: 'kling-v3',
    choices: { aspect: '16:9', duration: 10, quality: '1080p', audio: true },
    image: { path: BEACH, framing: 'fill', crop: null },
    last_image: { path: TALL, framing: 'fill', crop: null },
    takes: 1,
  });
  assert.equal(await visible(page, 'image-last-card'), false, 'both pictures are cleared for the next video');
  noErrors(errors);
  await close();
});

test('Wan 3.0: 2 to 30 s or the model’s choice, shapes from Auto to 3:4, a seed', async () => {
  const { page, errors, close } = await openApp({ viewport: LAPTOP });
  await page.fill(byTestId('prompt'), 'A long take through a busy night market');
  await pickModel(page, 'wan3.0');
  assert.equal(await page.getAttribute(byTestId('duration-input'), 'min'), '2');
  assert.equal(await page.getAttribute(byTestId('duration-input'), 'max'), '30');
  assert.deepEqual(await controls(page, 'aspect-'), ['adaptive', '16:9', '9:16', '1:1', '4:3', '3:4']);
  assert.match(await page.textContent(`label:has(> ${byTestId('aspect-adaptive')})`), literally(strings.aspectName('adaptive')));
  assert.deepEqual(await controls(page, 'quality-'), ['480p', '720p', '1080p']);
  assert.equal(await page.isChecked(byTestId('audio-toggle')), true, 'Wan makes sound unless asked not to');
  // Sora's landscape is kept; Wan's own default (Auto) is one click away.
  assert.equal(await page.isChecked(byTestId('aspect-16:9')), true);
  await credits(page, '20.4'); // 2.55 × 2 (720p) × 4 s
  await page.click(byTestId('duration-auto'));
  assert.equal(await page.isDisabled(byTestId('duration-input')), true);
  assert.equal(await text(page, 'duration-value'), strings.durationAutoValue);
  assert.equal(await text(page, 'duration-auto-hint'), strings.durationAutoHint(30));
  await credits(page, '153'); // 30 s held at 720p
  assert.equal((await calls(page, 'estimate')).at(-1).args.choices.duration, -1);
  await page.click(byTestId('duration-auto'));
  await credits(page, '20.4');
  await choose(page, 'aspect-adaptive');
  await page.click(`${byTestId('more-options')} summary`);
  assert.equal(await visible(page, 'seed'), true);
  assert.equal(await visible(page, 'negative-prompt'), false, 'Wan takes no list of things to keep out');
  await page.fill(byTestId('seed'), '1234');
  await until(page, () => globalThis.__fake.callsTo('estimate').at(-1).args.choices.seed === 1234);
  await shoot(page, 'models-wan');
  noErrors(errors);
  await close();
});

test('Veo 3.1 Fast: 4, 6 or 8 s, sound on by default and priced, a token limit, a seed that must fit', async () => {
  const { page, errors, close } = await openApp({ viewport: LAPTOP });
  await pickModel(page, 'veo-3.1-fast-generate-preview');
  assert.deepEqual(await controls(page, 'duration-'), ['4', '6', '8']);
  assert.deepEqual(await controls(page, 'aspect-'), ['auto', '16:9', '9:16']);
  assert.deepEqual(await controls(page, 'quality-'), ['720p', '1080p', '4k']);
  assert.equal(await text(page, 'prompt-counter'), strings.counter(0, 2000));
  assert.equal(await text(page, 'prompt-limit-note'), strings.promptTokens(2000));
  assert.equal(await page.isChecked(byTestId('audio-toggle')), true);
  await credits(page, '38.04'); // 6.34 × 1.5 with sound × 4 s
  await page.click(byTestId('audio-toggle'));
  await credits(page, '25.36');
  await page.click(byTestId('audio-toggle'));
  await choose(page, 'quality-4k');
  await choose(page, 'duration-8');
  await credits(page, '178.03'); // 6.34 × 3.51 × 8
  await page.fill(byTestId('prompt'), 'A drone shot over a misty forest at sunrise');
  await page.click(`${byTestId('more-options')} summary`);
  await page.fill(byTestId('negative-prompt'), 'text, watermarks');
  await page.fill(byTestId('seed'), '0');
  await page.waitForSelector(byTestId('choice-error-seed'), { state: 'visible' });
  assert.equal(await text(page, 'choice-error-seed'), strings.seedInvalid(1, 4_294_967_295));
  assert.equal(await page.isDisabled(byTestId('generate')), true);
  assert.equal(await text(page, 'generate-reason'), strings.seedInvalid(1, 4_294_967_295));
  await shoot(page, 'models-veo');
  await page.fill(byTestId('seed'), '7');
  await until(page, () => !document.querySelector('[data-testid="generate"]').disabled);
  await page.click(byTestId('generate'));
  await page.waitForSelector(byTestId('task-card'));
  const [sent] = await calls(page, 'submit_task');
  assert.deepEqual(sent.args.choices, { aspect: '16:9', duration: 8, quality: '4k', audio: true, seed: 7, negative_prompt: 'text, watermarks' });
  noErrors(errors);
  await close();
});

test('MiniMax H3: 768p or 2K, Cinema 21:9, no sound setting, an end frame alone', async () => {
  const { page, errors, close } = await openApp({ backend: { nextImage: TALL }, viewport: LAPTOP });
  await pickModel(page, 'minimax-h3');
  assert.deepEqual(await controls(page, 'quality-'), ['768p', '2k']);
  assert.deepEqual(await controls(page, 'aspect-'), ['16:9', '21:9', '4:3', '1:1', '3:4', '9:16']);
  assert.match(await page.textContent(`label:has(> ${byTestId('aspect-21:9')})`), literally(strings.aspectName('21:9')));
  assert.equal(await visible(page, 'audio-toggle'), false);
  assert.equal(await visible(page, 'audio-note'), false);
  await choose(page, 'quality-2k');
  await page.fill(byTestId('duration-input'), '6');
  await credits(page, '50.41'); // 8.4 credits/s at 2K (5.17 × 1.625) × 6 s
  await choose(page, 'aspect-21:9');
  // MiniMax takes an end frame without a start.
  assert.equal(await page.isEnabled(byTestId('image-last-choose')), true);
  await page.click(byTestId('image-last-choose'));
  await page.waitForSelector(byTestId('image-last-card'), { state: 'visible' });
  await until(page, () => globalThis.__fake.callsTo('estimate').at(-1).args.pictures.last === true);
  assert.deepEqual((await calls(page, 'estimate')).at(-1).args.pictures, { first: false, last: true });
  await page.$eval('.compose', (panel) => { panel.scrollTop = 0; });
  await shoot(page, 'models-minimax');
  noErrors(errors);
  await close();
});

test('switching model keeps the prompt and pictures, and says what changed', async () => {
  const { page, errors, close } = await openApp({ viewport: LAPTOP });
  await page.fill(byTestId('prompt'), 'A red fox crossing a frozen lake');
  await pickModel(page, 'kling-v3');
  assert.equal(await visible(page, 'model-notice'), false, 'nothing had to change');
  await page.fill(byTestId('duration-input'), '10');
  await choose(page, 'quality-1080p');
  await choose(page, 'aspect-1:1');
  await page.evaluate((p) => globalThis.__fake.drop([p]), BEACH);
  await page.waitForSelector(byTestId('image-card'), { state: 'visible' });
  await page.evaluate((p) => globalThis.__fake.drop([p]), TALL);
  await page.waitForSelector(byTestId('image-last-card'), { state: 'visible' });

  await pickModel(page, 'sora-2-preview');
  await page.waitForSelector(byTestId('model-notice'), { state: 'visible' });
  const said = await page.textContent('.model-notice-text');
  assert.ok(said.includes(strings.switched.duration('Sora 2', strings.lengthsInWords({ values: [4, 8, 12] }), strings.seconds(4))), said);
  assert.ok(said.includes(strings.switched.qualityGone('Sora 2')), said);
  assert.ok(said.includes(strings.switched.aspect('Sora 2', '1:1', '16:9')), said);
  assert.ok(said.includes(strings.switched.lastFrame('Sora 2')), said);
  assert.equal(await page.inputValue(byTestId('prompt')), 'A red fox crossing a frozen lake');
  assert.equal(await visible(page, 'image-card'), true, 'the starting picture stays');
  assert.equal(await visible(page, 'image-last'), false);
  assert.equal(await text(page, 'image-last-aside'), strings.lastFrameAside('Sora 2'));
  assert.equal(await page.isChecked(byTestId('duration-4')), true);
  // The picture is prepared again for Sora, which needs the exact frame (so it is cropped).
  await until(page, () => globalThis.__fake.callsTo('prepare_image').at(-1).args.model === 'sora-2-preview');
  const cropped = t('picture.summary.cropped', { rotated: 0, width: '4032', height: '3024', target_width: '1280', target_height: '720', flattened: 0, location: 1, bytes: 412_000 });
  await until(page, (w) => document.querySelector('[data-testid="image-summary"]').textContent === w, cropped);
  assert.equal(await visible(page, 'crop-window'), true);
  await credits(page, '23.04');
  assert.deepEqual((await calls(page, 'estimate')).at(-1).args.pictures, { first: true, last: false });
  await page.$eval('.compose', (panel) => { panel.scrollTop = 0; });
  await shoot(page, 'models-switched');

  // Back to Kling: what Sora kept still fits, and the last frame is back.
  await pickModel(page, 'kling-v3');
  assert.match(await page.textContent('.model-notice-text'), literally(strings.switched.lastFrameBack));
  assert.equal(await visible(page, 'image-last-card'), true);
  assert.equal(await page.inputValue(byTestId('duration-input')), '4');
  assert.equal(await page.isChecked(byTestId('quality-720p')), true, 'Kling’s default, as nothing was remembered');
  await page.click(byTestId('model-notice-dismiss'));
  assert.equal(await visible(page, 'model-notice'), false);
  noErrors(errors);
  await close();
});

test('a choice the backend refuses is shown beside its control and blocks Generate with that reason', async () => {
  const { page, errors, close } = await openApp();
  await page.fill(byTestId('prompt'), 'A lighthouse in a storm');
  await until(page, () => !document.querySelector('[data-testid="generate"]').disabled);
  const refusal = { code: 'invalid_input', field: 'duration', message: 'Sora 2 makes 4, 8 or 12 s, not 8 s today.', retryable: false };
  await page.evaluate((f) => globalThis.__fake.fail('estimate', f), refusal);
  await choose(page, 'duration-8');
  await page.waitForSelector(byTestId('choice-error-duration'), { state: 'visible' });
  assert.equal(await text(page, 'choice-error-duration'), t('problem.invalid_input'));
  assert.equal(await page.isDisabled(byTestId('generate')), true);
  assert.equal(await text(page, 'generate-reason'), t('problem.invalid_input'));
  await shoot(page, 'models-refused-choice');
  await page.evaluate(() => globalThis.__fake.fail('estimate', null));
  await choose(page, 'duration-12');
  await page.waitForSelector(byTestId('choice-error-duration'), { state: 'hidden' });
  await credits(page, '69.12');
  assert.equal(await page.isEnabled(byTestId('generate')), true);
  noErrors(errors);
  await close();
});

test('a model that refuses the video offers others, keeping the prompt and picture', async () => {
  const refusal = {
    code: 'model_unavailable', message: 'EvoLink no longer offers Sora 2 to your key.', retryable: false,
    alternatives: ['kling-v3', 'veo-3.1-fast-generate-preview'],
  };
  const { page, errors, close } = await openApp({ backend: { fail: { submit_task: refusal } }, viewport: LAPTOP });
  await page.fill(byTestId('prompt'), 'Snow falling on a mountain cabin at night');
  await page.evaluate((p) => globalThis.__fake.drop([p]), BEACH);
  await page.waitForSelector(byTestId('crop-window'), { state: 'visible' });
  await page.click(byTestId('generate'));
  await page.waitForSelector(byTestId('model-offer'), { state: 'visible' });
  const offer = await text(page, 'model-offer');
  assert.match(offer, literally(strings.offerTitle('Sora 2')));
  assert.match(offer, literally(t('problem.model_unavailable')));
  assert.match(offer, literally(strings.offerBody));
  const offered = await page.$$eval(byTestId('model-offer-option'), (list) => list.map((b) => b.dataset.modelId));
  assert.deepEqual(offered, ['kling-v3', 'veo-3.1-fast-generate-preview']);
  assert.equal(await page.isDisabled(byTestId('generate')), true);
  assert.equal(await text(page, 'generate-reason'), strings.modelUnavailableReason('Sora 2'));
  assert.equal(await visible(page, 'notice'), false, 'the offer says it all');
  await page.$eval('.compose', (panel) => { panel.scrollTop = 0; });
  await shoot(page, 'models-offer');
  // The picker now shows Sora 2 as unavailable too.
  await page.click(byTestId('model-offer-all'));
  await page.waitForSelector('.model-popover', { state: 'visible' });
  assert.equal(await page.getAttribute(option('sora-2-preview'), 'aria-disabled'), 'true');
  await page.keyboard.press('Escape');

  await page.evaluate(() => globalThis.__fake.fail('submit_task', null));
  await page.click(`${byTestId('model-offer-option')}[data-model-id="kling-v3"]`);
  await page.waitForSelector(byTestId('model-offer'), { state: 'hidden' });
  assert.equal(await current(page), 'Kling V3');
  assert.equal(await page.inputValue(byTestId('prompt')), 'Snow falling on a mountain cabin at night');
  assert.equal(await visible(page, 'image-card'), true);
  await until(page, () => !document.querySelector('[data-testid="generate"]').disabled);
  await page.click(byTestId('generate'));
  await page.waitForSelector(byTestId('task-card'));
  const sent = await calls(page, 'submit_task');
  assert.equal(sent.length, 2);
  assert.equal(sent[1].args.model, 'kling-v3');
  assert.equal(sent[1].args.prompt, 'Snow falling on a mountain cabin at night');
  assert.equal((await withPaths(page, sent[1].args)).image.path, BEACH);
  noErrors(errors);
  await close();
});

test('compose opens on the default model, or says why it cannot', async () => {
  const remembered = { 'kling-v3': { duration: 12, quality: '4k', aspect: '9:16', audio: true } };
  const opened = await openApp({ backend: { settings: { default_model: 'kling-v3', model_choices: remembered } } });
  await until(opened.page, () => globalThis.__fake.callsTo('estimate').length > 0);
  assert.equal(await current(opened.page), 'Kling V3');
  assert.equal(await opened.page.inputValue(byTestId('duration-input')), '12');
  assert.equal(await opened.page.isChecked(byTestId('quality-4k')), true);
  assert.equal(await opened.page.isChecked(byTestId('orientation-portrait')), true);
  assert.equal(await opened.page.isChecked(byTestId('audio-toggle')), true);
  assert.equal(await visible(opened.page, 'model-notice'), false);
  await opened.close();

  const { page, errors, close } = await openApp({
    backend: { settings: { default_model: 'kling-v3', model_choices: remembered }, unavailable: { 'kling-v3': 'Kling is not offered to your key.' } },
  });
  await page.waitForSelector(byTestId('model-notice'), { state: 'visible' });
  assert.equal(await page.textContent('.model-notice-text'), strings.defaultUnavailable('Kling V3', 'Sora 2'));
  assert.equal(await current(page), 'Sora 2');
  noErrors(errors);
  await close();
});

test('the detail view names the model and its choices; "make another" brings them back', async () => {
  const task = {
    id: 'k1', prompt: 'Two dancers spinning in a sunlit studio', state: 'done', ago: 600,
    model_id: 'kling-v3', aspect: '1:1', duration: 10, quality: '1080p', audio: true,
  };
  const { page, errors, close } = await openApp({ backend: { tasks: [task] } });
  const card = `${byTestId('task-card')}[data-task-id="k1"]`;
  await page.waitForSelector(card);
  assert.ok((await page.textContent(`${card} .card-meta`)).startsWith(['Kling V3', strings.meta.seconds(10), strings.credits(108)].join(strings.list.dot)));
  await page.click(`${card} .card-open`);
  await page.waitForSelector(byTestId('detail'), { state: 'visible' });
  assert.equal(await text(page, 'detail-model'), 'Kling V3');
  assert.equal(await text(page, 'detail-shape'), strings.shapeFact('1:1'));
  assert.equal(await text(page, 'detail-quality'), '1080p');
  assert.equal(await text(page, 'detail-sound'), strings.soundOn);
  await shoot(page, 'models-detail');
  await page.click(byTestId('detail-again'));
  await page.waitForSelector(byTestId('detail'), { state: 'hidden' });
  assert.equal(await current(page), 'Kling V3');
  assert.equal(await page.inputValue(byTestId('duration-input')), '10');
  assert.equal(await page.isChecked(byTestId('quality-1080p')), true);
  assert.equal(await page.isChecked(byTestId('aspect-1:1')), true);
  assert.equal(await page.isChecked(byTestId('audio-toggle')), true);
  await credits(page, '108');
  noErrors(errors);
  await close();
});

test('in the smallest window the list of models fits and compose stays tidy', async () => {
  const { page, errors, close } = await openApp({ viewport: { width: 760, height: 540 } });
  await page.click(byTestId('model-picker-button'));
  await page.waitForSelector('.model-popover', { state: 'visible' });
  const box = await page.locator('.model-popover').boundingBox();
  assert.ok(box.x >= 0 && box.y >= 0 && box.x + box.width <= 760 && box.y + box.height <= 540, `the list fits the window: ${JSON.stringify(box)}`);
  await shoot(page, 'small-models-picker');
  await page.click(option('seedance-2.0'));
  await page.waitForSelector('.model-popover', { state: 'hidden' });
  await credits(page, '54'); // 13.5 credits/s × 4 s (Sora's length, which Seedance makes too)
  await page.$eval('.choice-field[data-field="aspect"]', (field) => field.scrollIntoView({ block: 'start' }));
  await shoot(page, 'small-models-seedance');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth
    || document.querySelector('.compose').scrollWidth > document.querySelector('.compose').clientWidth);
  assert.equal(overflow, false, 'nothing runs off the side');
  noErrors(errors);
  await close();
});

test('when the models cannot be listed, compose says so and Generate waits', async () => {
  const failure = { code: 'internal', message: 'The model list is unreadable.', retryable: false };
  const { page, close } = await openApp({ backend: { fail: { list_models: failure } } });
  await page.fill(byTestId('prompt'), 'A fox');
  assert.equal(await text(page, 'notice'), strings.modelsFailed(strings.problem({ ...failure, message: { key: 'problem.internal', params: { detail: failure.message } } })));
  assert.equal(await page.isDisabled(byTestId('model-picker-button')), true);
  assert.equal(await current(page), strings.modelsMissing);
  assert.equal(await page.isDisabled(byTestId('generate')), true);
  assert.equal(await text(page, 'generate-reason'), strings.modelsFailed(strings.problem({ ...failure, message: { key: 'problem.internal', params: { detail: failure.message } } })));
  await close();
});

test('a video EvoLink refused for its model makes the picker ask again which models the key may use', async () => {
  const { page, errors, close } = await openApp({ viewport: LAPTOP });
  await credits(page, '23.04');
  const asked = () => page.evaluate(() => globalThis.__fake.callsTo('list_models').length);
  const before = await asked();
  // The backend refuses Sora 2 Pro from now on, and a task made with it fails for that reason.
  await page.evaluate(() => {
    globalThis.__fake.state.unavailable = { 'sora-2-pro-preview': 'EvoLink refused Sora 2 Pro for your key just now.' };
    globalThis.__fake.emitTasks([{ prompt: 'A lighthouse in a storm', state: 'failed', model: 'sora-2-pro-preview', model_id: 'sora-2-pro-preview', error: { code: 'model_unavailable', message: 'This video model is not available right now.', retryable: false } }]);
  });
  await until(page, (n) => globalThis.__fake.callsTo('list_models').length > n, before);
  await page.click(byTestId('model-picker-button'));
  await page.waitForSelector(`${option('sora-2-pro-preview')}[aria-disabled="true"]`);
  assert.match(await page.textContent(option('sora-2-pro-preview')), literally(t('problem.model_unavailable')));
  noErrors(errors);
  await close();
});
