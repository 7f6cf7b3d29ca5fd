// Stands in for ui/js/ipc.js in browser tests: the same exports (docs/IPC.md), answered by an
// in-memory backend. It is served at /js/ipc.js, so it can use the UI's own pure modules.
//
// Tests set the starting state before the page's modules run, with page.addInitScript:
//   globalThis.__fakeBackend = {
//     info: { demo, version, … },            key: { set, hint, storage, problem },
//     credits: 1234.5,                         settings: { theme, default_duration, … },
//     tasks: [{ prompt, state, ago, … }],      // partial Tasks; `ago` seconds before now
//     generate: 10000,                          // that many finished videos, newest first
//     keychain: false,                          // saveKey fails keychain_unavailable unless session_only
//     pictures: { '/path.jpg': { width, height, format, bytes, had_location, seed } | { error } },
//     nextImage: '/path.jpg',                   // what chooseImage "picks" in the native dialog
//     fail: { command_name: { code, message, retryable } },   // that command throws it
//     hold: ['prepare_image'],                  // answers wait until __fake.release(name)
//   };
// and drive it afterwards through globalThis.__fake:
//   calls                  every command as { command, args } (bytes as their length)
//   emitTasks(tasks)       raise tasks-changed (partial tasks are completed like above)
//   finishLookup(id, found)  end the check lookAgain started, as the engine does: 'found' moves
//                          the task on to queued (EvoLink had it), 'ambiguous', 'unavailable' or
//                          'nothing_found' back to outcome_unknown with that lookup
//   emitBalance(p), emitKeyRefused(p), emitStoreTrouble(p), emitMode(info),
//   emitCloseRequested({ active })
//   drop(paths)            a native file drop. Tests add a reference picture exactly as a real
//                          drop does: through the very handler the UI registered with
//                          onImageDrop (enter, over, then drop), never by setting inputs.
//   dragEnter(), dragLeave()
//   hold(name), release(name), fail(name, error|null), state

import { centredCrop } from './crop.js';
import { ACTIVE_STATES, matchesQuery, newerFirst } from './tasks.js';
import { estimateCredits } from './compose.js';
import { framedUrl, sceneUrl } from './fake-art.js';

const config = globalThis.__fakeBackend ?? {};
const now = () => Math.floor(Date.now() / 1000);

const state = {
  info: {
    name: 'Sora Desk',
    version: '0.1.0',
    data_dir: '/home/ada/.local/share/app.soradesk.desktop',
    library_dir: '/home/ada/Videos/Sora Desk',
    custom_api: false,
    demo: false,
    ...config.info,
  },
  key: { set: true, hint: 'sk-…9f3a', storage: 'keychain', problem: null, ...config.key },
  credits: config.credits ?? 1234.5,
  settings: {
    library_dir: '/home/ada/Videos/Sora Desk',
    notifications: true,
    theme: 'system',
    default_orientation: 'landscape',
    default_duration: 4,
    api_base: '',
    files_base: '',
    callback_url: null,
    ...config.settings,
  },
  keychain: config.keychain ?? true,
  pictures: {
    '/home/ada/Pictures/beach.jpg': { width: 4032, height: 3024, format: 'jpeg', bytes: 3_100_000, had_location: true, seed: 0 },
    '/home/ada/Pictures/tall.png': { width: 1080, height: 1920, format: 'png', bytes: 2_400_000, had_location: false, seed: 3 },
    '/home/ada/Pictures/photo.heic': { error: { code: 'image_unreadable', message: 'This picture is in HEIC format, which Sora Desk cannot read yet.', retryable: false } },
    ...config.pictures,
  },
  nextImage: config.nextImage ?? null,
  fail: { ...config.fail },
  tasks: [],
  demoTasks: [],
};

let nextId = 1;

/** A complete Task from a partial one, as the backend would hold it. */
export function makeTask(partial = {}) {
  const id = partial.id ?? `task-${String(nextId++).padStart(5, '0')}`;
  const created = partial.created_at ?? now() - (partial.ago ?? 60);
  const orientation = partial.orientation ?? 'landscape';
  const duration = partial.duration ?? 8;
  const task = {
    id,
    prompt: 'A paper boat drifting down a rainy street at dusk',
    model: 'sora-2-preview',
    orientation,
    duration,
    state: 'done',
    progress: 0,
    error: null,
    credits_reserved: estimateCredits(duration),
    credits_used: null,
    estimated_seconds: 180,
    created_at: created,
    submitted_at: created + 3,
    finished_at: null,
    image: null,
    favourite: false,
    retry_of: null,
    video_path: null,
    video_size: null,
    video_url: null,
    poster_url: null,
    remote_id: null,
    request_id: null,
    results_expire_at: null,
    lookup: null,
    ...partial,
  };
  delete task.ago;
  delete task.seed;
  // As the backend fills them: EvoLink's id once it accepted the task, the link's end once the
  // video is made (EvoLink keeps it 24 h), and a lookup only on an uncertain task.
  const accepted = ['queued', 'generating', 'downloading', 'done', 'expired'].includes(task.state);
  if (accepted && !('remote_id' in partial)) task.remote_id = `task-unified-${task.submitted_at ?? created}-${hash(id).toString(36)}`;
  if (['downloading', 'done', 'expired'].includes(task.state) && !('results_expire_at' in partial)) {
    task.results_expire_at = task.state === 'expired' ? Math.min(created + 150 + 86400, now() - 60) : created + 150 + 86400;
  }
  if (task.state !== 'outcome_unknown') task.lookup = null;
  if (['failed', 'outcome_unknown', 'expired'].includes(task.state)) task.finished_at ??= created + 60;
  if (task.state === 'done') {
    task.credits_used ??= task.credits_reserved;
    task.finished_at ??= created + 150;
    task.video_path ??= `${state.settings.library_dir}/2026-11-24 ${task.prompt.slice(0, 40)} (${orientation}, ${duration}s).mp4`;
    task.video_size ??= 102_759;
    if (!('video_url' in partial)) task.video_url = `/media/${orientation}.mp4`;
    if (!('poster_url' in partial)) task.poster_url = poster(partial.seed ?? hash(id), orientation);
  }
  if (task.state === 'generating' && !('progress' in partial)) task.progress = 35;
  return task;
}

function poster(seed, orientation) {
  return orientation === 'portrait' ? sceneUrl(seed % 8, 180, 320) : sceneUrl(seed % 8, 384, 216);
}

function hash(text) {
  let h = 0;
  for (const c of text) h = (h * 31 + c.codePointAt(0)) >>> 0;
  return h;
}

const PROMPTS = [
  'A lighthouse in a storm, waves crashing, cinematic',
  'A red fox crossing a frozen lake at sunrise',
  'Slow pan over a neon-lit night market in the rain',
  'A hot air balloon drifting over lavender fields',
  'Macro shot of dew drops sliding off a green leaf',
  'A cat playing piano in a cosy living room',
  'Time-lapse of clouds rolling over mountain peaks',
  'A paper boat drifting down a rainy street at dusk',
];

function generated(count) {
  const start = now();
  return Array.from({ length: count }, (_, i) => makeTask({
    id: `gen-${String(i).padStart(5, '0')}`,
    prompt: `#${i} ${PROMPTS[i % PROMPTS.length]}`,
    created_at: start - 60 - i * 600,
    orientation: i % 5 === 4 ? 'portrait' : 'landscape',
    duration: [4, 8, 12][i % 3],
    seed: i,
  }));
}

state.tasks = [...(config.tasks ?? []).map(makeTask), ...generated(config.generate ?? 0)];

function tasks() {
  return state.info.demo ? state.demoTasks : state.tasks;
}

// Holding answers and recording calls

const held = new Map(); // command → [resolve…] waiting
const holding = new Set(config.hold ?? []);
const calls = [];

function record(command, args) {
  const safe = JSON.parse(JSON.stringify(args ?? null, (key, value) => (value instanceof Uint8Array ? { bytes: value.length } : value)));
  calls.push({ command, args: safe });
}

async function call(command, args, answer) {
  record(command, args);
  await Promise.resolve();
  if (holding.has(command)) {
    await new Promise((resolve) => {
      if (!held.has(command)) held.set(command, []);
      held.get(command).push(resolve);
    });
  }
  if (state.fail[command]) throw structuredClone(state.fail[command]);
  return structuredClone(await answer());
}

const error = (code, message, retryable = false) => ({ code, message, retryable });

// Events

const handlers = { tasks: new Set(), balance: new Set(), keyRefused: new Set(), storeTrouble: new Set(), mode: new Set(), drop: new Set(), close: new Set() };

function on(kind, handler) {
  handlers[kind].add(handler);
  return Promise.resolve(() => handlers[kind].delete(handler));
}

function emit(kind, payload) {
  for (const handler of handlers[kind]) handler(structuredClone(payload));
}

function upsert(changed) {
  const list = tasks();
  for (const task of changed) {
    const index = list.findIndex((t) => t.id === task.id);
    if (index === -1) list.push(task);
    else list[index] = task;
  }
}

function emitTasks(partials) {
  const list = tasks();
  const full = partials.map((partial) => {
    const old = list.find((t) => t.id === partial.id);
    if (!old) return makeTask(partial);
    // Fields the old state left empty are filled as for a new task (a video once it is done).
    const known = Object.fromEntries(Object.entries(old).filter(([, value]) => value !== null));
    return makeTask({ ...known, ...partial });
  });
  upsert(full);
  emit('tasks', full);
  return full;
}

function findTask(id) {
  const task = tasks().find((t) => t.id === id);
  if (!task) throw error('not_found', 'That video is no longer in your library.');
  return task;
}

// Account and mode

export const appInfo = () => call('app_info', null, () => state.info);
export const keyStatus = () => call('key_status', null, () => state.key);

export const saveKey = (key, { session_only = false } = {}) => call('set_key', { key: key.length, session_only }, () => {
  if (!state.keychain && !session_only) {
    throw error('keychain_unavailable', 'This computer has no keychain where Sora Desk could keep your key safely.');
  }
  if (!/^sk-[A-Za-z0-9]{8,}$/.test(key)) {
    throw error('invalid_key', 'That does not look like an EvoLink key. It starts with "sk-"; copy it again from your EvoLink dashboard.');
  }
  state.key = { set: true, hint: `sk-…${key.slice(-4)}`, storage: session_only ? 'session_only' : 'keychain', problem: null };
  return { status: state.key, credits: state.credits };
});

export const removeKey = () => call('clear_key', null, () => {
  state.key = { set: false, hint: null, storage: 'none', problem: null };
  return state.key;
});

export const refreshBalance = () => call('refresh_balance', null, () => ({ credits: state.info.demo ? null : state.credits, demo: state.info.demo }));

export const setDemo = (on) => call('set_demo', { on }, () => {
  state.info = { ...state.info, demo: on };
  setTimeout(() => emit('mode', state.info), 0);
  return state.info;
});

// Settings

export const getSettings = () => call('get_settings', null, () => state.settings);

export const saveSettings = (changes) => call('set_settings', { changes }, () => {
  for (const field of ['api_base', 'files_base']) {
    if (changes[field] && !/^https?:\/\/[^\s/]+/.test(changes[field])) {
      throw error('invalid_argument', 'This is not a web address. Leave the field empty to use the usual one.');
    }
  }
  if (changes.callback_url && !/^https:\/\/[^\s/]+/.test(changes.callback_url)) {
    throw error('invalid_argument', 'The webhook address must start with https://.');
  }
  state.settings = { ...state.settings, ...changes };
  return state.settings;
});

export const chooseLibraryFolder = () => call('choose_library_folder', null, () => {
  state.settings = { ...state.settings, library_dir: config.nextLibraryDir ?? '/home/ada/Movies/Sora Desk' };
  return state.settings;
});

// Reference picture

export const chooseImage = () => call('choose_image', null, () => state.nextImage);

export const savePastedImage = (bytes) => call('save_pasted_image', bytes, () => {
  const path = `/home/ada/.local/share/app.soradesk.desktop/pasted/${calls.length}.png`;
  state.pictures[path] = { width: 1600, height: 1200, format: 'png', bytes: bytes.length, had_location: false, seed: 5 };
  return path;
});

export const prepareImage = ({ path, orientation = null, framing = 'fill', crop = null }) =>
  call('prepare_image', { path, orientation, framing, crop }, () => {
    const picture = state.pictures[path];
    if (!picture) throw error('file_missing', 'Sora Desk cannot find this picture any more.');
    if (picture.error) throw picture.error;
    const shape = orientation ?? (picture.width >= picture.height ? 'landscape' : 'portrait');
    const out = shape === 'landscape' ? { width: 1280, height: 720 } : { width: 720, height: 1280 };
    const fraction = framing === 'fit' ? { x: 0, y: 0, width: 1, height: 1 } : crop ?? centredCrop(picture.width, picture.height, out.width / out.height);
    const region = {
      x: Math.round(fraction.x * picture.width),
      y: Math.round(fraction.y * picture.height),
      width: Math.round(fraction.width * picture.width),
      height: Math.round(fraction.height * picture.height),
    };
    const kb = framing === 'fit' ? 298 : 412;
    const verb = framing === 'fit' ? 'Fitted' : 'Cropped';
    const source = { format: picture.format, width: picture.width, height: picture.height, upright_width: picture.width, upright_height: picture.height, bytes: picture.bytes, had_location: picture.had_location };
    const scale = 320 / Math.max(picture.width, picture.height);
    return {
      path,
      summary: `${verb} ${picture.width}x${picture.height} to ${out.width}x${out.height}, ${kb} KB`,
      source,
      output: { format: 'jpeg', ...out, orientation: shape, bytes: kb * 1000 },
      region,
      actions: framing === 'fit' ? ['scaled', 'padded'] : ['cropped', 'scaled'],
      warnings: picture.had_location ? [{ code: 'location_removed', message: 'The place where this photo was taken was removed from it.' }] : [],
      preview_url: framedUrl(picture.seed ?? 0, picture, region, framing, out),
      source_preview_url: sceneUrl(picture.seed ?? 0, Math.round(picture.width * scale), Math.round(picture.height * scale)),
    };
  });

// Tasks

export const submit = ({ prompt, orientation, duration, image = null }) =>
  call('submit_task', { prompt, orientation, duration, image }, () => {
    const task = makeTask({ prompt, orientation, duration, image, state: image ? 'preparing' : 'submitting', ago: 0, submitted_at: null });
    upsert([task]);
    setTimeout(() => emit('tasks', [task]), 0);
    return task;
  });

export const listTasks = ({ states = [], search = '', favourites_only = false, offset = 0, limit = 100 } = {}) =>
  call('list_tasks', { states, search, favourites_only, offset, limit }, () => {
    if (limit > 500) throw error('invalid_argument', 'limit is at most 500');
    const matching = tasks().filter((task) => matchesQuery(task, { states, search, favourites_only })).sort(newerFirst);
    return { tasks: matching.slice(offset, offset + limit), total: matching.length };
  });

export const getTask = (id) => call('get_task', { id }, () => findTask(id));

export const retryTask = (id, { confirmPaidAgain = false } = {}) => call('retry_task', { id, confirmPaidAgain }, () => {
  const old = findTask(id);
  if (ACTIVE_STATES.includes(old.state)) throw error('not_allowed', 'This video is still being made; wait for it to finish first.');
  if (!state.key.set && !state.info.demo) throw error('no_key', 'Add your EvoLink key in Settings first, or try the demo.');
  // A new paid task from an uncertain one only after a lookup found nothing, and only confirmed.
  if (old.state === 'outcome_unknown' && old.lookup !== 'nothing_found') {
    throw error('look_first', 'Sora Desk has not found out yet whether EvoLink started this video. Look again first.');
  }
  if (old.state === 'outcome_unknown' && confirmPaidAgain !== true) {
    throw error('confirm_needed', 'Making this video again may charge you for both. Confirm that you want a new one.');
  }
  const task = makeTask({ prompt: old.prompt, orientation: old.orientation, duration: old.duration, image: old.image, state: 'submitting', ago: 0, retry_of: id, submitted_at: null });
  upsert([task]);
  return task;
});

/** The note an uncertain task carries while the app asks EvoLink whether it was started. */
const CHECKING = { code: 'checking', message: 'Checking with EvoLink whether this video was started…', retryable: true };

export const lookAgain = (id) => call('look_again', { id }, () => {
  const task = findTask(id);
  if (task.state !== 'outcome_unknown') throw error('not_allowed', 'Only a video whose start is uncertain can be looked up again.');
  Object.assign(task, { state: 'submitting', error: { ...CHECKING }, lookup: null, finished_at: null });
  setTimeout(() => emit('tasks', [task]), 0);
  return task;
});

/** Ends the check lookAgain started, as the engine does (see the header). */
function finishLookup(id, found) {
  const task = findTask(id);
  if (task.state !== 'submitting' || task.error?.code !== 'checking') throw new Error(`${id} is not being checked`);
  if (found === 'found') return emitTasks([{ id, state: 'queued', error: null, remote_id: `task-unified-${task.submitted_at}-${hash(id).toString(36)}` }])[0];
  const message = 'Sora Desk lost EvoLink’s answer and could not tell whether this video was started.';
  return emitTasks([{ id, state: 'outcome_unknown', lookup: found, finished_at: now(), error: { code: 'outcome_unknown', message, retryable: false } }])[0];
}

export const deleteTask = (id) => call('delete_task', { id }, () => {
  const task = findTask(id);
  const list = tasks();
  list.splice(list.indexOf(task), 1);
  return task;
});

export const setFavourite = (id, favourite) => call('set_favourite', { id, favourite }, () => {
  const task = findTask(id);
  task.favourite = favourite;
  return task;
});

export const revealTask = (id) => call('reveal_task', { id }, () => { findTask(id); return null; });
export const saveCopy = (id) => call('save_copy', { id }, () => { findTask(id); return '/home/ada/Desktop/A copy.mp4'; });
export const openLibrary = () => call('open_library', null, () => null);

export const savePoster = (id, jpegBytes) => call('save_poster', { id, bytes: jpegBytes }, () => {
  const task = findTask(id);
  if (!(jpegBytes instanceof Uint8Array) || jpegBytes[0] !== 0xff || jpegBytes[1] !== 0xd8) {
    throw error('invalid_argument', 'The poster is not a JPEG.');
  }
  task.poster_url = URL.createObjectURL(new Blob([jpegBytes], { type: 'image/jpeg' }));
  return task;
});

export const stats = () => call('library_stats', null, () => {
  const list = tasks();
  const month = now() - 30 * 86400;
  const counts = {};
  for (const task of list) counts[task.state] = (counts[task.state] ?? 0) + 1;
  const used = (from) => Math.round(list.filter((t) => t.created_at >= from).reduce((sum, t) => sum + (t.credits_used ?? 0), 0) * 100) / 100;
  return { credits_used_total: used(0), credits_used_30_days: used(month), counts, favourites: list.filter((t) => t.favourite).length };
});

export const openHelp = (topic) => call('open_help', { topic }, () => null);
export const closeChoice = (choice) => call('close_choice', { choice }, () => {
  if (!['background', 'quit', 'stay'].includes(choice)) throw error('invalid_argument', 'Closing Sora Desk expects "background", "quit" or "stay".');
  return null;
});

// Events

export const onTasksChanged = (handler) => on('tasks', handler);
export const onBalanceChanged = (handler) => on('balance', handler);
export const onKeyRefused = (handler) => on('keyRefused', handler);
export const onStoreTrouble = (handler) => on('storeTrouble', handler);
export const onModeChanged = (handler) => on('mode', handler);
export const onImageDrop = (handler) => on('drop', handler);
export const onCloseRequested = (handler) => on('close', handler);

globalThis.__fake = {
  state,
  calls,
  makeTask,
  emitTasks,
  finishLookup,
  emitBalance: (payload) => emit('balance', payload),
  emitKeyRefused: (payload) => emit('keyRefused', payload),
  emitStoreTrouble: (payload) => emit('storeTrouble', payload),
  emitCloseRequested: (payload) => emit('close', payload),
  emitMode: (info) => {
    state.info = { ...state.info, ...info };
    emit('mode', state.info);
  },
  dragEnter: () => emit('drop', { type: 'enter', paths: [] }),
  dragLeave: () => emit('drop', { type: 'leave', paths: [] }),
  drop(paths) {
    emit('drop', { type: 'enter', paths: [] });
    emit('drop', { type: 'over', paths: [] });
    emit('drop', { type: 'drop', paths });
  },
  hold: (command) => holding.add(command),
  release(command) {
    holding.delete(command);
    for (const resolve of held.get(command) ?? []) resolve();
    held.delete(command);
  },
  fail: (command, failure) => {
    if (failure) state.fail[command] = failure;
    else delete state.fail[command];
  },
  callsTo: (command) => calls.filter((c) => c.command === command),
};
