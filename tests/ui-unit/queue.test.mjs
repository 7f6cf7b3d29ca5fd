// The pure parts of "queue and walk away": selecting cards, a run's figures in words, today's
// spend, moving in the queue, takes, bulk actions and the Settings numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { useLanguage } from '../support/words.mjs';
import { Selection, clickIntent, idsBetween } from '../../ui/js/selection.js';
import { isNewerQueue, moveInQueue, panelShown, runFigures, runPercent, shownRuns, spendToday } from '../../ui/js/runs.js';
import { IN_STEP, orderTakes, outOfStep, takesAround, takesLayout, totalFor } from '../../ui/js/takes.js';
import { bulkOffers, deletePlan, retryCost } from '../../ui/js/bulk.js';
import { readLimit, readMaxActive } from '../../ui/js/limits.js';
import { canStop, nextStep } from '../../ui/js/tasks.js';
import { strings } from '../../ui/js/strings.js';

// These tests check the English words, whatever the run's language.
useLanguage('en');

const items = (...ids) => ids.map((id) => (id == null ? undefined : { id }));

test('a click opens a video, unless a key says otherwise or something is already selected', () => {
  assert.equal(clickIntent({}), 'open');
  assert.equal(clickIntent({ toggle: true }), 'toggle', 'Ctrl or Cmd');
  assert.equal(clickIntent({ shift: true }), 'range');
  assert.equal(clickIntent({ shift: true, toggle: true, selecting: true }), 'range', 'Shift wins');
  assert.equal(clickIntent({ selecting: true }), 'toggle', 'a selection grows by clicking');
});

test('Shift selects from the last one toggled to the one clicked, either way, skipping what is not loaded', () => {
  const list = items('a', 'b', null, 'd', 'e', 'f');
  assert.deepEqual(idsBetween(list, 4, 1), ['b', 'd', 'e']);
  const selection = new Selection();
  selection.toggle('b');
  selection.extend(list, 4);
  assert.deepEqual([...selection.ids], ['b', 'd', 'e']);
  selection.extend(list, 0);
  assert.deepEqual([...selection.ids].sort(), ['a', 'b', 'd', 'e'], 'the anchor stays where the last toggle was');
  selection.toggle('d');
  assert.equal(selection.has('d'), false);
  assert.equal(selection.anchor, 'd', 'a toggle off still moves the anchor');
  selection.extend(list, 5);
  assert.deepEqual([...selection.ids].sort(), ['a', 'b', 'd', 'e', 'f']);
});

test('Shift without an anchor selects the one clicked; removed ids leave the selection and the anchor', () => {
  const selection = new Selection();
  selection.extend(items('a', 'b', 'c'), 1);
  assert.deepEqual([...selection.ids], ['b']);
  assert.equal(selection.anchor, 'b');
  selection.toggle('c');
  selection.remove('c', 'zz');
  assert.deepEqual([...selection.ids], ['b']);
  assert.equal(selection.anchor, null);
  selection.clear();
  assert.equal(selection.size, 0);
});

const run = (fields) => ({ batch_id: 'b', label: 'A fox', total: 30, done: 8, failed: 1, waiting: 18, active: 3, credits: 92, finished: false, ...fields });

test('a run in words: done of total, failed and waiting only when there are any, credits so far', () => {
  assert.equal(strings.runProgress(runFigures(run())), '8 of 30 done · 1 failed · 18 waiting · 92 credits so far');
  assert.equal(strings.runProgress(runFigures(run({ failed: 0, waiting: 0, done: 27 }))), '27 of 30 done · 92 credits so far');
  assert.equal(strings.runProgress(runFigures(run({ done: 28, failed: 2, waiting: 0, active: 0, finished: true, credits: 1290.24 })), true),
    '28 of 30 made · 2 failed · 1,290.24 credits');
  assert.equal(runPercent(run()), 30);
  assert.equal(runPercent(run({ total: 0 })), 0);
});

test('the queue panel shows while something waits, a run is under way, or a finished run is not read yet', () => {
  const queue = (waiting, runs) => ({ waiting: Array(waiting).fill({ id: 'x' }), runs });
  assert.equal(panelShown(null), false);
  assert.equal(panelShown(queue(0, [])), false);
  assert.equal(panelShown(queue(2, [])), true);
  assert.equal(panelShown(queue(0, [run()])), true);
  const finished = run({ finished: true, waiting: 0, active: 0 });
  assert.equal(panelShown(queue(0, [finished])), true);
  assert.equal(panelShown(queue(0, [finished]), new Set(['b'])), false, 'its summary was hidden');
  assert.deepEqual(shownRuns(queue(0, [run({ batch_id: 'c' }), finished]), new Set(['b', 'c'])).map((r) => r.batch_id), ['c'], 'one in progress cannot be hidden');
});

test('today’s spend is said against the limit, warned near it, and not at all while nothing was spent without a limit', () => {
  assert.equal(spendToday({ spent_today: 0, daily_limit: null }), null);
  assert.deepEqual(spendToday({ spent_today: 120, daily_limit: null }), { spent: 120, limit: null, level: 'ok' });
  assert.deepEqual(spendToday({ spent_today: 0, daily_limit: 500 }), { spent: 0, limit: 500, level: 'ok' });
  assert.equal(spendToday({ spent_today: 450, daily_limit: 500 }).level, 'near');
  assert.equal(spendToday({ spent_today: 500, daily_limit: 500 }).level, 'over');
  assert.equal(strings.todaySpend(120, 500), 'Today 120 / 500 credits');
  assert.equal(strings.todaySpend(120, null), 'Today 120 credits');
  assert.equal(strings.queueReason.waiting_for_slot(3), 'Waiting for a free slot (3 videos are being made)');
  assert.equal(strings.queueReason.waiting_for_slot(1), 'Waiting for a free slot (1 video is being made)');
});

test('moving in the queue: one place up or down, never past either end', () => {
  assert.deepEqual(moveInQueue(['a', 'b', 'c'], 'b', -1), ['b', 'a', 'c']);
  assert.deepEqual(moveInQueue(['a', 'b', 'c'], 'b', 1), ['a', 'c', 'b']);
  assert.equal(moveInQueue(['a', 'b', 'c'], 'a', -1), null);
  assert.equal(moveInQueue(['a', 'b', 'c'], 'c', 1), null);
  assert.equal(moveInQueue(['a', 'b'], 'z', 1), null);
});

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

test('bulk: delete what ended, take unsent videos out of the queue, leave what is being made; retry and stop what can be', () => {
  const t = (id, state, fields = {}) => ({ id, state, favourite: false, ...fields });
  const picked = [t('d', 'done'), t('f', 'failed', { estimate_credits: 46.08 }), t('w', 'waiting'), t('p', 'preparing'),
    t('g', 'generating'), t('s', 'downloading'), t('u', 'outcome_unknown', { lookup: 'nothing_found' }), t('x', 'expired', { credits_reserved: 23.04 })];
  const plan = deletePlan(picked);
  assert.deepEqual(plan.remove.map((x) => x.id), ['d', 'f', 'u', 'x']);
  assert.deepEqual(plan.unqueue.map((x) => x.id), ['w', 'p']);
  assert.deepEqual(plan.skip.map((x) => x.id), ['g', 's']);
  const offers = bulkOffers(picked);
  assert.deepEqual(offers.retry.map((x) => x.id), ['f', 'x'], 'an uncertain one asks first, in its own view');
  assert.deepEqual(offers.stop.map((x) => x.id), ['w', 'p', 'g'], 'not one being saved');
  assert.equal(offers.allFavourite, false);
  assert.equal(bulkOffers([t('a', 'done', { favourite: true })]).allFavourite, true);
  assert.equal(retryCost(offers.retry), 69.12);
  assert.equal(retryCost([t('z', 'failed')]), null);
  assert.equal(canStop(t('g', 'generating', { stopped: 'keep' })), false, 'stopped once');
});

test('what waits has its way out; a stopped video is explained', () => {
  const waiting = (code) => nextStep({ state: 'waiting', error: { code, message: 'x', retryable: true } });
  assert.deepEqual(waiting('spend_limit'), { action: 'raise_limit', advice: 'spend_limit' });
  assert.deepEqual(waiting('queue_paused'), { action: 'resume_queue', advice: 'queue_paused' });
  assert.deepEqual(waiting('waiting_for_slot'), { action: null, advice: 'waiting_for_slot' });
  assert.deepEqual(nextStep({ state: 'failed', error: { code: 'stopped', message: 'x', retryable: false } }), { action: null, advice: 'stopped' });
  assert.match(strings.advice.stopped, /chose not to keep it/);
});

test('the Settings numbers: 1 to 10 at once; a limit in credits, or empty for none', () => {
  assert.equal(readMaxActive('3'), 3);
  assert.equal(readMaxActive(' 10 '), 10);
  for (const bad of ['0', '11', '2.5', '', 'three', '-1']) assert.equal(readMaxActive(bad), undefined, bad);
  assert.equal(readLimit(''), null);
  assert.equal(readLimit('  '), null);
  assert.equal(readLimit('500'), 500);
  assert.equal(readLimit('1,500'), 1500);
  assert.equal(readLimit('2 000'), 2000);
  assert.equal(readLimit('99.5'), 99.5);
  for (const bad of ['0', '-5', 'lots', '1,5', '12,34,5', '1.2.3']) assert.equal(readLimit(bad), undefined, bad);
});

test('batch words: the count, how versions multiply it, each problem by its line, and the confirm button', () => {
  assert.equal(strings.batchSummary({ lines: 12, takes: 1, count: 12, credits: 456 }), '12 videos · about 456 credits');
  assert.equal(strings.batchSummary({ lines: 3, takes: 2, count: 6, credits: 276.48 }), '3 descriptions × 2 versions = 6 videos · about 276.48 credits');
  assert.equal(strings.batchSummary({ lines: 1, takes: 1, count: 1, credits: 23.04, demo: true }), '1 video · free in demo mode');
  assert.equal(strings.batchConfirm(12, 456), 'Queue 12 videos for about 456 credits');
  assert.equal(strings.batchProblem(4, 'This line has no prompt.'), 'Line 4: This line has no prompt.');
});

test('a Queue read earlier never replaces one read later, whichever arrives last', () => {
  const paused = { revision: 7, paused: true };
  assert.equal(isNewerQueue(null, paused), true, 'the first one is shown');
  assert.equal(isNewerQueue(paused, { revision: 6, paused: false }), false, 'an event overtaken by the answer to Pause');
  assert.equal(isNewerQueue(paused, { revision: 8, paused: false }), true);
  assert.equal(isNewerQueue(paused, { ...paused }), true, 'the same read again');
});
