import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  PROMPT_LIMIT, estimateCredits, generateBlocker, isPastableImage, promptLength, requestedOrientation,
} from '../../ui/js/compose.js';

test('prompt length counts characters the way the API does, not UTF-16 units', () => {
  assert.equal(promptLength('cat'), 3);
  assert.equal(promptLength('🐱🎹'), 2);
  assert.equal(promptLength(''), 0);
});

test('estimates match the published per-duration prices', () => {
  assert.equal(estimateCredits(4), 23.04);
  assert.equal(estimateCredits(8), 46.08);
  assert.equal(estimateCredits(12), 69.12);
  assert.throws(() => estimateCredits(10), RangeError);
});

test('Generate waits for a prompt, rejects an over-long one, and says by how much', () => {
  assert.deepEqual(generateBlocker({ prompt: '   ' }), { code: 'need_prompt' });
  const long = 'a'.repeat(PROMPT_LIMIT + 7);
  assert.deepEqual(generateBlocker({ prompt: long }), { code: 'prompt_too_long', over: 7 });
  assert.equal(generateBlocker({ prompt: 'a'.repeat(PROMPT_LIMIT) }), null);
  assert.deepEqual(generateBlocker({ prompt: '🎹'.repeat(PROMPT_LIMIT + 1) }), { code: 'prompt_too_long', over: 1 });
});

test('Generate waits for the picture and for a key, and never submits twice at once', () => {
  assert.deepEqual(generateBlocker({ prompt: 'a fox', imageBusy: true }), { code: 'image_preparing' });
  assert.deepEqual(generateBlocker({ prompt: 'a fox', hasKey: false }), { code: 'need_key' });
  assert.deepEqual(generateBlocker({ prompt: 'a fox', submitting: true }), { code: 'submitting' });
  // The prompt comes first: that is what the person sees and can fix.
  assert.deepEqual(generateBlocker({ prompt: '', hasKey: false, imageBusy: true }), { code: 'need_prompt' });
  assert.equal(generateBlocker({ prompt: 'a fox', hasKey: true }), null);
});

test('the picture decides the orientation until the person picks one', () => {
  assert.equal(requestedOrientation({ picked: false, orientation: 'landscape' }), null);
  assert.equal(requestedOrientation({ picked: true, orientation: 'portrait' }), 'portrait');
});

test('only picture types are taken from the clipboard', () => {
  assert.equal(isPastableImage('image/png'), true);
  assert.equal(isPastableImage('image/jpeg'), true);
  assert.equal(isPastableImage('text/plain'), false);
  assert.equal(isPastableImage('image/svg+xml'), false);
  assert.equal(isPastableImage(undefined), false);
});
