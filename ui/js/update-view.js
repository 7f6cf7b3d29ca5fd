// Updates: the daily look (when Settings allow it; the backend decides whether a day has
// passed), "Check for updates" in Settings, the header button that says a newer version is
// ready, and the dialog with its notes where the person chooses "Install and restart" or
// "Later". Nothing installs without that click.

import * as ipc from './ipc.js';
import { strings } from './strings.js';
import { $, show } from './dom.js';
import { messageOf } from './announce.js';

const byTestId = (id) => $(`[data-testid="${id}"]`);
/** How often an open app asks whether the daily look is due (the backend answers at once when not). */
const ASK_EVERY_MS = 60 * 60 * 1000;

/** `currentVersion()`: the running version, for "you have the newest version". */
export function createUpdates({ currentVersion }) {
  const dialog = byTestId('update-dialog');
  const ui = {
    ready: byTestId('update-ready'),
    check: byTestId('update-check'),
    status: byTestId('update-status'),
    title: $('#update-title', dialog),
    meta: byTestId('update-meta'),
    notes: byTestId('update-notes'),
    progress: byTestId('update-progress'),
    error: byTestId('update-error'),
    later: byTestId('update-later'),
    install: byTestId('update-install'),
  };
  let offer = null;
  let installing = false;
  let opener = null;

  function found(newer) {
    offer = newer;
    show(ui.ready, Boolean(offer));
    if (offer) {
      ui.ready.textContent = strings.updateReady(offer.version);
      ui.ready.title = strings.updateReadyTitle;
    }
  }

  function open() {
    if (!offer) return;
    ui.title.textContent = strings.updateTitle(offer.version);
    ui.meta.textContent = strings.updateMeta(offer.current_version, offer.date);
    // The release's own words, as text: nothing in them is taken for markup.
    ui.notes.textContent = offer.notes?.trim() || strings.updateNoNotes;
    ui.progress.textContent = strings.updateBusyNote;
    show(ui.progress, true);
    show(ui.error, false);
    setBusy(false);
    if (!dialog.open) {
      opener = document.activeElement;
      dialog.showModal();
    }
    ui.install.focus();
  }

  function setBusy(busy) {
    installing = busy;
    ui.install.disabled = busy;
    ui.later.disabled = busy;
  }

  async function install() {
    if (installing) return;
    setBusy(true);
    show(ui.error, false);
    ui.progress.textContent = strings.updateDownloading(null, null);
    try {
      // On success the app restarts: this page goes away before (or soon after) the answer.
      await ipc.installUpdate();
    } catch (error) {
      ui.error.textContent = messageOf(error);
      show(ui.error, true);
      show(ui.progress, false);
      setBusy(false);
    }
  }

  function progress(event) {
    if (!installing) return;
    const words = {
      downloading: () => (event.total
        ? strings.updateDownloading(Math.floor((event.done / event.total) * 100), strings.size(event.total))
        : strings.updateDownloading(null, strings.size(event.done))),
      waiting: () => strings.updateWaiting,
      installing: () => strings.updateInstalling,
      restarting: () => strings.updateRestarting,
    }[event.stage];
    if (!words) return;
    ui.progress.textContent = words();
    show(ui.progress, true);
  }

  async function checkNow() {
    ui.check.disabled = true;
    ui.status.textContent = strings.updateChecking;
    try {
      const newer = await ipc.checkForUpdate({ automatic: false });
      found(newer);
      ui.status.textContent = newer ? strings.updateFound(newer.version) : strings.updateNone(currentVersion());
      if (newer) open();
    } catch (error) {
      ui.status.textContent = messageOf(error);
    } finally {
      ui.check.disabled = false;
    }
  }

  /** The daily look: quiet unless it finds something (a failure waits for the next day). */
  async function lookQuietly() {
    if (offer) return;
    try {
      const newer = await ipc.checkForUpdate({ automatic: true });
      if (newer) found(newer);
    } catch (error) {
      console.warn('the automatic look for updates failed', messageOf(error));
    }
  }

  ui.check.addEventListener('click', checkNow);
  ui.ready.addEventListener('click', open);
  ui.install.addEventListener('click', install);
  ui.later.addEventListener('click', () => dialog.close());
  dialog.addEventListener('cancel', (event) => { if (installing) event.preventDefault(); });
  dialog.addEventListener('click', (event) => { if (event.target === dialog && !installing) dialog.close(); });
  dialog.addEventListener('close', () => {
    (opener?.isConnected ? opener : byTestId('settings-open')).focus();
    opener = null;
  });
  ipc.onUpdateProgress(progress).catch((error) => console.warn('event not available', error));

  let started = false;
  return {
    /** Starts the daily look: now, then every hour while the app is open. */
    start() {
      if (started) return;
      started = true;
      lookQuietly();
      setInterval(lookQuietly, ASK_EVERY_MS);
    },
  };
}
