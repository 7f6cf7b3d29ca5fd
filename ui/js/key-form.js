// Saving a key, shared by the first-run screen and Settings: checks it with the backend and,
// when the computer has no keychain, offers to keep it for this session only.

import * as ipc from './ipc.js';
import { strings } from './strings.js';
import { show } from './dom.js';
import { messageOf } from './announce.js';

/**
 * Wires a key form. `ui` holds { form, input, save, error (element for the message),
 * errorBox (shown/hidden; defaults to error), sessionOnly (button) }; `onSaved({ status, credits })`.
 */
export function wireKeyForm(ui, onSaved) {
  const errorBox = ui.errorBox ?? ui.error;

  function showError(text, { offerSession = false } = {}) {
    ui.error.textContent = text;
    show(errorBox, Boolean(text));
    show(ui.sessionOnly, offerSession);
    ui.input.setAttribute('aria-invalid', String(Boolean(text) && !offerSession));
  }

  async function save(sessionOnly) {
    const key = ui.input.value.trim();
    if (!key) {
      showError(strings.keyEmpty);
      ui.input.focus();
      return;
    }
    const label = ui.save.textContent;
    ui.save.disabled = true;
    ui.sessionOnly.disabled = true;
    ui.save.textContent = strings.keyChecking;
    try {
      const result = await ipc.saveKey(key, { session_only: sessionOnly });
      ui.input.value = '';
      showError('');
      onSaved(result);
    } catch (error) {
      const noKeychain = error?.code === 'keychain_unavailable';
      showError(messageOf(error), { offerSession: noKeychain });
      (noKeychain ? ui.sessionOnly : ui.input).focus();
    } finally {
      ui.save.disabled = false;
      ui.sessionOnly.disabled = false;
      ui.save.textContent = label;
    }
  }

  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    save(false);
  });
  ui.sessionOnly.addEventListener('click', () => save(true));
  return { showError, reset: () => { ui.input.value = ''; showError(''); } };
}
