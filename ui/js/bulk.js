// What the bulk actions do to a selection of videos. Pure (no DOM, no backend), tested with
// `node --test`; bulk-bar.js asks the questions and calls the backend.

import { ACTIVE_STATES, canRetry, canStop, retryNeedsConfirmation } from './tasks.js';

/** Steps before the paid call: stopping such a video forgets it, and nothing is charged. */
const UNSENT = ['preparing', 'waiting', 'uploading'];

/**
 * Deleting a selection: videos that ended are deleted (`remove`); videos not sent yet are taken
 * out of the queue instead (`unqueue`: stopping them forgets them); videos being made are left
 * alone (`skip`), since deleting cannot stop EvoLink and the person should choose to stop them.
 */
export function deletePlan(tasks) {
  const plan = { remove: [], unqueue: [], skip: [] };
  for (const task of tasks) {
    if (!ACTIVE_STATES.includes(task.state)) plan.remove.push(task);
    else if (UNSENT.includes(task.state)) plan.unqueue.push(task);
    else plan.skip.push(task);
  }
  return plan;
}

/**
 * The actions a selection offers: the videos that can be made again with one click (an
 * uncertain one asks first, in its detail view, so it is not among them), the ones that can be
 * stopped, and whether every one is a favourite already (the button then takes them out).
 */
export function bulkOffers(tasks) {
  return {
    retry: tasks.filter((t) => canRetry(t) && !retryNeedsConfirmation(t)),
    stop: tasks.filter(canStop),
    allFavourite: tasks.length > 0 && tasks.every((t) => t.favourite),
  };
}

/** What making `tasks` again is expected to cost in all, or null when one of them has no figure. */
export function retryCost(tasks) {
  let sum = 0;
  for (const task of tasks) {
    const credits = task.estimate_credits ?? task.credits_reserved;
    if (credits == null) return null;
    sum += credits;
  }
  return Math.round(sum * 100) / 100;
}
