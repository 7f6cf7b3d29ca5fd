import { test } from 'node:test';
import assert from 'node:assert/strict';

import { useLanguage } from '../support/words.mjs';
import { generateBlocker, isPastableImage, latestOnly, promptLength, requestedAspect } from '../../ui/js/compose.js';

// These tests check the English words, whatever the run's language.
useLanguage('en');

test('prompt length counts characters the way the API does, not UTF-16 units', () => {
  assert.equal(promptLength('cat'), 3);
  assert.equal(promptLength('🐱🎹'), 2);
  assert.equal(promptLength(''), 0);
});

test('Generate waits for a prompt, rejects one over the model’s limit, and says by how much', () => {
  assert.deepEqual(generateBlocker({ prompt: '   ', limit: 10 }), { code: 'need_prompt' });
  assert.deepEqual(generateBlocker({ prompt: 'a'.repeat(17), limit: 10 }), { code: 'prompt_too_long', over: 7 });
  assert.equal(generateBlocker({ prompt: 'a'.repeat(10), limit: 10 }), null);
  assert.deepEqual(generateBlocker({ prompt: '🎹'.repeat(11), limit: 10 }), { code: 'prompt_too_long', over: 1 });
  // A model without a stated limit takes any length.
  assert.equal(generateBlocker({ prompt: 'a'.repeat(50_000), limit: null }), null);
});

test('Generate waits for the picture and for a key, and never submits twice at once', () => {
  assert.deepEqual(generateBlocker({ prompt: 'a fox', imageBusy: true }), { code: 'image_preparing' });
  assert.deepEqual(generateBlocker({ prompt: 'a fox', hasKey: false }), { code: 'need_key' });
  assert.deepEqual(generateBlocker({ prompt: 'a fox', submitting: true }), { code: 'submitting' });
  // The prompt comes first: that is what the person sees and can fix.
  assert.deepEqual(generateBlocker({ prompt: '', hasKey: false, imageBusy: true }), { code: 'need_prompt' });
  assert.equal(generateBlocker({ prompt: 'a fox', hasKey: true }), null);
});

test('Generate waits for the models, refuses an unavailable one, and says which choice the model refused', () => {
  assert.deepEqual(generateBlocker({ prompt: 'a fox', noModel: true }), { code: 'no_model' });
  assert.deepEqual(generateBlocker({ prompt: '', unavailable: true }), { code: 'model_unavailable' });
  const problem = { field: 'duration', message: 'Sora 2 makes 4, 8 or 12 s, not 10 s.' };
  assert.deepEqual(generateBlocker({ prompt: 'a fox', problem }), { code: 'invalid_choice', ...problem });
  assert.deepEqual(generateBlocker({ prompt: '', problem }), { code: 'need_prompt' });
});

test('the picture decides the shape until the person picks one', () => {
  assert.equal(requestedAspect({ picked: false, aspect: '16:9' }), null);
  assert.equal(requestedAspect({ picked: true, aspect: '9:16' }), '9:16');
});

test('only picture types are taken from the clipboard', () => {
  assert.equal(isPastableImage('image/png'), true);
  assert.equal(isPastableImage('image/jpeg'), true);
  assert.equal(isPastableImage('text/plain'), false);
  assert.equal(isPastableImage('image/svg+xml'), false);
  assert.equal(isPastableImage(undefined), false);
});

test('only the newest question’s answer counts, asked once after a quiet moment', async () => {
  const asked = [];
  const answers = [];
  const errors = [];
  const slow = latestOnly(async (n) => {
    asked.push(n);
    await new Promise((r) => setTimeout(r, n === 1 ? 40 : 5));
    if (n === 3) throw new Error('no');
    return n * 10;
  }, { wait: 0, onAnswer: (v) => answers.push(v), onError: (e) => errors.push(e.message) });
  slow.run(1);
  await new Promise((r) => setTimeout(r, 10));
  slow.run(2); // asked while 1 is still on its way: 1's late answer is dropped
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(asked, [1, 2]);
  assert.deepEqual(answers, [20]);
  slow.run(3);
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(errors, ['no']);

  const calls = [];
  const quiet = latestOnly(async (n) => calls.push(n), { wait: 20 });
  quiet.run(1);
  quiet.run(2);
  quiet.run(3);
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(calls, [3], 'several changes in a row ask once');
});
