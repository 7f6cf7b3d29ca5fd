// Pure rules of the compose panel: no DOM, no backend, so they are tested with `node --test`.
// What a model accepts comes from its entry (models.js); nothing here knows a model.

/** Length of a prompt as the API counts it: Unicode code points, not UTF-16 units. */
export function promptLength(text) {
  return [...text].length;
}

/**
 * Why Generate cannot be pressed yet, or null when it can. The first reason wins, in the order a
 * person would fix them: pick a model that works, write something, shorten it, fix a choice the
 * model refused, wait for the pictures, add a key.
 * @param {{prompt: string, limit?: number | null, hasKey?: boolean, imageBusy?: boolean,
 *   submitting?: boolean, noModel?: boolean, unavailable?: boolean,
 *   problem?: {field: string, message: string} | null}} state
 * @returns {{code: string, over?: number, message?: string, field?: string} | null}
 */
export function generateBlocker({
  prompt, limit = null, hasKey = true, imageBusy = false, submitting = false, noModel = false, unavailable = false, problem = null,
}) {
  if (submitting) return { code: 'submitting' };
  if (noModel) return { code: 'no_model' };
  if (unavailable) return { code: 'model_unavailable' };
  if (promptLength(prompt.trim()) === 0) return { code: 'need_prompt' };
  const over = limit == null ? 0 : promptLength(prompt) - limit;
  if (over > 0) return { code: 'prompt_too_long', over };
  if (problem) return { code: 'invalid_choice', field: problem.field, message: problem.message };
  if (imageBusy) return { code: 'image_preparing' };
  if (!hasKey) return { code: 'need_key' };
  return null;
}

/**
 * The shape to ask picture preparation for: the person's choice once they made one, otherwise
 * null so the picture decides (for models whose pictures must match a frame exactly).
 */
export function requestedAspect({ picked, aspect }) {
  return picked ? aspect : null;
}

/** The most common picture types, for the paste handler: anything else is left to the browser. */
export function isPastableImage(mime) {
  return /^image\/(png|jpeg|webp|gif|bmp|tiff)$/.test(mime ?? '');
}

/**
 * Runs `job` at most once per `wait` ms of quiet, and keeps only the newest answer: `run(...)`
 * returns nothing; `onAnswer(value)` / `onError(error)` get the answer of the latest call only.
 */
export function latestOnly(job, { wait = 0, onAnswer, onError, onStart } = {}) {
  let timer = null;
  let ticket = 0;
  return {
    run(...args) {
      const mine = ++ticket;
      clearTimeout(timer);
      onStart?.();
      timer = setTimeout(async () => {
        try {
          const value = await job(...args);
          if (mine === ticket) onAnswer?.(value);
        } catch (error) {
          if (mine === ticket) onError?.(error);
        }
      }, wait);
    },
    cancel() {
      ticket += 1;
      clearTimeout(timer);
    },
  };
}
