// The question asked when the window is closed while videos are still being made. The backend
// keeps the window open, raises close-requested with how many are in progress, and waits for
// the answer (closeChoice). A modal <dialog>: "Keep working in the background" is the default;
// Escape, or a click beside the box, keeps the window open and the next close asks again.

import * as ipc from './ipc.js';
import { strings } from './strings.js';
import { $ } from './dom.js';
import { messageOf, toast } from './announce.js';

export function createCloseDialog() {
  const dialog = $('[data-testid="close-dialog"]');
  const title = $('#close-title', dialog);
  const body = $('#close-body', dialog);
  const keep = $('[data-testid="close-background"]', dialog);
  const quit = $('[data-testid="close-quit"]', dialog);
  let opener = null;
  let choice = null;

  function answer(chosen) {
    choice = chosen;
    if (dialog.open) dialog.close();
  }

  // Every way the dialog closes ends here, so the backend always hears back: a button's choice,
  // or "stay" for Escape and the backdrop.
  dialog.addEventListener('close', async () => {
    const chosen = choice ?? 'stay';
    choice = null;
    if (chosen === 'stay' && opener?.isConnected) opener.focus();
    opener = null;
    try {
      await ipc.closeChoice(chosen);
    } catch (error) {
      toast(messageOf(error), { tone: 'error' });
    }
  });
  dialog.addEventListener('click', (event) => { if (event.target === dialog) dialog.close(); });
  keep.addEventListener('click', () => answer('background'));
  quit.addEventListener('click', () => answer('quit'));

  return {
    /** Asks what to do with `active` videos in progress (the payload of close-requested). */
    ask({ active }) {
      title.textContent = strings.closeTitle(active);
      body.textContent = strings.closeBody(active);
      if (!dialog.open) {
        opener = document.activeElement;
        dialog.showModal();
      }
      keep.focus();
    },
  };
}
