// The queue as the page shows it: whether the queue panel is on show, a run's figures, today's
// spend against the limit, and moving a waiting video up or down. Pure (no DOM, no backend),
// tested with `node --test`; queue-panel.js draws it.

/**
 * The runs worth showing: those with work left, and finished ones until the person hides their
 * summary (`dismissed`: batch ids), so a finished run's figures wait for them to come back.
 */
export function shownRuns(queue, dismissed = new Set()) {
  return (queue?.runs ?? []).filter((run) => !run.finished || !dismissed.has(run.batch_id));
}

/** Whether the queue panel is on show: something waits, or a run is in progress (or unread). */
export function panelShown(queue, dismissed = new Set()) {
  return (queue?.waiting?.length ?? 0) > 0 || shownRuns(queue, dismissed).length > 0;
}

/**
 * A run's figures, in the order they are said: done of total, then failed and waiting when there
 * are any, then the credits spent so far. "Being made" is left out: the rest of the total.
 */
export function runFigures(run) {
  return [
    { key: 'done', n: run.done, total: run.total },
    run.failed > 0 ? { key: 'failed', n: run.failed } : null,
    run.waiting > 0 ? { key: 'waiting', n: run.waiting } : null,
    { key: 'credits', n: run.credits },
  ].filter(Boolean);
}

/** How far a run is, 0..100: videos that ended (made or not) of its total. */
export function runPercent(run) {
  if (!run.total) return 0;
  return Math.round(((run.done + run.failed) / run.total) * 100);
}

/**
 * Today's spend: null while nothing was spent and there is no limit (nothing worth saying), else
 * { spent, limit, level } where level is 'over' at the limit, 'near' from 90% of it, else 'ok'.
 */
export function spendToday(queue) {
  if (!queue) return null;
  const spent = queue.spent_today ?? 0;
  const limit = queue.daily_limit ?? null;
  if (limit == null && spent <= 0) return null;
  let level = 'ok';
  if (limit != null && spent >= limit) level = 'over';
  else if (limit != null && spent >= limit * 0.9) level = 'near';
  return { spent, limit, level };
}

/**
 * Whether `next` should replace the Queue on show `current`: it was read no earlier (its
 * `revision`). An event read before a command's answer can arrive after it, and must not undo it.
 */
export function isNewerQueue(current, next) {
  return !current || next.revision >= current.revision;
}

/**
 * The waiting ids with `id` moved by `delta` places (-1 up, +1 down), or null when it cannot
 * move that way (already first or last, or not waiting).
 */
export function moveInQueue(ids, id, delta) {
  const from = ids.indexOf(id);
  const to = from + delta;
  if (from === -1 || to < 0 || to >= ids.length) return null;
  const order = [...ids];
  order.splice(from, 1);
  order.splice(to, 0, id);
  return order;
}
