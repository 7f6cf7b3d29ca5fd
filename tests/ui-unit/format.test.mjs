import { test } from 'node:test';
import assert from 'node:assert/strict';

import { age, byteParts, clock, roundCredits } from '../../ui/js/format.js';

test('clock reads like a stopwatch', () => {
  assert.equal(clock(0), '0:00');
  assert.equal(clock(7.9), '0:07');
  assert.equal(clock(185), '3:05');
  assert.equal(clock(3723), '1:02:03');
  assert.equal(clock(-4), '0:00');
});

test('age picks the largest whole unit and gives up after a week', () => {
  const now = 1_800_000_000;
  assert.deepEqual(age(now - 30, now), { unit: 'now', n: 0 });
  assert.deepEqual(age(now - 125, now), { unit: 'minutes', n: 2 });
  assert.deepEqual(age(now - 7200, now), { unit: 'hours', n: 2 });
  assert.deepEqual(age(now - 3 * 86400, now), { unit: 'days', n: 3 });
  assert.deepEqual(age(now - 9 * 86400, now), { unit: 'date', n: 0 });
  assert.deepEqual(age(now + 50, now), { unit: 'now', n: 0 });
});

test('sizes and credits round for reading', () => {
  assert.deepEqual(byteParts(512), { value: 512, unit: 'B' });
  assert.deepEqual(byteParts(412_000), { value: 412, unit: 'KB' });
  assert.deepEqual(byteParts(4_250_000), { value: 4.3, unit: 'MB' });
  assert.deepEqual(byteParts(1_260_000_000), { value: 1.3, unit: 'GB' });
  assert.equal(roundCredits(46.0800001), 46.08);
});
