// The one module that talks to the Rust backend. Everything else in ui/ imports from here,
// so tests can swap this file for a fake and run the UI in any browser. docs/IPC.md describes
// every command, event and shape; tests/browser/fake-ipc.js has the same exports.
//
// Errors from the backend arrive as { code, message: { key, params }, retryable } (the message is
// words for the catalogue, rendered by i18n.js's say); anything else (no backend, a bug) is
// turned into that shape so callers handle one kind of error.

function tauri() {
  const api = globalThis.__TAURI__;
  if (!api?.core?.invoke) {
    throw { code: 'no_backend', message: { key: 'problem.no_backend', params: {} }, retryable: false };
  }
  return api;
}

async function call(command, args, options) {
  try {
    return await tauri().core.invoke(command, args, options);
  } catch (error) {
    if (error && typeof error === 'object' && typeof error.code === 'string') throw error;
    throw { code: 'internal', message: { key: 'problem.internal.page', params: { detail: String(error?.message ?? error) } }, retryable: false };
  }
}

async function listen(event, handler) {
  return tauri().event.listen(event, (e) => handler(e.payload));
}

// Account and mode

/** @returns {Promise<{name: string, version: string, data_dir: string, library_dir: string, custom_api: boolean, demo: boolean}>} */
export const appInfo = () => call('app_info');
export const keyStatus = () => call('key_status');
export const saveKey = (key, { session_only = false } = {}) => call('set_key', { key, session_only });
export const removeKey = () => call('clear_key');
export const refreshBalance = () => call('refresh_balance');
export const setDemo = (on) => call('set_demo', { on });

// Settings

export const getSettings = () => call('get_settings');
export const saveSettings = (changes) => call('set_settings', { changes });
export const chooseLibraryFolder = () => call('choose_library_folder');

// Video models

/** The models, as the manifest describes them, with whether this key may use each now. */
export const listModels = () => call('list_models');
/**
 * Credits a video would cost, checked against the model: `choices` as in submit, `pictures`
 * says which input pictures it has ({ first, last }). Refuses a choice with `invalid_input`
 * and the `field` at fault.
 */
export const estimate = ({ model, choices = {}, pictures = { first: false, last: false } }) =>
  call('estimate', { input: { model, choices, pictures } });

// Reference pictures
//
// A picture is known to the page by the handle Rust gave it (a drop, the file dialog, a paste,
// or a task's own picture): the page never names a file.

/** The handle of the picture the person chose in the system's dialog, or null if they cancelled. */
export const chooseImage = () => call('choose_image');
/** @param {Uint8Array} bytes the pasted picture, sent as the raw request body; answers its handle */
export const savePastedImage = (bytes) => call('save_pasted_image', bytes);
/**
 * Fits the picture `picture` (a handle) to `model`. `aspect` null lets the picture decide the
 * shape (for models whose pictures must match a frame exactly); `quality` picks that frame's
 * size; `crop` and `framing` only matter for those models.
 */
export const prepareImage = ({ picture, model, aspect = null, quality = null, framing = 'fill', crop = null }) =>
  call('prepare_image', { request: { picture, model, aspect, quality, framing, crop } });

// Tasks

/**
 * Records one task per take (`takes` 1..4) and answers them all (`Task[]`). `image` and
 * `lastImage` are ImageChoices (`{ picture, framing, crop }`, `picture` a handle) or null.
 */
export const submit = ({ prompt, model, choices = {}, image = null, lastImage = null, takes = 1 }) =>
  call('submit_task', { input: { prompt, model, choices, image, last_image: lastImage, takes } });
/** `takes_group` keeps the takes of one prompt (the detail view shows them side by side). */
export const listTasks = ({ states = [], search = '', favourites_only = false, takes_group = null, offset = 0, limit = 100 } = {}) =>
  call('list_tasks', { query: { states, search, favourites_only, takes_group, offset, limit } });
export const getTask = (id) => call('get_task', { id });
/**
 * A new paid task from an ended one. For an `outcome_unknown` task the backend refuses with
 * `look_first` unless its lookup found nothing, then with `confirm_needed` unless the person
 * confirmed paying again (`confirmPaidAgain`, as the command names it).
 */
export const retryTask = (id, { confirmPaidAgain = false } = {}) => call('retry_task', { id, confirmPaidAgain });
/** Asks EvoLink again whether an `outcome_unknown` task was started (it goes back to `submitting`). */
export const lookAgain = (id) => call('look_again', { id });
export const deleteTask = (id) => call('delete_task', { id });
export const setFavourite = (id, favourite) => call('set_favourite', { id, favourite });
export const revealTask = (id) => call('reveal_task', { id });
export const saveCopy = (id) => call('save_copy', { id });
export const openLibrary = () => call('open_library');
export const stats = () => call('library_stats');

// Batches, the queue and stopping

/** A .txt or .csv picked in the native dialog: `{ name, text, csv }`, or null when cancelled. */
export const openBatchFile = () => call('open_batch_file');
/** What a batch would record and cost (`BatchPlan`), with the lines that cannot be sent as they are. */
export const planBatch = ({ text, csv = false, model, choices = {}, takes = 1 }) =>
  call('plan_batch', { input: { text, csv, model, choices, takes } });
/**
 * Records a batch, all waiting (`Task[]`). `count` and `credits` are what the person confirmed:
 * a plan that now gives another count or a higher total fails `plan_changed`.
 */
export const submitBatch = ({ text, csv = false, model, choices = {}, takes = 1, count, credits }) =>
  call('submit_batch', { input: { text, csv, model, choices, takes, count, credits } });
export const queueStatus = () => call('queue_status');
export const pauseQueue = (paused) => call('pause_queue', { paused });
/** `ids`: waiting tasks in their new order, placed first; the rest keep theirs after them. */
export const reorderQueue = (ids) => call('reorder_queue', { ids });
/**
 * Stops a task: one not yet paid is removed (`{ removed: true }`); a paid one fails
 * `confirm_needed` until the person says whether to keep its video if it comes (`discard`).
 */
export const stopTask = (id, { discard = null } = {}) => call('stop_task', { id, discard });
/** Forgets every failed and expired task: `{ removed }`. */
export const clearFailed = () => call('clear_failed');
/** @param {'get_key'|'top_up'} topic */
export const openHelp = (topic) => call('open_help', { topic });

// Closing the window while videos are in progress

/**
 * The answer to onCloseRequested: keep working with the window hidden, quit, or stay (the
 * question was dismissed; the next close asks again).
 * @param {'background'|'quit'|'stay'} choice
 */
export const closeChoice = (choice) => call('close_choice', { choice });

// Updates

/**
 * Looks for a newer Sora Desk: `{version, current_version, notes, date}` or null (this is the
 * newest). `automatic`: the page's own daily look, which the backend runs only when Settings
 * allow it and a day has passed; otherwise it answers null at once.
 */
export const checkForUpdate = ({ automatic = false } = {}) => call('check_for_update', { automatic });
/**
 * Installs the version the last look found, then the app restarts into it (the person pressed
 * "Install and restart"). Progress arrives with onUpdateProgress.
 */
export const installUpdate = () => call('install_update');

// Events: each returns a Promise of a function that stops listening.

export const onTasksChanged = (handler) => listen('tasks-changed', (p) => handler(p.tasks));
export const onBalanceChanged = (handler) => listen('balance-changed', handler);
export const onKeyRefused = (handler) => listen('key-refused', handler);
export const onStoreTrouble = (handler) => listen('store-trouble', handler);
export const onModeChanged = (handler) => listen('mode-changed', handler);
/** The Queue, whenever tasks or the queue's settings change. */
export const onQueueChanged = (handler) => listen('queue-changed', handler);
/**
 * How far installUpdate has come: `{stage: 'downloading', done, total}` (bytes; total may be
 * null), then `{stage: 'waiting'}`, `{stage: 'installing'}`, `{stage: 'restarting'}`.
 */
export const onUpdateProgress = (handler) => listen('update-progress', handler);
/** The window was closed while videos are in progress: `{ active }` of them. Answer with closeChoice. */
export const onCloseRequested = (handler) => listen('close-requested', handler);

/**
 * Files dragged over or dropped on the window. The hover comes from the webview; a drop comes
 * from Rust, which saw the system's drop, as handles of the dropped files.
 * @param {(drop: {type: 'enter'|'over'|'leave'} | {type: 'drop', pictures: string[]}) => void} handler
 */
export async function onImageDrop(handler) {
  const webview = tauri().webview.getCurrentWebview();
  const hover = await webview.onDragDropEvent((event) => {
    // The webview's own "drop" only ends the hover; the pictures follow from Rust.
    const type = event.payload.type === 'drop' ? 'leave' : event.payload.type;
    handler({ type });
  });
  const dropped = await listen('pictures-dropped', (pictures) => handler({ type: 'drop', pictures }));
  return () => {
    hover();
    dropped();
  };
}
