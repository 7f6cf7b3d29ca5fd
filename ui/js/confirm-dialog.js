// A yes-or-no question in a small modal <dialog> (deleting several videos, clearing the failed
// ones, making several again). The safe answer has focus; Escape or a click beside the box is
// "no". One question at a time: asking again while one is open answers the first with "no".

import { $, show } from './dom.js';

let pending = null; // { resolve, opener }

function parts() {
  const dialog = $('[data-testid="confirm-dialog"]');
  return {
    dialog,
    title: $('#confirm-title', dialog),
    body: $('#confirm-body', dialog),
    note: $('[data-testid="confirm-note"]', dialog),
    yes: $('[data-testid="confirm-yes"]', dialog),
    cancel: $('[data-testid="confirm-cancel"]', dialog),
  };
}

let wired = false;
function wire(ui) {
  if (wired) return;
  wired = true;
  ui.yes.addEventListener('click', () => finish(true));
  ui.cancel.addEventListener('click', () => finish(false));
  // Every way the dialog closes answers: Escape and the backdrop are "no". A close event that
  // arrives after the next question opened belongs to the one before, already answered.
  ui.dialog.addEventListener('close', () => { if (!ui.dialog.open) finish(false); });
  ui.dialog.addEventListener('click', (event) => { if (event.target === ui.dialog) finish(false); });
}

function finish(answer) {
  const ui = parts();
  const current = pending;
  pending = null;
  if (ui.dialog.open) ui.dialog.close();
  if (!current) return;
  if (current.opener?.isConnected) current.opener.focus();
  current.resolve(answer);
}

/**
 * Asks `title` with `body` (and an optional `note`, said apart). Resolves true only when the
 * person presses `yes`; `danger` colours that button as a destructive one.
 */
export function askConfirm({ title, body, note = null, yes, danger = true }) {
  const ui = parts();
  wire(ui);
  if (pending) finish(false);
  ui.title.textContent = title;
  ui.body.textContent = body;
  ui.note.textContent = note ?? '';
  show(ui.note, Boolean(note));
  ui.yes.textContent = yes;
  ui.yes.className = danger ? 'small danger' : 'primary compact';
  return new Promise((resolve) => {
    pending = { resolve, opener: document.activeElement };
    ui.dialog.showModal();
    ui.cancel.focus();
  });
}
