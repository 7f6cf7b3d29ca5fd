// The welcome screen for someone without a key: connect an EvoLink key, or try the demo.

import * as ipc from './ipc.js';
import { strings } from './strings.js';
import { $, show } from './dom.js';
import { messageOf, toast } from './announce.js';
import { wireKeyForm } from './key-form.js';

const byTestId = (id) => $(`[data-testid="${id}"]`);

export function createFirstRun({ onKeySaved, onDemo }) {
  const screen = byTestId('first-run');
  const errorBox = byTestId('key-error');
  const form = wireKeyForm({
    form: $('.key-form', screen),
    input: byTestId('api-key-input'),
    save: byTestId('api-key-save'),
    error: $('.key-error-message', errorBox),
    errorBox,
    sessionOnly: byTestId('key-session-only'),
  }, onKeySaved);

  byTestId('get-key').addEventListener('click', () => ipc.openHelp('get_key').catch((e) => toast(messageOf(e), { tone: 'error' })));
  byTestId('demo-start').addEventListener('click', async () => {
    try {
      onDemo(await ipc.setDemo(true));
    } catch (error) {
      form.showError(messageOf(error));
    }
  });

  return {
    /** Shows the screen; `problem` is KeyStatus.problem (e.g. no keychain on this computer). */
    show(problem) {
      const wasHidden = screen.hidden;
      show(screen, true);
      document.body.classList.add('first-run-open');
      // The question asked on closing the window stays answerable: videos may be in progress
      // (made before the key was removed) even while the welcome screen is up.
      for (const element of document.querySelectorAll('body > :not(.first-run):not([data-testid="announcer"]):not(.toast):not([data-testid="close-dialog"])')) element.inert = true;
      if (problem?.code === 'keychain_unavailable') form.showError(strings.keyNoKeychainUpfront, { offerSession: true });
      if (wasHidden) byTestId('api-key-input').focus();
    },
    hide() {
      show(screen, false);
      document.body.classList.remove('first-run-open');
      for (const element of document.querySelectorAll('body > [inert]')) element.inert = false;
      form.reset();
    },
    get visible() { return !screen.hidden; },
  };
}
