// Settings: the key, the library folder, theme, language and notifications, the model new videos start
// with, how many videos are made at once and the daily spend limit, the daily look for updates
// ("Check for updates" itself is update-view.js's), and the advanced addresses.
// Every change is saved at once with saveSettings(changes).

import * as ipc from './ipc.js';
import { strings } from './strings.js';
import { $, $$, fill, h, show } from './dom.js';
import { groupByFamily } from './models.js';
import { messageOf, toast, wordsOf } from './announce.js';
import { wireKeyForm } from './key-form.js';
import { ACTIVE_STATES } from './tasks.js';
import { readLimit, readMaxActive } from './limits.js';

const byTestId = (id) => $(`[data-testid="${id}"]`);

export function createSettings({ app }) {
  const dialog = byTestId('settings');
  const keyForm = $('.settings-key-form', dialog);
  const ui = {
    hint: byTestId('key-hint'),
    storage: byTestId('key-storage'),
    replace: byTestId('key-replace'),
    remove: byTestId('key-remove'),
    removeConfirm: byTestId('key-remove-confirm'),
    demoNote: $('.settings-demo-note', dialog),
    library: byTestId('settings-library'),
    libraryError: byTestId('library-error'),
    notifications: byTestId('notifications'),
    autoUpdate: byTestId('auto-update'),
    defaultModel: byTestId('settings-default-model'),
    language: byTestId('language'),
    spend: byTestId('spend'),
    maxActive: byTestId('max-active'),
    maxActiveError: byTestId('max-active-error'),
    spendLimit: byTestId('spend-limit'),
    spendLimitError: byTestId('spend-limit-error'),
    demoTag: $('.demo-tag', dialog),
  };
  let opener = null;

  // Before the key or an address changes while videos are being made, a note says what the change
  // does to them: each video stays with the key and address it was started with. It stands beside
  // the change being made (`noteFor` is that place) and goes once that change is saved or dropped.
  const inflight = h('p', { class: 'inflight-note', testid: 'settings-inflight-note', role: 'status', hidden: true });
  let noteFor = null;

  async function noteInflight(anchor, words) {
    if (noteFor === anchor) return;
    noteFor = anchor;
    // Demo mode counts the demo's videos, which no key or address of the real account moves.
    const count = app.state.info?.demo ? 0 : await activeCount();
    if (noteFor !== anchor) return;
    if (count === 0) {
      show(inflight, false);
      return;
    }
    inflight.textContent = words(count);
    anchor.after(inflight);
    show(inflight, true);
  }

  function dropNote(anchor) {
    if (anchor && noteFor !== anchor) return;
    noteFor = null;
    show(inflight, false);
  }

  async function activeCount() {
    const stats = await app.gallery.refreshStats();
    // A waiting video is not bound to a key or address yet: it goes with the new ones.
    return ACTIVE_STATES.filter((state) => state !== 'waiting').reduce((sum, state) => sum + (stats?.counts?.[state] ?? 0), 0);
  }

  const form = wireKeyForm({
    form: keyForm,
    input: byTestId('settings-key-input'),
    save: byTestId('settings-key-save'),
    error: byTestId('settings-key-error'),
    sessionOnly: byTestId('settings-key-session-only'),
  }, (result) => {
    show(keyForm, false);
    dropNote();
    app.keySaved(result);
    render();
    toast(strings.keySaved);
    ui.replace.focus();
  });

  function render() {
    const { key, settings, info } = app.state;
    show(ui.demoTag, info?.demo);
    show(ui.demoNote, Boolean(info?.demo));
    ui.hint.textContent = key?.set ? strings.keyHintText(key.hint ?? '') : strings.keyNone;
    ui.storage.textContent = key?.set ? strings.keyStorage[key.storage] ?? '' : '';
    ui.replace.textContent = key?.set ? strings.keyReplace : strings.keyAdd;
    show(ui.remove, Boolean(key?.set) && key.storage !== 'environment');
    if (settings) {
      ui.library.textContent = settings.library_dir;
      ui.notifications.checked = settings.notifications;
      ui.autoUpdate.checked = settings.auto_update_check;
      check('theme', settings.theme);
      ui.language.value = settings.language ?? 'system';
      renderDefaultModel(settings.default_model);
      if (document.activeElement !== ui.maxActive) ui.maxActive.value = String(settings.max_active ?? 3);
      if (document.activeElement !== ui.spendLimit) ui.spendLimit.value = settings.daily_limit == null ? '' : String(settings.daily_limit);
      for (const input of $$('[data-field]', dialog)) {
        if (document.activeElement !== input) input.value = settings[input.dataset.field] ?? '';
      }
    }
    if (info) {
      byTestId('about-version').textContent = strings.version(info.version);
      byTestId('data-dir').textContent = strings.dataDir(info.data_dir);
    }
  }

  /** The models by family, the unavailable ones said so (and not offered unless already chosen). */
  function renderDefaultModel(current) {
    const list = app.state.models;
    if (!list) {
      ui.defaultModel.disabled = true;
      return;
    }
    fill(ui.defaultModel, groupByFamily(list.families, list.models).map(({ family, models }) => h('optgroup', { label: family.name },
      models.map((m) => h('option', {
        value: m.id,
        text: strings.defaultModelOption(m.name, m.available),
        disabled: !m.available && m.id !== current,
      })))));
    ui.defaultModel.disabled = false;
    ui.defaultModel.value = list.models.some((m) => m.id === current) ? current : list.default;
  }

  function check(name, value) {
    const input = $(`input[name="${name}"][value="${value}"]`, dialog);
    if (input) input.checked = true;
  }

  async function save(changes, errorElement) {
    try {
      const settings = await ipc.saveSettings(changes);
      if (errorElement) show(errorElement, false);
      app.settingsChanged(settings);
      render();
      return true;
    } catch (error) {
      if (errorElement) {
        // A refusal of this very field says what to write; any other problem says what to do too.
        errorElement.textContent = error?.field ? wordsOf(error) : messageOf(error);
        show(errorElement, true);
      } else {
        toast(messageOf(error), { tone: 'error' });
      }
      render();
      return false;
    }
  }

  // Key
  ui.replace.addEventListener('click', () => {
    show(keyForm, true);
    show(ui.removeConfirm, false);
    form.reset();
    byTestId('settings-key-input').focus();
    if (app.state.key?.set) noteInflight($('.row-buttons', $('#settings-key')), strings.inflightChange);
  });
  ui.remove.addEventListener('click', () => {
    show(ui.removeConfirm, true);
    show(keyForm, false);
    byTestId('key-remove-cancel').focus();
    noteInflight($('p', ui.removeConfirm), strings.inflightRemove);
  });
  byTestId('key-remove-cancel').addEventListener('click', () => {
    show(ui.removeConfirm, false);
    dropNote();
    ui.remove.focus();
  });
  byTestId('key-remove-yes').addEventListener('click', async () => {
    try {
      app.keyRemoved(await ipc.removeKey());
      show(ui.removeConfirm, false);
      dropNote();
      toast(strings.keyRemoved);
      render();
      ui.replace.focus();
    } catch (error) {
      toast(messageOf(error), { tone: 'error' });
    }
  });

  // Library
  byTestId('library-change').addEventListener('click', async () => {
    try {
      const settings = await ipc.chooseLibraryFolder();
      if (!settings) return;
      show(ui.libraryError, false);
      app.settingsChanged(settings);
      render();
      toast(strings.libraryChanged);
    } catch (error) {
      ui.libraryError.textContent = messageOf(error);
      show(ui.libraryError, true);
    }
  });
  byTestId('library-open').addEventListener('click', () => ipc.openLibrary().catch((e) => toast(messageOf(e), { tone: 'error' })));

  // Appearance, notifications, defaults: saved as soon as they change.
  for (const input of $$('input[name="theme"]', dialog)) {
    input.addEventListener('change', () => {
      app.applyTheme(input.value);
      save({ theme: input.value });
    });
  }
  // A new language is saved, then the page loads again so every word is drawn in it.
  ui.language.addEventListener('change', async () => {
    if (await save({ language: ui.language.value })) location.reload();
  });
  ui.notifications.addEventListener('change', () => save({ notifications: ui.notifications.checked }));
  ui.autoUpdate.addEventListener('change', () => save({ auto_update_check: ui.autoUpdate.checked }));
  ui.defaultModel.addEventListener('change', () => save({ default_model: ui.defaultModel.value }));

  // The queue's two numbers: saved when the field is left or Enter is pressed. What is not a
  // number in range is said beside the field and not sent; the backend checks again.
  for (const [input, error, read, field, invalid] of [
    [ui.maxActive, ui.maxActiveError, readMaxActive, 'max_active', strings.maxActiveInvalid],
    [ui.spendLimit, ui.spendLimitError, readLimit, 'daily_limit', strings.spendLimitInvalid],
  ]) {
    input.addEventListener('change', async () => {
      const value = read(input.value);
      input.setAttribute('aria-invalid', String(value === undefined));
      if (value === undefined) {
        error.textContent = invalid;
        show(error, true);
        return;
      }
      if (value === (app.state.settings?.[field] ?? null)) {
        show(error, false);
        return;
      }
      if (await save({ [field]: value }, error)) toast(strings.saved);
    });
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        event.preventDefault();
        input.dispatchEvent(new Event('change'));
      }
    });
  }

  // Advanced addresses: saved when the field is left or Enter is pressed; the backend validates.
  for (const input of $$('[data-field]', dialog)) {
    const error = byTestId(`${input.dataset.testid}-error`);
    const field = input.dataset.field;
    const place = input.closest('.text-field');
    input.addEventListener('change', async () => {
      const value = input.value.trim();
      if (await save({ [field]: field === 'callback_url' && value === '' ? null : value }, error)) dropNote(place);
    });
    // The hosts bind new videos; the webhook is only sent with new videos, so it needs no note.
    if (field === 'api_base' || field === 'files_base') {
      input.addEventListener('input', () => {
        const saved = app.state.settings?.[field] ?? '';
        if (input.value.trim() === saved) dropNote(place);
        else noteInflight(place, strings.inflightChange);
      });
    }
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        event.preventDefault();
        input.dispatchEvent(new Event('change'));
      }
    });
  }

  dialog.addEventListener('click', (event) => { if (event.target === dialog) dialog.close(); });
  byTestId('settings-close').addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    show(keyForm, false);
    show(ui.removeConfirm, false);
    dropNote();
    (opener?.isConnected ? opener : byTestId('settings-open')).focus();
    opener = null;
  });

  return {
    /** Opens Settings; `section` 'key' scrolls to and focuses the key part. */
    async open(section) {
      if (!dialog.open) {
        opener = document.activeElement;
        render();
        dialog.showModal();
      } else {
        render();
      }
      if (section === 'key') {
        $('#settings-key').scrollIntoView({ block: 'start' });
        ui.replace.focus();
      } else if (section === 'limit') {
        $('#settings-queue').scrollIntoView({ block: 'start' });
        ui.spendLimit.focus();
        ui.spendLimit.select();
      } else {
        byTestId('settings-close').focus();
      }
      const stats = await app.gallery.refreshStats();
      ui.spend.textContent = stats ? strings.spend(stats) : '';
    },
    render,
    get isOpen() { return dialog.open; },
  };
}
