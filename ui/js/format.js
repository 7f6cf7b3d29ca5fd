// Pure number and time helpers shared by the views. Words live in strings.js; these only compute.

/** "0:07", "3:05", "1:02:03" for a count of seconds (negative counts as 0). */
export function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/**
 * How long ago `then` was, as the largest whole unit: { unit: 'now'|'minutes'|'hours'|'days', n }.
 * Older than a week gives { unit: 'date' } so the caller prints a date instead.
 */
export function age(then, now) {
  const s = Math.max(0, now - then);
  if (s < 60) return { unit: 'now', n: 0 };
  if (s < 3600) return { unit: 'minutes', n: Math.floor(s / 60) };
  if (s < 86400) return { unit: 'hours', n: Math.floor(s / 3600) };
  if (s < 7 * 86400) return { unit: 'days', n: Math.floor(s / 86400) };
  return { unit: 'date', n: 0 };
}

/** Rounds a credit amount for display: at most two decimals, no trailing zeros. */
export function roundCredits(credits) {
  return Math.round(credits * 100) / 100;
}

/** Splits a byte count into a value and a unit key ('B', 'KB', 'MB', 'GB'), 1000-based like file managers. */
export function byteParts(bytes) {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return { value: Number(value.toFixed(digits)), unit: units[unit] };
}
