// Pure knowledge about tasks: which states belong together, what a failure asks the person to do,
// how far along a task is. No DOM, no backend: tested with `node --test`.

export const ACTIVE_STATES = ['preparing', 'uploading', 'submitting', 'queued', 'generating', 'downloading'];
export const ENDED_BADLY = ['failed', 'outcome_unknown', 'expired'];

/** The gallery's filters and the states each one asks the backend for ([] means every state). */
/**
 * Whether `incoming` is an older copy of `current` (the same task). A task only moves forward
 * through ACTIVE_STATES and never comes back from an ending, so a copy further back in that
 * order, or active after an ending, is stale; within one state, lower progress is.
 */
export function isOlder(incoming, current) {
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

/** Whether "Retry" makes sense: the task ended without a video. */
export function canRetry(task) {
  return ENDED_BADLY.includes(task.state);
}

/**
 * What the person can do about a task that went wrong: an action for a button (or null) and the
 * key of the advice text in strings.advice. Chosen by state first, then by error code.
 */
export function nextStep(task) {
  if (task.state === 'outcome_unknown') return { action: 'retry_anyway', advice: 'outcome_unknown' };
  if (task.state === 'expired') return { action: 'retry', advice: 'expired' };
  const code = task.error?.code;
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
    case 'rate_limited':
    case 'server_trouble':
    case 'network_down':
      return { action: 'retry', advice: code };
    case 'model_unavailable':
      return { action: null, advice: code };
    default:
      return { action: task.error?.retryable === false ? null : 'retry', advice: 'other' };
  }
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
  return { elapsed, remaining, percent };
}

function clampPercent(value) {
  const n = Number(value);
  return Number.isFinite(n) ? Math.min(100, Math.max(0, Math.round(n))) : 0;
}

/** Whether `task` belongs in a gallery list asked for with `query` (as listTasks filters). */
export function matchesQuery(task, { states = [], search = '', favourites_only = false } = {}) {
  if (states.length > 0 && !states.includes(task.state)) return false;
  if (favourites_only && !task.favourite) return false;
  const words = search.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const prompt = task.prompt.toLowerCase();
  return words.every((word) => prompt.includes(word));
}

/** Newest first, as listTasks orders them; ties broken by id so the order is stable. */
export function newerFirst(a, b) {
  return b.created_at - a.created_at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** Whether a done task still needs its poster frame grabbed. */
export function needsPoster(task) {
  return task.state === 'done' && Boolean(task.video_url) && !task.poster_url;
}

/**
 * Credits to show for a task: what it cost when known, else what was set aside. A failed task
 * is refunded, so only a charge EvoLink reports for it is shown.
 */
export function taskCredits(task) {
  if (task.state === 'failed') return task.credits_used ?? null;
  return task.credits_used ?? task.credits_reserved ?? null;
}
