// Reading the queue's two numbers as a person types them in Settings. Pure (no DOM), tested with
// `node --test`. Each returns the value to save, or undefined when the text is not one.

/** "Videos made at once": a whole number from 1 to 10. */
export function readMaxActive(text) {
  const value = String(text).trim();
  if (!/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n >= 1 && n <= 10 ? n : undefined;
}

/**
 * "Daily spend limit" in credits: empty is no limit (null); else a number above 0, written with a
 * decimal point and, if wanted, commas or spaces between thousands ("1,500", "2 000", "99.5").
 */
export function readLimit(text) {
  const value = String(text).trim();
  if (value === '') return null;
  if (!/^\d{1,3}([, ]?\d{3})*(\.\d+)?$|^\d+(\.\d+)?$/.test(value)) return undefined;
  const n = Number(value.replace(/[, ]/g, ''));
  return Number.isFinite(n) && n > 0 ? Math.round(n * 100) / 100 : undefined;
}
