// Models in the real app, against the fake EvoLink server: a model the key may not use is shown
// as unavailable with the reason; Kling V3 with a first and a last frame, 10 s, 1080p and sound
// reaches the fake with exactly those fields and is saved with a recipe naming the model; back
// on Sora 2 the lengths are 4, 8 and 12 s again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';

import {
  byTestId, cardState, dropFiles, firstCard, launch, makePicture, newProfile, shoot, shown, startMock,
  statesSeen, textOf, watchCardStates,
} from './harness.mjs';
import { words } from '../support/words.mjs';

const KEY = 'sk-app-distinctive-models-5e1c07a9d2';
const PROMPT = 'A red kite lifts off the beach and climbs into the clouds';
const ARROW_LEFT = '\uE012';
const ARROW_RIGHT = '\uE014';

const option = (id) => `${byTestId('model-option')}[data-model-id="${id}"]`;

async function openPicker(session) {
  // The button stays disabled until the models this key may use are known: wait as a person would.
  await session.waitFor(`return document.querySelector('[data-testid="model-picker-button"]').disabled ? null : true;`,
    { what: 'the model picker to be ready' });
  await session.click(await session.find(byTestId('model-picker-button')));
  await session.waitForVisible(option('sora-2-preview'));
}

/** Whether an input (checkbox, radio) is checked. */
const checked = (session, testid) =>
  session.execute(`return document.querySelector('[data-testid="${testid}"]').checked;`);

test('a model the key may not use, Kling V3 with both frames, and back to Sora 2', { timeout: 150000 }, async (t) => {
  const mock = await startMock(['--key', KEY, '--balance', '5000', '--time-scale', '40', '--unavailable-model', 'sora-2-pro-preview']);
  t.after(() => mock.stop());
  const profile = newProfile('models');
  const start = makePicture(profile.home, 'start.jpg', '1600x1200');
  const end = makePicture(profile.home, 'end.jpg', '1200x1600');
  const app = await launch(profile, { mock, env: { EVOLINK_API_KEY: KEY } });
  t.after(() => app.close());
  const { session } = app;
  await session.waitForVisible(byTestId('prompt'));

  // The picker: Sora 2 Pro is not open to this key, and says why.
  await openPicker(session);
  const pro = await session.execute(`
    const el = document.querySelector('${option('sora-2-pro-preview')}');
    return { disabled: el.getAttribute('aria-disabled'), reason: el.querySelector('[data-testid="model-option-reason"]')?.textContent ?? '' };`);
  assert.equal(pro.disabled, 'true');
  assert.match(pro.reason, /Sora 2 Pro/, `the reason names the model: ${pro.reason}`);
  await shoot(session, 'models-picker-light');

  // Kling V3: a first frame, then a last frame, 10 s, 1080p, sound on.
  await session.click(await session.find(option('kling-v3')));
  await session.waitForVisible(byTestId('duration-input'));
  await session.type(await session.find(byTestId('prompt')), PROMPT);
  // Kling takes the picture as it is (within its rules): the card says so, with no crop.
  await dropFiles(session, [start]);
  await session.waitForVisible(byTestId('image-card'));
  const summary = await session.waitForText(byTestId('image-summary'), (text) => text.length > 0);
  assert.match(summary, /1600\s*[x×]\s*1200/, `the picture keeps its size for Kling: ${summary}`);
  await dropFiles(session, [end]);
  await session.waitForVisible(byTestId('image-last-card'));
  await session.waitForText(byTestId('image-last-summary'), (text) => /1200\s*[x×]\s*1600/.test(text));
  // The length slider, moved with the keyboard as a person would, to 10 s.
  const range = await session.find(byTestId('duration-input'));
  const seconds = () => session.execute('return Number(document.querySelector(\'[data-testid="duration-input"]\').value);');
  for (let i = 0; i < 20 && (await seconds()) !== 10; i += 1) {
    await session.type(range, (await seconds()) < 10 ? ARROW_RIGHT : ARROW_LEFT);
  }
  assert.equal(await seconds(), 10);
  assert.match(await textOf(session, 'duration-value'), /10/);
  // Choices are clicked where a person clicks: on their labels.
  await session.click(await session.find(`label:has(${byTestId('quality-1080p')})`));
  await session.click(await session.find(`label:has(${byTestId('audio-toggle')})`));
  assert.equal(await checked(session, 'quality-1080p'), true, '1080p is chosen');
  assert.equal(await checked(session, 'audio-toggle'), true, 'sound is on');
  // 5.4 credits a second, x2 at 1080p with sound, for 10 s.
  await session.waitForText(byTestId('estimate'), (text) => /\b108\b/.test(text));
  await shoot(session, 'models-kling-light');

  await watchCardStates(session);
  await session.waitFor('return !document.querySelector(\'[data-testid="generate"]\').disabled;', { what: 'Generate to be enabled' });
  await session.clickSteady(byTestId('generate'));
  const { id } = await firstCard(session);
  await cardState(session, id, (s) => ['done', 'failed', 'expired', 'outcome_unknown'].includes(s), { timeoutMs: 90000, what: 'the task to end' });
  const seen = await statesSeen(session, id);
  assert.equal(seen.at(-1), 'done', `the task ended ${seen.at(-1)}: ${await textOf(session, 'task-error')}`);

  // What the fake received: Kling's own fields, both frames.
  const counters = await (await fetch(`${mock.url}/__mock/counters`)).json();
  const body = counters.create_bodies.at(-1);
  assert.equal(body.model, 'kling-v3-image-to-video');
  assert.equal(body.duration, 10);
  assert.equal(body.quality, '1080p');
  assert.equal(body.sound, 'on');
  assert.match(body.image_start, /^http/);
  assert.match(body.image_end, /^http/);
  assert.notEqual(body.image_start, body.image_end);
  assert.equal(body.image_urls, undefined);
  assert.equal(counters.uploads, 2);

  // Saved with a recipe that names the model.
  await session.click(await session.find(`${byTestId('task-card')}[data-task-id="${id}"]`));
  await session.waitForVisible(byTestId('detail'));
  assert.match(await textOf(session, 'detail-model'), /Kling V3/);
  assert.equal(await textOf(session, 'detail-shape'), words('shapeFromPictures'));
  const videoPath = await textOf(session, 'detail-path');
  assert.match(videoPath, /\(kling-v3, 10s\)\.mp4$/, 'the frames decide the shape: no shape in the name');
  const recipePath = videoPath.replace(/\.mp4$/, '.json');
  assert.ok(existsSync(recipePath), `a recipe beside the video: ${recipePath}`);
  const recipe = JSON.parse(readFileSync(recipePath, 'utf8'));
  assert.equal(recipe.model, 'kling-v3-image-to-video');
  assert.equal(recipe.model_name, 'Kling V3');
  assert.equal(recipe.duration_seconds, 10);
  assert.equal(recipe.quality, '1080p');
  assert.equal(recipe.aspect, null, 'the frames decided the shape');
  assert.equal(recipe.sound, true);
  assert.equal(recipe.first_frame, start);
  assert.equal(recipe.last_frame, end);
  await shoot(session, 'models-kling-detail-light');
  await session.click(await session.find(byTestId('detail-close')));

  // Back to Sora 2: lengths are 4, 8 or 12 s again, and nothing of Kling's is left.
  await openPicker(session);
  await session.click(await session.find(option('sora-2-preview')));
  for (const seconds of [4, 8, 12]) {
    await session.waitForVisible(`label:has(${byTestId(`duration-${seconds}`)})`);
  }
  assert.equal(await session.execute('return document.querySelectorAll(\'input[name="duration"]\').length;'), 3);
  assert.equal(await shown(session, 'duration-input'), false);
  assert.equal(await shown(session, 'quality-1080p'), false);
  assert.equal(await shown(session, 'audio-toggle'), false);
  await shoot(session, 'models-back-to-sora-light');
});
