// Takes: several versions of one prompt, made at once and compared side by side. Pure (no DOM,
// no backend), so it is tested with `node --test`; card.js, detail.js and takes-view.js use it.

/** What `takes` videos at `credits` each cost, rounded to cents as the backend rounds. */
export function totalFor(credits, takes = 1) {
  return Math.round(credits * takes * 100) / 100;
}

/**
 * How many takes a task's group has, as far as the tasks around it tell: the takes of one prompt
 * are recorded together, so they sit next to each other in the newest-first list. A Task carries
 * its own take number but not the group's size, so the highest take seen nearby stands for it.
 * `items` may be sparse (pages not loaded yet). Returns null for a task that is not a take.
 */
export function takesAround(items, index) {
  const task = items[index];
  if (!task?.takes_group) return null;
  let total = task.take ?? 1;
  for (let i = Math.max(0, index - 3); i <= index + 3 && i < items.length; i += 1) {
    const other = items[i];
    if (other?.takes_group === task.takes_group) total = Math.max(total, other.take ?? 1);
  }
  return total;
}

/** The takes of a group in their own order (take 1 first), and how many there are. */
export function orderTakes(tasks) {
  const sorted = [...tasks].sort((a, b) => (a.take ?? 0) - (b.take ?? 0));
  const total = Math.max(sorted.length, ...sorted.map((t) => t.take ?? 0));
  return { takes: sorted, total };
}

/** How takes are laid out: one alone, two side by side, three or four in a 2×2 grid. */
export function takesLayout(count) {
  if (count <= 1) return 'single';
  return count === 2 ? 'pair' : 'grid';
}

/** Players further than this from the one followed are moved back into step (seconds). */
export const IN_STEP = 0.1;

/**
 * Which players drifted out of step with `leader` (a time in seconds): the indices of `times`
 * more than `tolerance` away, ignoring players whose video is shorter than the leader's time
 * (they have ended and wait for the others).
 */
export function outOfStep(times, leader, { tolerance = IN_STEP, durations = [] } = {}) {
  const drifted = [];
  times.forEach((time, i) => {
    const duration = durations[i];
    if (Number.isFinite(duration) && leader >= duration) return;
    if (Math.abs(time - leader) > tolerance) drifted.push(i);
  });
  return drifted;
}
