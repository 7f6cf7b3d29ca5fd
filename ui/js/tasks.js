// Pure knowledge about tasks: which states belong together, what a failure asks the person to do,
// how far along a task is. No DOM, no backend: tested with `node --test`.

import { say } from './i18n.js';
import { strings } from './strings.js';

// `waiting` sits between preparing and uploading: recorded (and its pictures prepared), it waits
// its turn before anything is sent or paid.
export const ACTIVE_STATES = ['preparing', 'waiting', 'uploading', 'submitting', 'queued', 'generating', 'downloading'];
export const ENDED_BADLY = ['failed', 'outcome_unknown', 'expired'];

/** The gallery's filters and the states each one asks the backend for ([] means every state). */
/**
 * Whether `incoming` is an older copy of `current` (the same task). A task only moves forward
 * through ACTIVE_STATES and comes back from an ending only one way, so a copy further back in
 * that order, or active after an ending, is stale; within one state, lower progress is.
 */
export function isOlder(incoming, current) {
  // The one way back: looking again puts an uncertain task back to `submitting` with the
  // `checking` note. No create answer carries that note, so such a copy is the newer one.
  if (current.state === 'outcome_unknown' && incoming.state === 'submitting' && incoming.error?.code === 'checking') return false;
  const rank = (t) => (ACTIVE_STATES.includes(t.state) ? ACTIVE_STATES.indexOf(t.state) : ACTIVE_STATES.length);
  if (rank(incoming) !== rank(current)) return rank(incoming) < rank(current);
  return incoming.state === current.state && ACTIVE_STATES.includes(incoming.state) && incoming.progress < current.progress;
}

export const FILTERS = {
  all: [],
  active: ACTIVE_STATES,
  done: ['done'],
  failed: ENDED_BADLY,
};

/** 'active', 'done' or 'failed': how a card looks. */
export function phase(state) {
  if (state === 'done') return 'done';
  if (ENDED_BADLY.includes(state)) return 'failed';
  return 'active';
}

/** Why a `waiting` task has not started yet (docs/IPC.md): each is said in the UI's own words. */
export const QUEUE_CODES = ['waiting_for_slot', 'spend_limit', 'queue_paused'];

/**
 * Notes on an active task that say why it waits and have their own advice (strings.advice). Any
 * other note on an active task (the network is down, EvoLink is busy...) is shown as "Still trying".
 */
export const WAITING_CODES = ['checking', 'storage', 'key_missing', 'task_trouble', ...QUEUE_CODES];

/**
 * Whether the task can be made again as a new paid task. An uncertain one only once the app's
 * lookup at EvoLink found no video that could be it (the backend refuses otherwise, `look_first`),
 * and then only behind a confirmation (retryNeedsConfirmation).
 */
export function canRetry(task) {
  if (task.state === 'outcome_unknown') return task.lookup === 'nothing_found';
  return ENDED_BADLY.includes(task.state);
}

/** Whether making it again may pay twice, so the person confirms first (`confirmPaidAgain`). */
export function retryNeedsConfirmation(task) {
  return task.state === 'outcome_unknown';
}

/** The notes of a waiting task that the person can act on, and the button's action. */
const WAITING_ACTIONS = { key_missing: 'restore_key', spend_limit: 'raise_limit', queue_paused: 'resume_queue' };

/**
 * What the person can do about a task that went wrong or waits: an action for a button (or null)
 * and the key of the advice text in strings.advice (or null when there is nothing to add).
 * Chosen by state first, then by error code.
 */
export function nextStep(task) {
  if (task.state === 'outcome_unknown') return { action: 'look_again', advice: 'outcome_unknown' };
  if (task.state === 'expired') return { action: 'retry', advice: 'expired' };
  const code = task.error?.code;
  if (ACTIVE_STATES.includes(task.state)) {
    // An active task keeps going by itself; only a missing key needs the person.
    if (!WAITING_CODES.includes(code)) return { action: null, advice: null };
    return { action: WAITING_ACTIONS[code] ?? null, advice: code };
  }
  switch (code) {
    case 'moderation_blocked':
    case 'invalid_input':
      return { action: 'edit_prompt', advice: code };
    case 'image_rejected':
      return { action: 'choose_image', advice: code };
    case 'no_credits':
      return { action: 'top_up', advice: code };
    case 'bad_key':
    case 'no_key':
      return { action: 'check_key', advice: 'bad_key' };
    case 'key_missing':
      return { action: 'restore_key', advice: code };
    case 'rate_limited':
    case 'server_trouble':
    case 'network_down':
      return { action: 'retry', advice: code };
    case 'model_unavailable':
    case 'stopped':
      return { action: null, advice: code };
    default:
      return { action: task.error?.retryable === false ? null : 'retry', advice: 'other' };
  }
}

/**
 * What the last automatic lookup at EvoLink found for an uncertain task, as a key of
 * strings.uncertain: 'ambiguous', 'unavailable', 'nothing_found', or 'none' (not looked yet).
 */
export function lookupFound(task) {
  return ['ambiguous', 'unavailable', 'nothing_found'].includes(task.lookup) ? task.lookup : 'none';
}

/**
 * How long the made video's link lasts, for a task being saved: null when unknown (or not being
 * saved), else { until } (Unix seconds) and what is left as { unit: 'hours'|'minutes'|'gone', n }.
 * Hours are whole hours started counting down ("23 h" until 22 h 59 min), minutes round up so
 * "0 min" is never said while the link still works.
 */
export function linkLifetime(task, now) {
  if (task.state !== 'downloading' || task.results_expire_at == null) return null;
  const left = task.results_expire_at - now;
  const until = task.results_expire_at;
  if (left <= 0) return { until, left: { unit: 'gone', n: 0 } };
  if (left >= 3600) return { until, left: { unit: 'hours', n: Math.floor(left / 3600) } };
  return { until, left: { unit: 'minutes', n: Math.ceil(left / 60) } };
}

/** "2026-12-01 18:40:05 +01:00": a local time that sorts and reads the same everywhere. */
export function localIsoTime(seconds, offsetMinutes = new Date(seconds * 1000).getTimezoneOffset()) {
  // getTimezoneOffset is minutes *behind* UTC; shift the instant and read it as UTC.
  const shifted = new Date((seconds - offsetMinutes * 60) * 1000);
  const pad = (n) => String(n).padStart(2, '0');
  const east = -offsetMinutes;
  const zone = `${east < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(east) / 60))}:${pad(Math.abs(east) % 60)}`;
  return `${shifted.getUTCFullYear()}-${pad(shifted.getUTCMonth() + 1)}-${pad(shifted.getUTCDate())} `
    + `${pad(shifted.getUTCHours())}:${pad(shifted.getUTCMinutes())}:${pad(shifted.getUTCSeconds())} ${zone}`;
}

/**
 * The plain text a person pastes into a message to EvoLink's or Sora Desk's support: the ids
 * both sides can look up, what went wrong, and when. A task never holds the key, but a message
 * passes through from outside, so anything shaped like a key is cut out all the same.
 */
export function supportDetails(task, { now, version = null, offsetMinutes } = {}) {
  const words = strings.support;
  const time = (seconds) => (seconds == null ? words.unknown : localIsoTime(seconds, offsetMinutes ?? new Date(seconds * 1000).getTimezoneOffset()));
  const redact = (text) => String(text).replace(/\bsk-[A-Za-z0-9_-]{4,}/g, 'sk-…');
  const lines = [
    [words.app, version ? `${strings.appName} ${version}` : strings.appName],
    [words.task, task.id],
    [words.remote, task.remote_id ?? words.unknown],
    [words.request, task.request_id ?? words.unknown],
    [words.state, task.state],
    [words.code, task.error?.code ?? words.none],
    task.error?.message ? [words.message, redact(say(task.error.message))] : null,
    task.state === 'outcome_unknown' ? [words.lookup, task.lookup ?? words.none] : null,
    [words.made, time(task.created_at)],
    [words.sent, time(task.submitted_at)],
    [words.ended, time(task.finished_at)],
    [words.copied, time(now)],
  ].filter(Boolean);
  return lines.map(([label, value]) => `${label}: ${value}`).join('\n');
}

/** The moment a task started to count time: when it was sent, or else when it was made. */
function startedAt(task) {
  return task.submitted_at ?? task.created_at;
}

/**
 * Progress of an active task at `now` (Unix seconds): elapsed seconds, an honest guess of the
 * seconds left (null when there is nothing to base it on), and the percent (null when unknown).
 * The guess uses the backend's estimate; once that has run out it falls back to the progress
 * rate, and never says "0" while the task is still running.
 */
export function progressInfo(task, now) {
  const elapsed = Math.max(0, now - startedAt(task));
  const percent = task.state === 'generating' ? clampPercent(task.progress) : null;
  let remaining = null;
  if (task.state === 'generating' || task.state === 'queued' || task.state === 'submitting') {
    if (task.estimated_seconds != null && elapsed < task.estimated_seconds) {
      remaining = task.estimated_seconds - elapsed;
    } else if (percent != null && percent > 0 && percent < 100) {
      remaining = (elapsed * (100 - percent)) / percent;
    }
    if (remaining != null) remaining = Math.max(5, Math.round(remaining));
  }
  // A task held up by a note with its own advice (being checked, out of disk, missing its key,
  // not found for now) is not moving on, so no guess of the time left would be honest.
  if (WAITING_CODES.includes(task.error?.code)) remaining = null;
  return { elapsed, remaining, percent };
}

function clampPercent(value) {
  const n = Number(value);
  return Number.isFinite(n) ? Math.min(100, Math.max(0, Math.round(n))) : 0;
}

/** Whether `task` belongs in a gallery list asked for with `query` (as listTasks filters). */
export function matchesQuery(task, { states = [], search = '', favourites_only = false, takes_group = null } = {}) {
  if (states.length > 0 && !states.includes(task.state)) return false;
  if (takes_group != null && task.takes_group !== takes_group) return false;
  if (favourites_only && !task.favourite) return false;
  const words = search.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const prompt = task.prompt.toLowerCase();
  return words.every((word) => prompt.includes(word));
}

/** Newest first, as listTasks orders them; ties broken by id so the order is stable. */
export function newerFirst(a, b) {
  return b.created_at - a.created_at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/**
 * Credits to show for a task: what it cost when known, else what was set aside. A failed task
 * is refunded, so only a charge EvoLink reports for it is shown.
 */
export function taskCredits(task) {
  if (task.state === 'failed') return task.credits_used ?? null;
  return task.credits_used ?? task.credits_reserved ?? null;
}

/**
 * Whether a task can be stopped: it is on its way and not already stopped. A made video being
 * saved (`downloading`) is not: EvoLink is done, and stopping would only lose what was paid for.
 */
export function canStop(task) {
  return ACTIVE_STATES.includes(task.state) && task.state !== 'downloading' && !task.stopped;
}
