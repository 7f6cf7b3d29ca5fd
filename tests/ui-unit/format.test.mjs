import { test } from 'node:test';
import assert from 'node:assert/strict';

import { age, byteParts, clock, roundCredits } from '../../ui/js/format.js';
import { createLimiter } from '../../ui/js/queue.js';

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

test('the limiter runs at most two jobs at once and all of them in order', async () => {
  const limiter = createLimiter(2);
  let running = 0;
  let peak = 0;
  const order = [];
  const job = (n) => async () => {
    running += 1;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, 5));
    order.push(n);
    running -= 1;
    return n * 10;
  };
  const results = await Promise.all([1, 2, 3, 4, 5].map((n) => limiter.run(job(n))));
  assert.deepEqual(results, [10, 20, 30, 40, 50]);
  assert.equal(peak, 2);
  assert.deepEqual(order.slice().sort(), [1, 2, 3, 4, 5]);
});

test('a failing job does not block the others', async () => {
  const limiter = createLimiter(1);
  const failed = limiter.run(async () => { throw new Error('no frame'); });
  const next = limiter.run(async () => 'ok');
  await assert.rejects(failed, /no frame/);
  assert.equal(await next, 'ok');
});
