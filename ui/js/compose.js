// Pure rules of the compose panel: no DOM, no backend, so they are tested with `node --test`.

/** The longest prompt the model accepts, in characters (code points, as the API counts). */
export const PROMPT_LIMIT = 5000;

/** Allowed video lengths in seconds. */
export const DURATIONS = [4, 8, 12];

/** Credits per second seen for sora-2-preview; shown only as an estimate, the server's figure wins. */
const CREDITS_PER_SECOND = 5.76;

/** Length of a prompt as the API counts it: Unicode code points, not UTF-16 units. */
export function promptLength(text) {
  return [...text].length;
}

/** Estimated credits for a video of `seconds`, rounded to two decimals. */
export function estimateCredits(seconds) {
  if (!DURATIONS.includes(seconds)) throw new RangeError(`unsupported duration ${seconds}`);
  return Math.round(seconds * CREDITS_PER_SECOND * 100) / 100;
}

/**
 * Why Generate cannot be pressed yet, or null when it can. The first reason wins, in the order a
 * person would fix them: write something, shorten it, wait for the picture, add a key.
 * @param {{prompt: string, hasKey?: boolean, imageBusy?: boolean, submitting?: boolean}} state
 * @returns {{code: string, over?: number} | null}
 */
export function generateBlocker({ prompt, hasKey = true, imageBusy = false, submitting = false }) {
  if (submitting) return { code: 'submitting' };
  if (promptLength(prompt.trim()) === 0) return { code: 'need_prompt' };
  const over = promptLength(prompt) - PROMPT_LIMIT;
  if (over > 0) return { code: 'prompt_too_long', over };
  if (imageBusy) return { code: 'image_preparing' };
  if (!hasKey) return { code: 'need_key' };
  return null;
}

/**
 * The orientation to ask preflight for: the person's choice once they made one, otherwise null
 * so the picture decides.
 */
export function requestedOrientation({ picked, orientation }) {
  return picked ? orientation : null;
}

/** The most common picture types, for the paste handler: anything else is left to the browser. */
export function isPastableImage(mime) {
  return /^image\/(png|jpeg|webp|gif|bmp|tiff)$/.test(mime ?? '');
}
