// Puts text on the clipboard. The async Clipboard API first; some webviews refuse it (no
// permission, the window not focused), so then the older way that they still allow from a click:
// a hidden text area, selected, and execCommand('copy').

import { h } from './dom.js';

/** Copies `text`; resolves to whether it worked. */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return copyBySelection(text);
  }
}

function copyBySelection(text) {
  const area = h('textarea', { class: 'clipboard-helper', readOnly: true, tabIndex: -1, 'aria-hidden': 'true' });
  area.value = text;
  const focused = document.activeElement;
  // Inside an open modal dialog, since everything outside it is inert and cannot be selected.
  (document.querySelector('dialog[open]') ?? document.body).append(area);
  area.select();
  let copied = false;
  try {
    copied = document.execCommand('copy');
  } catch {
    copied = false;
  }
  area.remove();
  focused?.focus?.();
  return copied;
}
