// Tells people what just happened: a short toast on screen and the same words in the aria-live
// region for screen readers.

import { $, h } from './dom.js';
import { say } from './i18n.js';
import { strings } from './strings.js';

let toastTimer = 0;

/** Says `text` to screen readers only. */
export function announce(text) {
  const region = $('[data-testid="announcer"]');
  region.textContent = '';
  // A fresh text node after a tick makes screen readers read repeated messages too.
  setTimeout(() => { region.textContent = text; }, 30);
}

/** Shows `text` briefly at the bottom of the window and announces it. `tone` is 'info' or 'error'. */
export function toast(text, { tone = 'info' } = {}) {
  let element = $('[data-testid="toast"]');
  if (!element) element = h('div', { class: 'toast', testid: 'toast', 'aria-hidden': 'true' });
  // An open modal dialog sits above everything else in the page, so the toast goes inside it to
  // be seen (as "Details copied" must be), and back to the page once no dialog is open.
  const host = $('dialog[open]') ?? document.body;
  if (element.parentElement !== host) host.append(element);
  element.textContent = text;
  element.classList.toggle('error', tone === 'error');
  element.classList.add('visible');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => element.classList.remove('visible'), tone === 'error' ? 7000 : 4000);
  announce(text);
}

/**
 * The words of an error from ipc.js (always { code, message: { key, params }, retryable }): what
 * went wrong and what to do next (strings.advice by its code), for a toast or an inline error.
 */
export function messageOf(error) {
  return strings.problem(error);
}

/** Only what went wrong, for a place that says what to do next itself. */
export function wordsOf(error) {
  return error && typeof error === 'object' ? say(error.message) : String(error ?? '');
}
