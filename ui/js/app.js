// Wires the page: fills in the words, loads what the backend knows, and connects the parts
// (first run, header, compose, batches, the queue, gallery with its selection, detail, settings,
// updates, stopping, the question on closing) to each other and to live events.

import * as ipc from './ipc.js';
import { loadLanguage, say, webviewLanguage } from './i18n.js';
import { strings } from './strings.js';
import { $, show } from './dom.js';
import { icon } from './icons.js';
import { announce, messageOf, toast } from './announce.js';
import { phase } from './tasks.js';
import { createCompose } from './compose-view.js';
import { createGallery } from './gallery.js';
import { createDetail } from './detail.js';
import { troubleText } from './card.js';
import { createSettings } from './settings-view.js';
import { createUpdates } from './update-view.js';
import { createFirstRun } from './first-run.js';
import { createCloseDialog } from './close-dialog.js';
import { createQueuePanel } from './queue-panel.js';
import { createBatchDialog } from './batch-dialog.js';
import { createBulkBar } from './bulk-bar.js';
import { createStopper } from './stop.js';
import { spendToday } from './runs.js';

const byTestId = (id) => $(`[data-testid="${id}"]`);

// The words first: the language app_info resolved (Settings' choice, or the system's), before
// any part of the page draws a word; without an answer, the webview's (the system's) language,
// so even "the engine cannot be reached" is said in it. Should the catalogue not load, English
// is tried; the page still works, with keys for words, should that fail too.
// The same answer serves the first loadAll below, so the page asks for it once at start.
const firstInfo = ipc.appInfo();
await loadLanguage((await firstInfo.catch(() => null))?.language ?? webviewLanguage())
  .catch((error) => {
    console.warn('the catalogue could not be loaded', error);
    return loadLanguage('en');
  })
  .catch((error) => console.error('no catalogue', error));

const isMac = /Mac|iPhone|iPad/.test(navigator.platform);

const state = { info: null, key: null, settings: null, credits: null, models: null, queue: null };
const hasKey = () => Boolean(state.key?.set || state.info?.demo);

function fillStaticText() {
  for (const element of document.querySelectorAll('[data-i18n]')) element.textContent = strings[element.dataset.i18n];
  for (const element of document.querySelectorAll('[data-i18n-label]')) element.setAttribute('aria-label', strings[element.dataset.i18nLabel]);
  for (const element of document.querySelectorAll('[data-i18n-placeholder]')) element.placeholder = strings[element.dataset.i18nPlaceholder];
  for (const element of document.querySelectorAll('[data-i18n-alt]')) element.alt = strings[element.dataset.i18nAlt];
  for (const element of document.querySelectorAll('[data-i18n-title]')) element.title = strings[element.dataset.i18nTitle];
  for (const element of document.querySelectorAll('[data-icon]')) element.prepend(icon(element.dataset.icon));
  $('.shortcut').textContent = strings.shortcut(isMac);
  byTestId('settings-open').title = strings.settingsOpen;
}

// Header: balance, or the Demo badge and the way out of demo mode.

function renderHeader() {
  const balance = byTestId('balance');
  const demo = Boolean(state.info?.demo);
  balance.classList.toggle('demo', demo);
  show(byTestId('demo-leave'), demo);
  document.documentElement.classList.toggle('is-demo', demo);
  if (demo) {
    balance.textContent = strings.demoBadge;
    balance.title = strings.demoBadgeTitle;
    show(balance, true);
  } else if (state.key?.set) {
    balance.textContent = state.credits == null ? strings.balanceUnknown : strings.balance(state.credits);
    balance.title = strings.balanceTitle;
    show(balance, true);
  } else {
    show(balance, false);
  }
  // Today's spend beside the balance: what a daily limit is measured against. Demo videos cost nothing.
  const today = byTestId('today-spend');
  const spend = !demo && state.key?.set ? spendToday(state.queue) : null;
  today.textContent = spend ? strings.todaySpend(spend.spent, spend.limit) : '';
  today.dataset.level = spend?.level ?? 'ok';
  show(today, Boolean(spend));
}

async function refreshBalance() {
  if (!hasKey()) return;
  try {
    const { credits } = await ipc.refreshBalance();
    state.credits = credits;
  } catch {
    state.credits = null;
  }
  renderHeader();
}

function applyTheme(theme) {
  document.documentElement.dataset.theme = theme ?? 'system';
}

function showKeyBanner(message) {
  const banner = byTestId('key-banner');
  $('.banner-text', banner).textContent = strings.keyRefused(message);
  show(banner, true);
}

// The parts

const compose = createCompose({
  context: () => ({ hasKey: hasKey(), demo: Boolean(state.info?.demo) }),
  onSubmitted: (tasks) => {
    gallery.apply(tasks);
    announce(strings.announce.started(tasks[0].prompt));
  },
  onModels: (list) => {
    state.models = list;
    if (settings?.isOpen) settings.render();
  },
});

const stopper = createStopper({
  onRemoved: (ids) => {
    for (const id of ids) gallery.remove(id);
    if (ids.includes(detail.openId)) detail.close();
  },
  onUpdated: (tasks) => {
    gallery.apply(tasks);
    detail.update(tasks);
  },
});

const gallery = createGallery({
  onOpen: (task) => detail.open(task),
  onAction: (task, action) => runAction(task, action),
  onStop: (tasks) => stopper.stop(tasks),
  onSelectionChange: (tasks) => bulkBar.render(tasks),
});

const bulkBar = createBulkBar({ gallery, stopper });

const queuePanel = createQueuePanel({ onOpenLimit: () => settings.open('limit') });

const detail = createDetail({
  gallery,
  compose,
  onAction: (task, action) => runAction(task, action),
  onStop: (task) => stopper.stop([task]),
  isDemo: () => Boolean(state.info?.demo),
  appVersion: () => state.info?.version ?? null,
});

const app = {
  state,
  gallery,
  applyTheme,
  keySaved: ({ status, credits }) => {
    state.key = status;
    state.credits = credits ?? null;
    show(byTestId('key-banner'), false);
    renderHeader();
    compose.render();
  },
  keyRemoved: (status) => {
    state.key = status;
    state.credits = null;
    renderHeader();
    compose.render();
  },
  settingsChanged: (settings) => {
    state.settings = settings;
    applyTheme(settings.theme);
    compose.applyDefaults(settings);
    showLibrary();
  },
};

const settings = createSettings({ app });
const updates = createUpdates({ currentVersion: () => state.info?.version ?? '' });

const batchDialog = createBatchDialog({
  compose,
  context: () => ({ demo: Boolean(state.info?.demo) }),
  onQueued: (tasks) => {
    gallery.apply(tasks);
    queuePanel.refresh();
  },
});

const closeDialog = createCloseDialog();

const firstRun = createFirstRun({
  onKeySaved: (result) => {
    app.keySaved(result);
    firstRun.hide();
    toast(strings.keyWorks(result.credits));
    byTestId('prompt').focus();
  },
  onDemo: (info) => enterMode(info),
});

// Tasks with a look-again or retry under way: a second click before the answer would ask twice,
// or start (and pay for) a second video.
const busy = new Set();

/** What a failed or waiting task's next-step button does. */
async function runAction(task, action) {
  if (action === 'look_again' || action === 'retry') {
    if (busy.has(task.id)) return;
    busy.add(task.id);
    try {
      await runStep(task, action);
    } finally {
      busy.delete(task.id);
    }
    return;
  }
  await runStep(task, action);
}

async function runStep(task, action) {
  switch (action) {
    case 'edit_prompt':
      detail.close();
      compose.fillFrom(task);
      break;
    case 'choose_image':
      detail.close();
      compose.fillFrom(task, { withImage: false });
      compose.chooseImage();
      break;
    case 'top_up':
      ipc.openHelp('top_up').catch((e) => toast(messageOf(e), { tone: 'error' }));
      break;
    case 'check_key':
    case 'restore_key':
      detail.close();
      settings.open('key');
      break;
    case 'raise_limit':
      detail.close();
      settings.open('limit');
      break;
    case 'resume_queue':
      queuePanel.resume();
      break;
    case 'look_again':
      try {
        const checking = await ipc.lookAgain(task.id);
        gallery.apply([checking]);
        detail.update([checking]);
        toast(strings.lookingAgain);
        // A quick check may have ended before this answer came; a fresh read settles which is newer.
        const now = await ipc.getTask(task.id);
        gallery.apply([now]);
        if (now.state !== checking.state) detail.update([now]);
      } catch (error) {
        toast(messageOf(error), { tone: 'error' });
      }
      break;
    case 'retry':
      // Never for an uncertain video: that asks first, in its detail view (detail.js).
      try {
        gallery.apply([await ipc.retryTask(task.id)]);
        detail.close();
        toast(strings.retried);
      } catch (error) {
        toast(messageOf(error), { tone: 'error' });
      }
      break;
    default:
      break;
  }
}

function showLibrary() {
  // The folder of the videos on show: in demo mode that is the demo's own, not the one in
  // Settings (which is where real videos go).
  const dir = state.info?.demo ? state.info.library_dir : (state.settings?.library_dir ?? state.info?.library_dir);
  if (!dir) return;
  byTestId('library-dir').textContent = strings.libraryWhere(dir);
  byTestId('app-info').textContent = strings.libraryWhere(dir);
}

// Loading everything (at start, and whenever demo mode is switched)

let loads = 0;
/** `info`: app_info's answer when it was already asked for (at start). */
async function loadAll(info = ipc.appInfo()) {
  const mine = ++loads;
  try {
    state.info = await info;
  } catch (error) {
    const line = byTestId('app-info');
    line.textContent = strings.backendUnavailable;
    line.classList.add('error');
    console.error('app_info failed', error);
    return;
  }
  if (mine !== loads) return;
  byTestId('app-version').textContent = strings.version(state.info.version);
  show(byTestId('app-version'), true);
  byTestId('app-info').classList.remove('error');
  // The library is on this computer and comes first; the models may wait on EvoLink (it is asked
  // which ones the key may use), and a slow or unreachable network must not keep a person from
  // their videos. Everything is asked for at once.
  gallery.reload();
  gallery.refreshStats();
  refreshQueue();
  const models = ipc.listModels().catch((error) => ({ error }));
  const [key, settingsNow] = await Promise.all([
    ipc.keyStatus().catch(() => ({ set: false, hint: null, storage: 'none', problem: null })),
    ipc.getSettings().catch(() => null),
  ]);
  if (mine !== loads) return;
  state.key = key;
  if (settingsNow) app.settingsChanged(settingsNow);
  showLibrary();
  state.credits = null;
  renderHeader();
  compose.render();
  if (!key.set && !state.info.demo) firstRun.show(key.problem);
  else if (firstRun.visible) firstRun.hide();
  if (settings.isOpen) settings.render();
  updates.start();
  models.then((list) => {
    if (mine !== loads) return;
    if (list.error) compose.modelsFailed(list.error);
    else compose.setModels(list);
  });
  await refreshBalance();
}

/** Asks for the queue as it now is (an unanswered question leaves the panel as it was). */
function refreshQueue() {
  ipc.queueStatus().then(queueChanged).catch(() => {});
}

/** The queue as it now is: the panel above the gallery and today's spend in the header. */
function queueChanged(queue) {
  queuePanel.update(queue);
  // The newest the panel has: one read before it that arrives late changes nothing.
  state.queue = queuePanel.queue;
  renderHeader();
}

function enterMode(info) {
  state.info = info;
  detail.close();
  loadAll();
  toast(info.demo ? strings.demoOn : strings.demoOff);
}

// Live events from the backend

function tasksChanged(tasks) {
  gallery.apply(tasks);
  detail.update(tasks);
  for (const task of tasks) {
    if (task.state === 'done') announce(strings.announce.done(task.prompt));
    // In the UI's words where they are truer than the message (an uncertain video's lookup).
    else if (phase(task.state) === 'failed') announce(strings.announce.failed(task.prompt, troubleText(task)));
  }
  if (tasks.some((task) => task.state === 'done' || phase(task.state) === 'failed')) refreshBalance();
  // EvoLink refused a model for this key: the picker shows it as unavailable from now on
  // (the backend counts that refusal until it next asks which models the key may use).
  if (tasks.some((task) => task.state === 'failed' && task.error?.code === 'model_unavailable')) {
    ipc.listModels().then((list) => compose.setModels(list)).catch(() => {});
  }
}

/** Resolves once the backend has every subscription: what it emits from then on reaches the page. */
function subscribe() {
  const quietly = (promise) => promise.catch((error) => console.warn('event not available', error));
  return Promise.all([
    ipc.onTasksChanged(tasksChanged),
    ipc.onQueueChanged(queueChanged),
    ipc.onBalanceChanged(({ credits, demo }) => {
      state.credits = credits;
      if (state.info && typeof demo === 'boolean') state.info.demo = demo;
      renderHeader();
    }),
    ipc.onKeyRefused(({ message }) => {
      showKeyBanner(message);
      settings.open('key');
    }),
    // The data folder cannot be written (disk full, read-only): said until writing works again.
    ipc.onStoreTrouble(({ message }) => {
      const banner = byTestId('store-banner');
      $('.banner-text', banner).textContent = say(message);
      show(banner, Boolean(message));
    }),
    ipc.onModeChanged((info) => {
      state.info = info;
      loadAll();
    }),
    ipc.onCloseRequested((request) => closeDialog.ask(request)),
    ipc.onImageDrop((drop) => {
      if (firstRun.visible) return;
      compose.onDrop(drop);
    }),
  ].map(quietly));
}

function wire() {
  byTestId('settings-open').addEventListener('click', () => settings.open());
  byTestId('batch-open').addEventListener('click', () => batchDialog.open());
  byTestId('key-banner-open').addEventListener('click', () => settings.open('key'));
  byTestId('demo-leave').addEventListener('click', async () => {
    try {
      enterMode(await ipc.setDemo(false));
    } catch (error) {
      toast(messageOf(error), { tone: 'error' });
    }
  });
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || !(event.ctrlKey || event.metaKey)) return;
    if (firstRun.visible || document.querySelector('dialog[open]')) return;
    event.preventDefault();
    compose.generate();
  });
}

fillStaticText();
wire();
compose.render();
// The subscriptions and the first questions go out together, so the cards come no later. A change
// the backend makes before it has the subscriptions never reaches the page (a video saved, a
// still made, as the app starts), so once it has them the tasks on show and the queue are asked
// for again.
const subscribed = subscribe();
loadAll(firstInfo);
subscribed.then(() => {
  gallery.refreshVisible();
  refreshQueue();
});
