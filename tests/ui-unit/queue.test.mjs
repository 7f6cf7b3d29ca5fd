// The pure parts of "queue and walk away": takes.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { IN_STEP, orderTakes, outOfStep, takesAround, takesLayout, totalFor } from '../../ui/js/takes.js';
import { strings } from '../../ui/js/strings.js';

test('takes: their cost, their number from the neighbours, their order and layout', () => {
  assert.equal(totalFor(23.04, 3), 69.12);
  assert.equal(totalFor(17.2, 3), 51.6, 'rounded to cents, as the backend rounds');
  const group = (take) => ({ id: `t${take}`, takes_group: 'g', take });
  const list = [{ id: 'x' }, group(4), group(3), undefined, group(1), { id: 'y', takes_group: 'other', take: 2 }];
  assert.equal(takesAround(list, 2), 4);
  assert.equal(takesAround(list, 4), 4, 'seen across a page not loaded yet');
  assert.equal(takesAround(list, 0), null, 'not a take');
  assert.equal(takesAround(list, 5), 2);
  assert.deepEqual(orderTakes([group(3), group(1)]).takes.map((t) => t.take), [1, 3]);
  assert.equal(orderTakes([group(3), group(1)]).total, 3, 'a take that was deleted still counts');
  assert.deepEqual([1, 2, 3, 4].map(takesLayout), ['single', 'pair', 'grid', 'grid']);
  assert.equal(strings.take(2, 4), 'Take 2 of 4');
  assert.equal(strings.take(2, null), 'Take 2');
});

test('takes in step: players more than a tenth of a second away are moved, ended ones left to wait', () => {
  assert.equal(IN_STEP, 0.1);
  assert.deepEqual(outOfStep([1.0, 1.05, 1.2, 0.85], 1.0), [2, 3]);
  assert.deepEqual(outOfStep([3.9, 2.0], 6.5, { durations: [4, 8] }), [1], 'a shorter video that ended waits');
});
