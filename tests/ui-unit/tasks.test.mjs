import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  FILTERS, canRetry, matchesQuery, needsPoster, newerFirst, nextStep, phase, progressInfo, taskCredits,
} from '../../ui/js/tasks.js';

const task = (fields) => ({
  id: 't1', prompt: 'A cat playing piano', state: 'generating', progress: 0, error: null,
  created_at: 1000, submitted_at: null, estimated_seconds: null, favourite: false,
  credits_used: null, credits_reserved: null, video_url: null, poster_url: null, ...fields,
});

test('every state has a phase and every filter names real states', () => {
  assert.equal(phase('preparing'), 'active');
  assert.equal(phase('downloading'), 'active');
  assert.equal(phase('done'), 'done');
  for (const state of ['failed', 'outcome_unknown', 'expired']) assert.equal(phase(state), 'failed');
  assert.deepEqual(FILTERS.all, []);
  assert.ok(FILTERS.active.includes('submitting'));
  assert.deepEqual(FILTERS.failed, ['failed', 'outcome_unknown', 'expired']);
});

test('each failure leads to its own way out', () => {
  const step = (code, fields = {}) => nextStep(task({ state: 'failed', error: { code, message: 'x', retryable: false }, ...fields }));
  assert.deepEqual(step('moderation_blocked'), { action: 'edit_prompt', advice: 'moderation_blocked' });
  assert.deepEqual(step('image_rejected'), { action: 'choose_image', advice: 'image_rejected' });
  assert.deepEqual(step('no_credits'), { action: 'top_up', advice: 'no_credits' });
  assert.deepEqual(step('bad_key'), { action: 'check_key', advice: 'bad_key' });
  assert.deepEqual(step('rate_limited'), { action: 'retry', advice: 'rate_limited' });
  assert.deepEqual(step('server_trouble'), { action: 'retry', advice: 'server_trouble' });
  assert.deepEqual(step('network_down'), { action: 'retry', advice: 'network_down' });
  assert.deepEqual(step('model_unavailable'), { action: null, advice: 'model_unavailable' });
  assert.deepEqual(step('whatever', { error: { code: 'whatever', retryable: true } }), { action: 'retry', advice: 'other' });
  assert.deepEqual(step('whatever'), { action: null, advice: 'other' });
});

test('uncertain and expired endings explain themselves before offering a retry', () => {
  assert.deepEqual(nextStep(task({ state: 'outcome_unknown', error: { code: 'outcome_unknown' } })),
    { action: 'retry_anyway', advice: 'outcome_unknown' });
  assert.deepEqual(nextStep(task({ state: 'expired', error: { code: 'expired' } })), { action: 'retry', advice: 'expired' });
  assert.equal(canRetry(task({ state: 'expired' })), true);
  assert.equal(canRetry(task({ state: 'done' })), false);
  assert.equal(canRetry(task({ state: 'generating' })), false);
});

test('time left comes from the estimate, then from the progress rate, and never reaches zero early', () => {
  const t = task({ submitted_at: 1000, estimated_seconds: 120, progress: 35 });
  assert.deepEqual(progressInfo(t, 1030), { elapsed: 30, remaining: 90, percent: 35 });
  // Past the estimate: 200 s for 80% means about 50 s more.
  assert.deepEqual(progressInfo({ ...t, progress: 80 }, 1200), { elapsed: 200, remaining: 50, percent: 80 });
  assert.equal(progressInfo({ ...t, progress: 99 }, 1300).remaining, 5);
  assert.equal(progressInfo({ ...t, estimated_seconds: null, progress: 0 }, 1100).remaining, null);
  // Before it was sent, time counts from creation; only generating has a percent.
  const early = task({ state: 'uploading', created_at: 990, submitted_at: null });
  assert.deepEqual(progressInfo(early, 1000), { elapsed: 10, remaining: null, percent: null });
  assert.equal(progressInfo(task({ progress: 180 }), 1000).percent, 100);
});

test('the list query is applied as the backend applies it', () => {
  const t = task({ prompt: 'A Red fox crossing a frozen lake', state: 'done', favourite: true });
  assert.equal(matchesQuery(t, {}), true);
  assert.equal(matchesQuery(t, { states: ['done'] }), true);
  assert.equal(matchesQuery(t, { states: FILTERS.active }), false);
  assert.equal(matchesQuery(t, { search: 'fox LAKE' }), true);
  assert.equal(matchesQuery(t, { search: 'wolf' }), false);
  assert.equal(matchesQuery(t, { favourites_only: true }), true);
  assert.equal(matchesQuery({ ...t, favourite: false }, { favourites_only: true }), false);
});

test('newest first, posters only for finished videos without one, credits used before reserved', () => {
  const list = [task({ id: 'a', created_at: 5 }), task({ id: 'b', created_at: 9 }), task({ id: 'c', created_at: 9 })];
  assert.deepEqual(list.sort(newerFirst).map((t) => t.id), ['c', 'b', 'a']);
  assert.equal(needsPoster(task({ state: 'done', video_url: 'http://127.0.0.1:1/v.mp4' })), true);
  assert.equal(needsPoster(task({ state: 'done', video_url: 'http://x', poster_url: 'http://p' })), false);
  assert.equal(needsPoster(task({ state: 'done' })), false);
  assert.equal(taskCredits(task({ credits_reserved: 46.08 })), 46.08);
  assert.equal(taskCredits(task({ credits_reserved: 46.08, credits_used: 0 })), 0);
  assert.equal(taskCredits(task({})), null);
  assert.equal(taskCredits(task({ state: 'failed', credits_reserved: 23.04 })), null, 'a failed task is refunded');
  assert.equal(taskCredits(task({ state: 'failed', credits_reserved: 23.04, credits_used: 5 })), 5);
});

test('an older copy of a task never undoes a newer one', async () => {
  const { isOlder } = await import('../../ui/js/tasks.js');
  const t = (state, progress = 0) => ({ id: 'sd-1', state, progress });
  assert.equal(isOlder(t('preparing'), t('failed')), true, 'the submit answer arriving after the failure');
  assert.equal(isOlder(t('queued'), t('generating', 10)), true);
  assert.equal(isOlder(t('generating', 30), t('generating', 60)), true);
  assert.equal(isOlder(t('generating', 60), t('generating', 30)), false);
  assert.equal(isOlder(t('done'), t('generating', 90)), false);
  assert.equal(isOlder(t('done'), t('done')), false, 'a favourite or poster change of a done task applies');
  assert.equal(isOlder(t('failed'), t('preparing')), false);
});
