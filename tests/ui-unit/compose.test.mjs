import { test } from 'node:test';
import assert from 'node:assert/strict';

import { PROMPT_LIMIT, estimateCredits, generateBlocker, promptLength } from '../../ui/js/compose.js';

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
  assert.deepEqual(generateBlocker({ prompt: '   ', canGenerate: true }), { code: 'need_prompt' });
  const long = 'a'.repeat(PROMPT_LIMIT + 7);
  assert.deepEqual(generateBlocker({ prompt: long, canGenerate: true }), { code: 'prompt_too_long', over: 7 });
  assert.equal(generateBlocker({ prompt: 'a'.repeat(PROMPT_LIMIT), canGenerate: true }), null);
});

test('Generate explains when the app cannot generate yet', () => {
  assert.deepEqual(generateBlocker({ prompt: 'a fox', canGenerate: false }), { code: 'not_available' });
});
