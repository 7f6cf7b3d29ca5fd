import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  ACTIVE_STATES, FILTERS, WAITING_CODES, canRetry, linkLifetime, localIsoTime, lookupFound, matchesQuery,
  newerFirst, nextStep, phase, progressInfo, retryNeedsConfirmation, supportDetails, taskCredits,
} from '../../ui/js/tasks.js';
import { useLanguage } from '../support/words.mjs';
import { strings } from '../../ui/js/strings.js';

// These tests check the English words, whatever the run's language.
useLanguage('en');

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
  const unsure = (lookup) => task({ state: 'outcome_unknown', lookup, error: { code: 'outcome_unknown' } });
  assert.deepEqual(nextStep(unsure(null)), { action: 'look_again', advice: 'outcome_unknown' });
  // A new paid task from an uncertain one only once EvoLink was found to have nothing that could be it.
  for (const lookup of [null, 'ambiguous', 'unavailable']) assert.equal(canRetry(unsure(lookup)), false, String(lookup));
  assert.equal(canRetry(unsure('nothing_found')), true);
  assert.equal(retryNeedsConfirmation(unsure('nothing_found')), true);
  assert.equal(retryNeedsConfirmation(task({ state: 'failed' })), false);
  assert.deepEqual([null, 'ambiguous', 'unavailable', 'nothing_found', 'later'].map((l) => lookupFound(unsure(l))),
    ['none', 'ambiguous', 'unavailable', 'nothing_found', 'none']);
  assert.deepEqual(nextStep(task({ state: 'expired', error: { code: 'expired' } })), { action: 'retry', advice: 'expired' });
  assert.equal(canRetry(task({ state: 'expired' })), true);
  assert.equal(canRetry(task({ state: 'failed' })), true);
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
  // Held up (being checked, out of disk...), it gives no guess; a passing network trouble keeps it.
  assert.equal(progressInfo({ ...t, error: { code: 'checking' } }, 1030).remaining, null);
  assert.equal(progressInfo({ ...t, error: { code: 'storage' } }, 1030).remaining, null);
  assert.equal(progressInfo({ ...t, error: { code: 'network_down' } }, 1030).remaining, 90);
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

test('newest first, credits used before reserved', () => {
  const list = [task({ id: 'a', created_at: 5 }), task({ id: 'b', created_at: 9 }), task({ id: 'c', created_at: 9 })];
  assert.deepEqual(list.sort(newerFirst).map((t) => t.id), ['c', 'b', 'a']);
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
  const checking = { ...t('submitting'), error: { code: 'checking' } };
  assert.equal(isOlder(checking, t('outcome_unknown')), false, 'looking again goes back to submitting');
  assert.equal(isOlder(t('submitting'), t('outcome_unknown')), true, 'but only with the checking note');
  assert.equal(isOlder(checking, t('failed')), true, 'and only from an uncertain ending');
});

test('every code the backend explains has advice, and only a missing key, the spend limit and a paused queue ask for an action while waiting', () => {
  assert.deepEqual(WAITING_CODES, ['checking', 'storage', 'key_missing', 'task_trouble', 'waiting_for_slot', 'spend_limit', 'queue_paused']);
  const actions = { key_missing: 'restore_key', spend_limit: 'raise_limit', queue_paused: 'resume_queue' };
  for (const code of WAITING_CODES) {
    for (const state of ACTIVE_STATES) {
      const step = nextStep(task({ state, error: { code, message: 'x', retryable: true } }));
      assert.equal(step.advice, code, `${code} while ${state}`);
      assert.equal(step.action, actions[code] ?? null, `${code} while ${state}`);
      if (step.action) assert.equal(typeof strings.actions[step.action], 'string', step.action);
    }
    assert.ok(strings.advice[code]?.length > 20, `words for ${code}`);
  }
  // An ending that carries one of them still says something and offers a way out where there is one.
  assert.deepEqual(nextStep(task({ state: 'failed', error: { code: 'key_missing', retryable: false } })), { action: 'restore_key', advice: 'key_missing' });
  assert.equal(strings.actions.restore_key, 'Put the key back');
  // outcome_unknown is an ending: what happened, and for each lookup what was found and what to do.
  assert.equal(nextStep(task({ state: 'outcome_unknown' })).advice, 'outcome_unknown');
  assert.match(strings.advice.outcome_unknown, /lost EvoLink’s answer and could not tell whether this video was started/);
  for (const found of ['none', 'ambiguous', 'unavailable', 'nothing_found']) {
    assert.equal(typeof strings.uncertain.found[found], 'string', found);
    assert.ok(strings.uncertain.next[found].length > 10, found);
  }
  // Other notes on an active task are shown as they come ("... Still trying."), with no advice.
  assert.deepEqual(nextStep(task({ state: 'generating', error: { code: 'network_down', retryable: true } })), { action: null, advice: null });
});

test('a made video’s link lifetime counts down in whole hours, then minutes, then says it is gone', () => {
  const saving = (expires) => task({ state: 'downloading', results_expire_at: expires });
  assert.deepEqual(linkLifetime(saving(1000 + 23 * 3600 + 59 * 60), 1000), { until: 1000 + 23 * 3600 + 59 * 60, left: { unit: 'hours', n: 23 } });
  assert.deepEqual(linkLifetime(saving(1000 + 3599), 1000).left, { unit: 'minutes', n: 60 });
  assert.deepEqual(linkLifetime(saving(1000 + 61), 1000).left, { unit: 'minutes', n: 2 });
  assert.deepEqual(linkLifetime(saving(1001), 1000).left, { unit: 'minutes', n: 1 }, 'never "0 min" while it works');
  assert.deepEqual(linkLifetime(saving(1000), 1000).left, { unit: 'gone', n: 0 });
  assert.equal(linkLifetime(saving(null), 1000), null);
  assert.equal(linkLifetime(task({ state: 'done', results_expire_at: 5000 }), 1000), null, 'only while it is being saved');
});

test('support details name both ids, the request, the problem and local times, never a key', () => {
  const t = task({
    id: 'sd-7f3a', state: 'failed', created_at: 1764612000, submitted_at: 1764612003, finished_at: 1764612200,
    remote_id: 'task-unified-1764612003-abc123', request_id: 'req_9x8y',
    error: { code: 'server_trouble', message: 'EvoLink said no to sk-live0123456789abcdef.', retryable: true },
  });
  assert.equal(localIsoTime(1764612000, 0), '2025-12-01 18:00:00 +00:00');
  assert.equal(localIsoTime(1764612000, -330), '2025-12-01 23:30:00 +05:30');
  assert.equal(localIsoTime(1764612000, 300), '2025-12-01 13:00:00 -05:00');
  assert.equal(supportDetails(t, { now: 1764612300, version: '0.1.0', offsetMinutes: -60 }), [
    'App: Sora Desk 0.1.0',
    'Sora Desk task: sd-7f3a',
    'EvoLink task: task-unified-1764612003-abc123',
    'EvoLink request: req_9x8y',
    'State: failed',
    'Problem code: server_trouble',
    'Message: EvoLink said no to sk-….',
    'Made: 2025-12-01 19:00:00 +01:00',
    'Sent: 2025-12-01 19:00:03 +01:00',
    'Ended: 2025-12-01 19:03:20 +01:00',
    'Copied: 2025-12-01 19:05:00 +01:00',
  ].join('\n'));
  const unsure = supportDetails(task({ id: 'sd-2', state: 'outcome_unknown', lookup: 'ambiguous', remote_id: null, request_id: null,
    error: { code: 'outcome_unknown', message: 'Lost.', retryable: false } }), { now: 2000, offsetMinutes: 0 });
  assert.match(unsure, /^App: Sora Desk\n/);
  assert.match(unsure, /\nEvoLink task: not known\nEvoLink request: not known\n/);
  assert.match(unsure, /\nProblem code: outcome_unknown\n/);
  assert.match(unsure, /\nLast lookup: ambiguous\n/);
  assert.doesNotMatch(unsure, /undefined|null/);
});
