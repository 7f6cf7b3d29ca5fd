// Stands in for ui/js/ipc.js in browser tests: the same exports (docs/IPC.md), answered by an
// in-memory backend. It is served at /js/ipc.js, so it can use the UI's own pure modules.
//
// Tests set the starting state before the page's modules run, with page.addInitScript:
//   globalThis.__fakeBackend = {
//     info: { demo, version, … },            key: { set, hint, storage, problem },
//     credits: 1234.5,                         settings: { theme, default_model, model_choices, … },
//     unavailable: { 'sora-2-pro-preview': 'Why, in plain words' },   // models this key may not use
//     tasks: [{ prompt, state, ago, … }],      // partial Tasks; `ago` seconds before now
//     generate: 10000,                          // that many finished videos, newest first
//     keychain: false,                          // saveKey fails keychain_unavailable unless session_only
//     pictures: { '/path.jpg': { width, height, format, bytes, had_location, seed } | { error } },
//     nextImage: '/path.jpg',                   // what chooseImage "picks" in the native dialog
//   Pictures reach the page as handles, as from Rust (crates/service/src/pictures.rs): a drop,
//   the dialog and a paste give one per file; a task's own pictures are `task:<id>:first|last`;
//   anything else, a path included, is refused with picture_unknown. Tasks given with
//   `image: { path, framing, crop }` or `last_image: path` are shown with their handles.
//     fail: { command_name: { code, retryable } },   // that command throws it (with the code's
//                                               // words, { key: 'problem.<code>' }, as message)
//     language: 'en' | 'zh-CN',                 // app_info's resolved language (settings.language
//                                               // 'system' follows it)
//     hold: ['prepare_image'],                  // answers wait until __fake.release(name)
//     late: ['list_tasks'],                     // answers are read at once, as the backend
//                                               // does, but arrive only at __fake.release(name)
//     queue: { paused },                        // the queue (settings.max_active and
//                                               // settings.daily_limit gate it, as in the app)
//     nextBatchFile: { name, text, csv },       // what openBatchFile "opens" in the native dialog
//     update: { version, notes, date },         // a newer version the update server offers
//   };
// Tasks given in the `waiting` state wait in the order of their queue_position (then age); the
// fake runs the queue as the engine does: whenever tasks or settings change, waiting tasks start
// (in order) while fewer than max_active are past the queue and today's spend allows.
// The models are the app's own manifest (crates/models/models.json, served at /fake/models.json),
// never a copy: list_models adds availability and the picker's price to each entry, estimate
// prices and checks choices from it as the backend does (docs/IPC.md).
//
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
//                          onImageDrop (the hover, then the handles Rust gives), never by
//                          setting inputs.
//   pathOf(handle)         the file a picture handle stands for (to check what was sent)
//   dragEnter(), dragLeave()
//   hold(name), late(name), release(name), fail(name, error|null), state
//   setUnavailable(id, reason|null)  the backend learnt that this key may (not) use a model
//   raisePrices(factor)    EvoLink's prices change (a confirmed batch then meets plan_changed)
//   queueView()            the Queue as queue_status answers it
//   offerUpdate(update|null)  the update server now offers this version (or nothing newer)

import { centredCrop } from './crop.js';
import { ACTIVE_STATES, matchesQuery, newerFirst } from './tasks.js';
import { framedUrl, sceneUrl } from './fake-art.js';

const config = globalThis.__fakeBackend ?? {};
const now = () => Math.floor(Date.now() / 1000);

// The shapes the page receives, as Rust sent them (tests/contract/samples.json, written by
// src-tauri/tests/contract.rs from the real commands). The fake's objects start from them, and
// every answer, thrown problem and event is checked against them before the page sees it: a
// field Rust does not send, one it always sends left out, or another JSON type is an error in
// the page (which fails the test), so the fake cannot invent what the product lacks.
const samples = await (await fetch('/fake/samples.json')).json();
// The backend's words: a problem the fake throws must be one Rust has words for.
const backendWords = await (await fetch('/i18n/en/backend.json')).json();
/** Fields Rust leaves out when empty (`skip_serializing_if`). */
const OPTIONAL = new Set(['field', 'alternatives', 'preview', 'source_preview']);
/**
 * Fields compared by presence only: maps keyed by data (words' parameters, a model's last
 * choices, counts by state) and the parts of a model entry whose shape is its family's (the
 * manifest, crates/models/models.json, which the fake serves as it is).
 */
const FREE = new Set(['params', 'model_choices', 'counts', 'duration', 'aspect', 'quality', 'audio', 'seed', 'pictures', 'picture_rules', 'price', 'prompt', 'api_ids']);
/** What each command answers, by sample name (null: nothing to check). */
const ANSWERS = {
  app_info: 'app_info', set_demo: 'app_info', key_status: 'key_status', clear_key: 'key_status',
  get_settings: 'settings', set_settings: 'settings', choose_library_folder: 'settings',
  list_models: 'model_list', estimate: 'estimate', prepare_image: 'prepared_image',
  submit_task: ['task_done'], submit_batch: ['task_done'], list_tasks: 'task_page', get_task: 'task_done',
  retry_task: 'task_done', look_again: 'task_done', delete_task: 'task_done', set_favourite: 'task_done',
  library_stats: 'stats', queue_status: 'queue', pause_queue: 'queue', reorder_queue: 'queue', plan_batch: 'batch_plan',
};
const EVENTS = { tasks: 'event:tasks-changed', queue: 'event:queue-changed', balance: 'event:balance-changed', mode: 'app_info' };

/** Throws where `value` is not shaped as Rust's `sample` (null matches anything). */
function conform(sample, value, path) {
  if (sample == null || value == null) return;
  if (Array.isArray(sample)) {
    if (!Array.isArray(value)) throw new Error(`fake backend: ${path} is a list in Rust's answers`);
    if (sample.length > 0) value.forEach((item, i) => conform(sample[0], item, `${path}[${i}]`));
    return;
  }
  if (typeof sample === 'object') {
    if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`fake backend: ${path} is an object in Rust's answers`);
    for (const key of Object.keys(value)) {
      if (!(key in sample) && !OPTIONAL.has(key)) throw new Error(`fake backend: Rust sends no ${path}.${key}`);
    }
    for (const key of Object.keys(sample)) {
      if (!(key in value) && !OPTIONAL.has(key)) throw new Error(`fake backend: ${path}.${key} is missing (Rust always sends it)`);
      if (!FREE.has(key)) conform(sample[key], value[key], `${path}.${key}`);
    }
    return;
  }
  if (typeof sample !== typeof value) throw new Error(`fake backend: ${path} is a ${typeof sample} in Rust's answers, not a ${typeof value}`);
}

/** A problem as Rust sends it: a code with words, shaped as the samples' problems. */
function checkProblem(problem, path) {
  conform({ ...samples.problem, ...samples.problem_invalid_choice }, problem, path);
  const key = problem.message?.key;
  if (!(key in backendWords) && !(`problem.${problem.code}` in backendWords)) {
    throw new Error(`fake backend: Rust has no words for the problem ${problem.code} (${key})`);
  }
}

/** Checks `answer` against the sample of `command`'s answers, then gives it back. */
function answered(command, answer) {
  const name = ANSWERS[command];
  if (name) conform(Array.isArray(name) ? [samples[name[0]]] : samples[name], answer, command);
  return answer;
}

// Words as Rust sends them: a catalogue key and its parameters (crates/words), rendered by the page.
const words = (key, params = {}) => ({ key, params });
/**
 * A Problem as Rust sends it: its code's default words (`problem.<code>`). `why` says in English,
 * for whoever reads the fake, what the backend would say there (its own variant key).
 */
const error = (code, why, retryable = false, params = {}) => ({ code, message: words(`problem.${code}`, params), retryable });
/**
 * A problem or note as tests give it ({ code, message: 'any text', retryable }) in the backend's
 * shape: its message becomes the code's default words unless it already is words.
 */
function asProblem(problem) {
  if (!problem || typeof problem !== 'object' || typeof problem.code !== 'string') return problem;
  // Text a test wrote goes along as `detail` (the page's own `internal` problem shows it).
  const message = problem.message && typeof problem.message === 'object' ? problem.message
    : words(`problem.${problem.code}`, typeof problem.message === 'string' ? { detail: problem.message } : {});
  return { ...problem, message };
}
/** Words for a message given as text (an event's payload in a test), under `key`. */
const asWords = (message, key) => (message == null || typeof message === 'object' ? message : words(key));

const manifest = await (await fetch('/fake/models.json')).json();
const modelById = (id) => manifest.models.find((m) => m.id === id);

// The backend's reading of the manifest (crates/models), written again here rather than taken
// from the UI's modules, so a mistake in the UI is not mirrored by its fake.

function lengthsInWords(model) {
  const d = model.duration;
  let text = d.values ? (d.values.length > 1 ? `${d.values.slice(0, -1).join(', ')} or ${d.values.at(-1)} s` : `${d.values[0]} s`) : `${d.min} to ${d.max} s`;
  if (d.auto) text += ', or lets the model choose';
  return text;
}

function acceptsDuration(model, seconds) {
  const d = model.duration;
  if (d.auto?.value === seconds) return true;
  return d.values ? d.values.includes(seconds) : seconds >= d.min && seconds <= d.max;
}

function perSecond(model, quality, sound) {
  const p = model.price;
  const factor = (table) => (quality != null ? table?.[quality] : undefined);
  const f = sound ? factor(p.sound_factor) ?? factor(p.quality_factor) : factor(p.quality_factor);
  return p.per_second * (f ?? 1);
}

/** The cheapest rate per second of a model: its lowest quality, silent where sound is a choice. */
function cheapest(model) {
  const qualities = model.quality?.values ?? [null];
  return Math.min(...qualities.map((q) => perSecond(model, q, model.audio.kind === 'always')));
}

const invalid = (field, why) => ({ code: 'invalid_input', message: words('problem.invalid_input'), field, retryable: false });

/** Model::settle: the choices checked against the model and completed with its defaults. */
function settle(model, choices, pictures) {
  const known = ['duration', 'quality', 'aspect', 'audio', 'seed', 'negative_prompt'];
  for (const [key, value] of Object.entries(choices ?? {})) {
    if (!known.includes(key)) throw error('invalid_argument', `unknown choice ${key}`);
    const types = { duration: 'integer', quality: 'string', aspect: 'string', audio: 'boolean', seed: 'integer', negative_prompt: 'string' };
    const ok = types[key] === 'integer' ? Number.isInteger(value) : typeof value === types[key]; // eslint-disable-line valid-typeof
    if (value != null && !ok) throw error('invalid_argument', `${key} must be a ${types[key]}, not ${JSON.stringify(value)}`);
  }
  const c = choices ?? {};
  const name = model.name;
  if (pictures.last && !model.pictures.last) throw invalid('pictures', `${name} takes a first picture only, not a last frame.`);
  if (pictures.last && !pictures.first && !model.pictures.last_alone) throw invalid('pictures', `${name} needs a first frame before a last frame.`);
  const duration = c.duration ?? model.duration.default;
  if (!acceptsDuration(model, duration)) throw invalid('duration', `${name} makes ${lengthsInWords(model)}, not ${duration} s.`);
  let quality = null;
  if (!model.quality && c.quality != null) throw invalid('quality', `${name} has no quality setting.`);
  if (model.quality) {
    quality = c.quality ?? model.quality.default;
    if (!model.quality.values.includes(quality)) throw invalid('quality', `${name} offers ${model.quality.values.join(', ')}, not ${quality}.`);
  }
  const aspect = c.aspect ?? model.aspect.default;
  if (!model.aspect.values.includes(aspect)) throw invalid('aspect', `${name} makes ${model.aspect.values.join(', ')} videos, not ${aspect}.`);
  let audio = null;
  if (model.audio.kind === 'always') {
    if (c.audio === false) throw invalid('audio', `${name} always makes videos with sound.`);
    audio = true;
  } else if (model.audio.kind === 'none') {
    if (c.audio != null) throw invalid('audio', `${name} has no sound setting.`);
  } else {
    audio = c.audio ?? model.audio.default;
  }
  let seed = null;
  if (c.seed != null) {
    if (!model.seed) throw invalid('seed', `${name} takes no seed.`);
    if (c.seed < model.seed.min || c.seed > model.seed.max) throw invalid('seed', `A seed for ${name} is a whole number from ${model.seed.min} to ${model.seed.max}, not ${c.seed}.`);
    seed = c.seed;
  }
  let negative = c.negative_prompt?.trim() || null;
  if (negative && !model.negative_prompt) throw invalid('negative_prompt', `${name} does not take a list of things to avoid.`);
  const api_id = pictures.first || pictures.last ? model.api_ids.picture : model.api_ids.text;
  // One video per call: the page asks for takes, never `videos` (the backend settles it as 1).
  return { api_id, duration, quality, aspect, audio, seed, negative_prompt: negative, videos: 1 };
}

/** Model::estimate, rounded to cents. */
function price(model, settled, pictures) {
  const seconds = model.duration.auto?.value === settled.duration ? model.duration.auto.holds : settled.duration;
  const count = Number(Boolean(pictures.first)) + Number(Boolean(pictures.last));
  const credits = perSecond(model, settled.quality, settled.audio === true) * seconds + (model.price.per_picture ?? 0) * count;
  return Math.round(credits * (state.priceFactor ?? 1) * 100) / 100;
}

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
    default_model: manifest.default,
    model_choices: {},
    api_base: '',
    files_base: '',
    callback_url: null,
    max_active: 3,
    daily_limit: null,
    auto_update_check: true,
    // Settings' language outlives the reload that applies it, as the app's settings file does.
    language: sessionStorage.getItem('fake-language') ?? 'system',
    ...config.settings,
  },
  queue: { paused: false, ...config.queue },
  update: config.update ?? null,
  // As the backend (crates/service/src/updates.rs): the automatic look runs once a day at most.
  lookedToday: false,
  priceFactor: 1,
  keychain: config.keychain ?? true,
  pictures: {
    '/home/ada/Pictures/beach.jpg': { width: 4032, height: 3024, format: 'jpeg', bytes: 3_100_000, had_location: true, seed: 0 },
    '/home/ada/Pictures/tall.png': { width: 1080, height: 1920, format: 'png', bytes: 2_400_000, had_location: false, seed: 3 },
    '/home/ada/Pictures/photo.heic': { error: { code: 'heic', message: words('problem.heic'), retryable: false } },
    ...config.pictures,
  },
  nextImage: config.nextImage ?? null,
  unavailable: { ...config.unavailable },
  fail: { ...config.fail },
  tasks: [],
  demoTasks: [],
};

let nextId = 1;

// Pictures by handle (crates/service/src/pictures.rs): the page never names a file.
const given = new Map(); // handle → path, for pictures dropped, chosen or pasted
const taskPictures = new Map(); // task id → { first, last } paths

function give(path) {
  const handle = `pic-${String(given.size + 1).padStart(32, '0')}`;
  given.set(handle, path);
  return handle;
}

function pathOf(handle) {
  if (given.has(handle)) return given.get(handle);
  const [, id, role] = /^task:([a-z0-9-]+):(first|last)$/.exec(handle ?? '') ?? [];
  const path = id ? taskPictures.get(id)?.[role] : undefined;
  if (path) return path;
  throw error('picture_unknown', 'That picture is no longer at hand. Drop it on the window or choose it again.');
}

/** A picture the page sent ({ picture, framing, crop }) as the file it stands for. */
const withPath = (choice) => choice && { ...choice, path: pathOf(choice.picture) };

/** Task pictures given by path (fixtures, submissions) are shown by their task's handles. */
function pictureHandles(task) {
  for (const [field, role] of [['image', 'first'], ['last_image', 'last']]) {
    const value = typeof task[field] === 'string' ? { path: task[field] } : task[field];
    if (!value?.path) continue;
    taskPictures.set(task.id, { ...taskPictures.get(task.id), [role]: value.path });
    task[field] = { picture: `task:${task.id}:${role}`, framing: value.framing ?? 'fill', crop: value.crop ?? null };
  }
}

/** A complete Task from a partial one, as the backend would hold it. */
export function makeTask(partial = {}) {
  const id = partial.id ?? `task-${String(nextId++).padStart(5, '0')}`;
  const created = partial.created_at ?? now() - (partial.ago ?? 60);
  const model = modelById(partial.model_id ?? manifest.default);
  const aspect = partial.aspect ?? (partial.orientation === 'portrait' ? '9:16' : model.aspect.default);
  const orientation = partial.orientation ?? orientationOf(aspect);
  const duration = partial.duration ?? 8;
  const settled = settle(model, { duration, aspect, quality: partial.quality ?? undefined, audio: model.audio.kind === 'switch' ? partial.audio ?? undefined : undefined }, { first: false, last: false });
  const task = {
    // Every field of a task as Rust sends it, empty; then the fake's values.
    ...Object.fromEntries(Object.keys(samples.task_done).map((key) => [key, null])),
    id,
    prompt: 'A paper boat drifting down a rainy street at dusk',
    model: settled.api_id,
    model_id: model.id,
    model_name: model.name,
    orientation,
    aspect,
    duration,
    quality: settled.quality,
    audio: settled.audio,
    state: 'done',
    progress: 0,
    error: null,
    credits_reserved: price(model, settled, { first: false, last: false }),
    estimated_seconds: 180,
    created_at: created,
    submitted_at: created + 3,
    favourite: false,
    ...partial,
  };
  task.error = asProblem(task.error);
  task.estimate_credits ??= task.credits_reserved;
  pictureHandles(task);
  delete task.ago;
  delete task.art;
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
    if (!('poster_url' in partial)) task.poster_url = poster(partial.art ?? hash(id), orientation);
  }
  if (task.state === 'generating' && !('progress' in partial)) task.progress = 35;
  return task;
}

function poster(seed, orientation) {
  return orientation === 'portrait' ? sceneUrl(seed % 8, 180, 320) : sceneUrl(seed % 8, 384, 216);
}

function orientationOf(aspect) {
  const [w, h] = aspect.split(':').map(Number);
  if (!w || !h || w === h) return 'landscape';
  return w > h ? 'landscape' : 'portrait';
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
    art: i,
  }));
}

state.tasks = [...(config.tasks ?? []).map(makeTask), ...generated(config.generate ?? 0)];
// The queue's order: waiting tasks by the position they were given, then oldest first.
state.order = state.tasks.filter((t) => t.state === 'waiting')
  .sort((a, b) => (a.queue_position ?? Infinity) - (b.queue_position ?? Infinity) || a.created_at - b.created_at)
  .map((t) => t.id);

function tasks() {
  return state.info.demo ? state.demoTasks : state.tasks;
}

// Holding answers and recording calls

const held = new Map(); // command → [resolve…] waiting
const holding = new Set(config.hold ?? []);
const lateAnswers = new Set(config.late ?? []);
const calls = [];

function record(command, args) {
  const safe = JSON.parse(JSON.stringify(args ?? null, (key, value) => (value instanceof Uint8Array ? { bytes: value.length } : value)));
  calls.push({ command, args: safe });
}

/** Waits until __fake.release(command). */
const released = (command) => new Promise((resolve) => {
  if (!held.has(command)) held.set(command, []);
  held.get(command).push(resolve);
});

async function call(command, args, answer) {
  record(command, args);
  await Promise.resolve();
  if (holding.has(command)) await released(command);
  if (state.fail[command]) {
    // As the backend does: a model EvoLink refused is unavailable for this key until the next check.
    const failure = asProblem(state.fail[command]);
    if (command === 'submit_task' && failure.code === 'model_unavailable') state.unavailable[args.model] = failure.message;
    checkProblem(failure, command);
    throw structuredClone(failure);
  }
  try {
    const value = structuredClone(answered(command, await answer()));
    if (lateAnswers.has(command)) await released(command);
    return value;
  } catch (problem) {
    if (problem && typeof problem === 'object' && 'code' in problem) checkProblem(problem, command);
    throw problem;
  }
}


// Events

const handlers = { tasks: new Set(), queue: new Set(), balance: new Set(), keyRefused: new Set(), storeTrouble: new Set(), mode: new Set(), drop: new Set(), close: new Set(), updateProgress: new Set() };

/**
 * As Tauri's `listen`: the page asks the backend, and the handler hears what is emitted once the
 * backend has the request, nothing before (`hold: ['listen']` keeps it waiting, as a busy start can).
 */
async function on(kind, handler) {
  await call('listen', { event: kind }, () => {
    handlers[kind].add(handler);
    return null;
  });
  return () => handlers[kind].delete(handler);
}

function emit(kind, payload) {
  // The page's handler of tasks-changed gets the event's `tasks` (ui/js/ipc.js).
  if (EVENTS[kind]) conform(samples[EVENTS[kind]], kind === 'tasks' ? { tasks: payload } : payload, EVENTS[kind]);
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
    // A video the person stopped and chose not to keep is not saved: it ends as `stopped`.
    if (old.stopped === 'discard' && ['downloading', 'done'].includes(partial.state)) {
      return makeTask({ ...old, ...partial, ...DISCARDED });
    }
    // Fields the old state left empty are filled as for a new task (a video once it is done).
    const known = Object.fromEntries(Object.entries(old).filter(([, value]) => value !== null));
    return makeTask({ ...known, ...partial });
  });
  upsert(full);
  for (const task of full) {
    if (task.state !== 'waiting') leaveQueue(task.id);
    else if (!state.order.includes(task.id)) state.order.push(task.id); // its pictures are ready: it queues
  }
  // A task that ended frees a slot: the queue moves on, in the same batch of changes.
  const moved = runQueue().filter((t) => !full.includes(t));
  emitChanges([...full, ...moved]);
  return full;
}

/** tasks-changed, and queue-changed with it, as the app batches them. */
function emitChanges(changed) {
  if (changed.length > 0) emit('tasks', changed);
  emit('queue', queueView());
}

const DISCARDED = {
  state: 'failed', video_url: null, video_path: null, poster_url: null, results_expire_at: null, finished_at: now(),
  error: { code: 'stopped', message: words('problem.stopped'), retryable: false },
};

// The queue, as the engine runs it (docs/IPC.md: Queue, max_active, daily_limit)

/** Tasks past the queue and not yet made: they count against max_active. */
const PAST_QUEUE = ['uploading', 'submitting', 'queued', 'generating'];
/** States in which the paid call has been sent; a failed task's credits come back. */
const PAID = ['submitting', 'queued', 'generating', 'downloading', 'done', 'expired', 'outcome_unknown'];

const round = (n) => Math.round(n * 100) / 100;
const activeCount = () => tasks().filter((t) => PAST_QUEUE.includes(t.state)).length;
const taskCost = (t) => t.credits_used ?? t.estimate_credits ?? t.credits_reserved ?? 0;

function startOfToday() {
  const day = new Date();
  day.setHours(0, 0, 0, 0);
  return day.getTime() / 1000;
}

function spentToday() {
  const start = startOfToday();
  return round(tasks().filter((t) => PAID.includes(t.state) && t.submitted_at != null && t.submitted_at >= start).reduce((sum, t) => sum + taskCost(t), 0));
}

const fitsLimit = (task, spent = spentToday()) => state.settings.daily_limit == null || spent + taskCost(task) <= state.settings.daily_limit + 1e-9;

function leaveQueue(id) {
  const at = state.order.indexOf(id);
  if (at !== -1) state.order.splice(at, 1);
}

function waitingNote(task) {
  if (state.queue.paused) return { code: 'queue_paused', message: words('problem.queue_paused'), retryable: true };
  if (!fitsLimit(task)) {
    return { code: 'spend_limit', message: words('problem.spend_limit', { limit: state.settings.daily_limit }), retryable: true };
  }
  const n = state.settings.max_active;
  return { code: 'waiting_for_slot', message: words('problem.waiting_for_slot', { most: n }), retryable: true };
}

/**
 * Starts waiting tasks, in order, while there is a free slot and the spend limit allows (one that
 * would pass it stays, and a cheaper one behind it may go), then gives every waiting task its
 * position and note. Returns the tasks that changed.
 */
function runQueue() {
  const changed = new Set();
  if (!state.queue.paused) {
    for (const id of [...state.order]) {
      if (activeCount() >= state.settings.max_active) break;
      const task = tasks().find((t) => t.id === id);
      if (!task || !fitsLimit(task)) continue;
      leaveQueue(id);
      Object.assign(task, {
        state: task.image || task.last_image ? 'uploading' : 'submitting',
        submitted_at: now(), error: null, queue_position: null, credits_reserved: task.estimate_credits,
      });
      changed.add(task);
    }
  }
  state.order.forEach((id, i) => {
    const task = tasks().find((t) => t.id === id);
    const note = waitingNote(task);
    if (task.queue_position !== i + 1 || task.error?.code !== note.code || JSON.stringify(task.error?.message) !== JSON.stringify(note.message)) {
      Object.assign(task, { queue_position: i + 1, error: note });
      changed.add(task);
    }
  });
  return [...changed];
}

function runsView() {
  const groups = new Map();
  for (const task of tasks()) {
    if (!task.batch_id) continue;
    if (!groups.has(task.batch_id)) groups.set(task.batch_id, []);
    groups.get(task.batch_id).push(task);
  }
  const hourAgo = now() - 3600;
  const start = startOfToday();
  return [...groups.entries()].map(([batch_id, list]) => {
    const first = [...list].sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1))[0];
    const count = (states) => list.filter((t) => states.includes(t.state)).length;
    const waiting = count(['waiting']);
    const active = count(['preparing', 'uploading', 'submitting', 'queued', 'generating', 'downloading']);
    return {
      batch_id,
      label: first.prompt.length > 60 ? first.prompt.slice(0, 60) : first.prompt,
      total: list.length,
      done: count(['done']),
      failed: count(['failed', 'outcome_unknown', 'expired']),
      waiting,
      active,
      credits: round(list.filter((t) => PAID.includes(t.state) && t.submitted_at != null && t.submitted_at >= start).reduce((sum, t) => sum + taskCost(t), 0)),
      finished: waiting + active === 0,
      created_at: first.created_at,
      ended_at: Math.max(...list.map((t) => t.finished_at ?? 0)),
    };
  })
    .filter((run) => !run.finished || run.ended_at >= hourAgo)
    .sort((a, b) => b.created_at - a.created_at)
    .map(({ created_at, ended_at, ...run }) => run); // eslint-disable-line no-unused-vars
}

let queueReads = 0;

function queueView() {
  queueReads += 1;
  return {
    revision: queueReads,
    paused: state.queue.paused,
    max_active: state.settings.max_active,
    daily_limit: state.settings.daily_limit,
    spent_today: spentToday(),
    active: activeCount(),
    waiting: state.order.map((id) => tasks().find((t) => t.id === id)),
    runs: runsView(),
  };
}

function findTask(id) {
  const task = tasks().find((t) => t.id === id);
  if (!task) throw error('not_found', 'That video is no longer in your library.');
  return task;
}

// Account and mode

/** The language the app speaks: Settings' choice, or for 'system' the system's (config.language). */
const resolvedLanguage = () => (['en', 'zh-CN'].includes(state.settings.language) ? state.settings.language : config.language ?? 'en');
/** AppInfo as the backend gives it, with the language it resolved. */
const infoNow = () => ({ ...state.info, language: resolvedLanguage() });
export const appInfo = () => call('app_info', null, infoNow);
export const keyStatus = () => call('key_status', null, () => state.key);

export const saveKey = (key, { session_only = false } = {}) => call('set_key', { key: key.length, session_only }, () => {
  if (!state.keychain && !session_only) {
    throw error('keychain_unavailable', 'This computer has no keychain where Sora Desk could keep your key safely.');
  }
  // As crates/evolink/src/key.rs: printable ASCII without spaces, 8 to 512 characters.
  if (/\s/.test(key.trim())) {
    throw error('invalid_key', 'That API key contains spaces or line breaks. Copy it again from your EvoLink dashboard and paste it in Settings.');
  }
  if (!/^[\x21-\x7e]*$/.test(key.trim())) {
    throw error('invalid_key', 'That API key contains characters an EvoLink key never has (letters with accents, symbols or emoji). Copy it again from your EvoLink dashboard and paste it in Settings.');
  }
  if (key.trim().length < 8 || key.trim().length > 512) {
    throw error('invalid_key', 'That is not a whole EvoLink key: it is too short or too long. Copy the whole key from your EvoLink dashboard and paste it in Settings.');
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
  setTimeout(() => emit('mode', infoNow()), 0);
  return infoNow();
});

// Settings

export const getSettings = () => call('get_settings', null, () => state.settings);

export const saveSettings = (changes) => call('set_settings', { changes }, () => {
  for (const field of ['api_base', 'files_base']) {
    if (changes[field] && !/^https?:\/\/[^\s/]+/.test(changes[field])) {
      throw error('invalid_argument', 'This is not a web address. Leave the field empty to use the usual one.');
    }
    // As Rust (sora_core::paths::key_may_go_to): EvoLink's own servers only, no environment here.
    if (changes[field] && !/^https:\/\/([a-z0-9-]+\.)*evolink\.ai(:\d+)?(\/|$)/i.test(changes[field])) {
      throw error('invalid_argument', `“${changes[field]}” can't be used: Sora Desk sends your key only to EvoLink's own servers, at addresses ending in evolink.ai.`);
    }
  }
  if (changes.callback_url && !/^https:\/\/[^\s/]+/.test(changes.callback_url)) {
    throw { ...error('invalid_input', 'The webhook address must start with https://.'), field: 'callback_url', message: words('problem.invalid_input.callback_not_https') };
  }
  if ('max_active' in changes && !(Number.isInteger(changes.max_active) && changes.max_active >= 1 && changes.max_active <= 10)) {
    throw error('invalid_argument', 'Videos made at once is a whole number from 1 to 10.');
  }
  if ('daily_limit' in changes && changes.daily_limit !== null && !(typeof changes.daily_limit === 'number' && changes.daily_limit > 0)) {
    throw error('invalid_argument', 'The daily spend limit is a number of credits above 0, or empty for no limit.');
  }
  if ('language' in changes && !['system', 'en', 'zh-CN'].includes(changes.language)) {
    throw error('invalid_argument', `unknown language ${changes.language}`);
  }
  if ('language' in changes) sessionStorage.setItem('fake-language', changes.language);
  state.settings = { ...state.settings, ...changes };
  // A new limit or number of slots may let waiting videos go (or hold them).
  if ('max_active' in changes || 'daily_limit' in changes) {
    const changed = runQueue();
    setTimeout(() => emitChanges(changed), 0);
  }
  return state.settings;
});

export const chooseLibraryFolder = () => call('choose_library_folder', null, () => {
  state.settings = { ...state.settings, library_dir: config.nextLibraryDir ?? '/home/ada/Movies/Sora Desk' };
  return state.settings;
});

// Reference picture

export const chooseImage = () => call('choose_image', null, () => (state.nextImage ? give(state.nextImage) : null));

export const savePastedImage = (bytes) => call('save_pasted_image', bytes, () => {
  const path = `/home/ada/.local/share/app.soradesk.desktop/pasted/${calls.length}.png`;
  state.pictures[path] = { width: 1600, height: 1200, format: 'png', bytes: bytes.length, had_location: false, seed: 5 };
  return give(path);
});

export const prepareImage = ({ picture: handle, model, aspect = null, quality = null, framing = 'fill', crop = null }) =>
  call('prepare_image', { picture: handle, model, aspect, quality, framing, crop }, () => {
    const path = pathOf(handle);
    const entry = modelById(model);
    if (!entry) throw error('invalid_argument', `unknown model ${model}`);
    const picture = state.pictures[path];
    if (!picture) throw error('file_missing', 'Sora Desk cannot find this picture any more.');
    if (picture.error) throw asProblem(picture.error);
    const source = { format: picture.format, width: picture.width, height: picture.height, exif_orientation: 1, upright_width: picture.width, upright_height: picture.height, bytes: picture.bytes, had_location: picture.had_location };
    // Sizes in words are text, as Rust gives them (a size is not grouped like a number).
    const size = (width, height) => ({ width: String(width), height: String(height) });
    const sizes = (w, h, tw, th) => ({ ...size(w, h), target_width: String(tw), target_height: String(th) });
    const mime = (format) => `image/${format}`;
    const scale = 320 / Math.max(picture.width, picture.height);
    const common = {
      source,
      // Where a photo was taken is said in the summary (`location`), as the backend does.
      warnings: [],
      source_preview_url: sceneUrl(picture.seed ?? 0, Math.round(picture.width * scale), Math.round(picture.height * scale)),
    };
    const rules = entry.picture_rules;
    if ((rules.exact ?? []).length === 0) {
      // Any size within the model's bounds: made smaller and converted only when needed.
      const side = Math.max(picture.width, picture.height);
      const limit = Math.min(rules.max_side ?? Infinity, picture.bytes > rules.max_bytes ? 4096 : Infinity);
      const k = side > limit ? limit / side : 1;
      const out = { width: Math.round(picture.width * k), height: Math.round(picture.height * k) };
      const format = rules.formats.includes(picture.format) && (rules.alpha || picture.format !== 'png') ? picture.format : 'jpeg';
      const bytes = k < 1 || format !== picture.format ? Math.round(picture.bytes * k * k * 0.8) : picture.bytes;
      const done = [k < 1 ? `Made smaller to ${out.width}x${out.height}` : null, format !== picture.format ? `converted to ${format.toUpperCase()}` : null].filter(Boolean);
      const region = { x: 0, y: 0, width: picture.width, height: picture.height };
      return {
        ...common,
        summary: done.length
          ? words(k < 1 ? 'picture.summary.resized' : 'picture.summary.re_encoded', {
            rotated: 0, ...sizes(picture.width, picture.height, out.width, out.height),
            flattened: 0, location: picture.had_location ? 1 : 0, bytes,
          })
          : words('picture.summary.as_is', { ...size(picture.width, picture.height), format: picture.format.toUpperCase(), bytes }),
        output: { format, ...out, orientation: out.width >= out.height ? 'landscape' : 'portrait', bytes, mime: mime(format), jpeg_quality: format === 'jpeg' ? 90 : null },
        region,
        aspect: null,
        actions: [k < 1 ? 'scaled' : null, format !== picture.format ? 'converted' : null].filter(Boolean),
        preview_url: framedUrl(picture.seed ?? 0, picture, region, 'fill', out),
      };
    }
    // Pictures that must equal the output frame: cropped (or fitted) to the frame of the shape.
    const frames = rules.exact.filter((f) => f.quality == null || f.quality === (quality ?? entry.quality?.default));
    const tall = picture.height > picture.width;
    const frame = aspect ? frames.find((f) => f.aspect === aspect) : frames.find((f) => (f.size[1] > f.size[0]) === tall);
    if (!frame) throw error('invalid_argument', `${entry.name} has no ${aspect} frame`);
    const out = { width: frame.size[0], height: frame.size[1] };
    const fraction = framing === 'fit' ? { x: 0, y: 0, width: 1, height: 1 } : crop ?? centredCrop(picture.width, picture.height, out.width / out.height);
    const region = {
      x: Math.round(fraction.x * picture.width),
      y: Math.round(fraction.y * picture.height),
      width: Math.round(fraction.width * picture.width),
      height: Math.round(fraction.height * picture.height),
    };
    const kb = framing === 'fit' ? 298 : 412;
    return {
      ...common,
      summary: words(framing === 'fit' ? 'picture.summary.fitted' : 'picture.summary.cropped', {
        rotated: 0, ...sizes(picture.width, picture.height, out.width, out.height),
        flattened: 0, location: picture.had_location ? 1 : 0, bytes: kb * 1000,
      }),
      output: { format: 'jpeg', ...out, orientation: out.width >= out.height ? 'landscape' : 'portrait', bytes: kb * 1000, mime: mime('jpeg'), jpeg_quality: 90 },
      region,
      aspect: frame.aspect,
      actions: framing === 'fit' ? ['scaled', 'padded'] : ['cropped', 'scaled'],
      preview_url: framedUrl(picture.seed ?? 0, picture, region, framing, out),
    };
  });

// Models

/** Why a model is unavailable, as words (a test may give any text: the code's default words). */
const reasonWords = (reason) => (reason == null ? null : asWords(reason, 'problem.model_unavailable'));

/** A model as list_models shows it: the fields of Rust's model view, from the manifest entry. */
function modelView(model) {
  const reason = reasonWords(state.unavailable[model.id]);
  const fields = Object.fromEntries(Object.keys(samples.model_list.models[0]).map((key) => [key, model[key] ?? null]));
  return { ...fields, good_at: words(`model.${model.id}.good_at`), available: reason == null, unavailable_reason: reason, from_credits_per_second: Math.round(cheapest(model) * 100) / 100 };
}

export const listModels = () => call('list_models', null, () => ({
  default: manifest.default,
  families: manifest.families,
  models: manifest.models.map(modelView),
}));

function modelFor(id) {
  const model = modelById(id);
  if (!model) throw invalid('model', 'Sora Desk does not know this video model.');
  return model;
}

export const estimate = ({ model, choices = {}, pictures = { first: false, last: false } }) =>
  call('estimate', { model, choices, pictures }, () => {
    const entry = modelFor(model);
    const settled = settle(entry, choices, pictures);
    return { credits: price(entry, settled, pictures), api_id: settled.api_id, settled };
  });

// Tasks

/** One task per take of a prompt, recorded as waiting (after its pictures are prepared). */
function recordTakes({ prompt, model, entry, settled, pictures, image = null, lastImage = null, takes, batch_id = null }) {
  const group = takes > 1 ? `takes-${String(nextId).padStart(5, '0')}` : null;
  const created = now();
  return Array.from({ length: takes }, (_, i) => {
    const task = makeTask({
      prompt, model_id: entry.id, duration: settled.duration, aspect: settled.aspect, quality: settled.quality, audio: settled.audio,
      image, last_image: lastImage, state: image || lastImage ? 'preparing' : 'waiting', created_at: created, submitted_at: null,
      batch_id: batch_id ?? (group ? `batch-${group.slice(6)}` : null), takes_group: group, take: group ? i + 1 : null,
    });
    Object.assign(task, {
      model: settled.api_id, seed: settled.seed, negative_prompt: settled.negative_prompt,
      credits_reserved: null, estimate_credits: price(entry, settled, pictures),
    });
    if (task.state === 'waiting') state.order.push(task.id);
    return task;
  });
}

function checkTakes(takes) {
  if (!Number.isInteger(takes) || takes < 1 || takes > 4) throw error('invalid_argument', 'takes is a whole number from 1 to 4');
}

export const submit = ({ prompt, model, choices = {}, image = null, lastImage = null, takes = 1 }) =>
  call('submit_task', { prompt, model, choices, image, last_image: lastImage, takes }, () => {
    const entry = modelFor(model);
    if (state.unavailable[model]) {
      throw { code: 'model_unavailable', message: reasonWords(state.unavailable[model]), retryable: false, alternatives: [] };
    }
    checkTakes(takes);
    if (!prompt.trim()) throw invalid('prompt', 'Describe the video you want: the prompt is empty.');
    const pictures = { first: Boolean(image), last: Boolean(lastImage) };
    const settled = settle(entry, choices, pictures);
    const recorded = recordTakes({ prompt, model, entry, settled, pictures, image: withPath(image), lastImage: withPath(lastImage), takes });
    state.settings.model_choices = { ...state.settings.model_choices, [model]: { ...choices } };
    upsert(recorded);
    const moved = runQueue();
    setTimeout(() => emitChanges([...new Set([...recorded, ...moved])]), 0);
    return recorded;
  });

// Batches (plan_batch, submit_batch): the backend's reading of pasted text or a CSV file.

const MAX_LINES = 200;
const CHOICE_COLUMNS = ['duration', 'quality', 'aspect', 'audio', 'seed', 'negative_prompt'];

/** Plain text: one prompt per line, or one per paragraph when the text has a blank line. */
function textLines(text) {
  const rows = text.replace(/\r\n?/g, '\n').split('\n');
  const filled = rows.map((row) => row.trim() !== '');
  const first = filled.indexOf(true);
  const last = filled.lastIndexOf(true);
  if (first === -1) return [];
  const paragraphs = filled.slice(first, last + 1).includes(false);
  const lines = [];
  rows.forEach((row, i) => {
    if (!filled[i]) return;
    if (paragraphs && i > 0 && filled[i - 1]) lines.at(-1).prompt += ` ${row.trim()}`;
    else lines.push({ line: i + 1, prompt: row.trim(), choices: {} });
  });
  return lines;
}

/** CSV rows with the 1-based line each starts on; quoted fields may hold commas, quotes and newlines. */
function csvRows(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i += 1; } else if (c === '"') quoted = false;
      else { if (c === '\n') line += 1; field += c; }
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i += 1;
      row.push(field);
      rows.push({ line: rowLine, cells: row });
      row = [];
      field = '';
      line += 1;
      rowLine = line;
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push({ line: rowLine, cells: row });
  }
  return rows.filter((r) => r.cells.some((cell) => cell.trim() !== ''));
}

function csvLines(text, problems) {
  const [header, ...rows] = csvRows(text);
  const names = (header?.cells ?? []).map((cell) => cell.trim().toLowerCase());
  const promptAt = names.indexOf('prompt');
  if (promptAt === -1) {
    problems.push({ line: header?.line ?? 1, field: 'prompt', message: words('problem.invalid_input') });
    return [];
  }
  return rows.map(({ line, cells }) => {
    const choices = {};
    names.forEach((name, i) => {
      const value = (cells[i] ?? '').trim();
      if (!CHOICE_COLUMNS.includes(name) || value === '') return;
      if (name === 'duration' || name === 'seed') choices[name] = /^\d+$/.test(value) ? Number(value) : value;
      else if (name === 'audio') choices.audio = /^(yes|true|on|1)$/i.test(value) ? true : /^(no|false|off|0)$/i.test(value) ? false : value;
      else choices[name] = value;
    });
    return { line, prompt: (cells[promptAt] ?? '').trim(), choices };
  });
}

function plan({ text, csv, model, choices, takes }) {
  const entry = modelFor(model);
  checkTakes(takes);
  const problems = [];
  let lines = csv ? csvLines(text, problems) : textLines(text);
  if (lines.length > MAX_LINES) {
    problems.push({ line: lines[MAX_LINES].line, field: 'text', message: words('problem.invalid_input') });
    lines = lines.slice(0, MAX_LINES);
  }
  const planned = [];
  const max = entry.prompt?.max;
  for (const { line, prompt, choices: own } of lines) {
    if (!prompt) {
      problems.push({ line, field: 'prompt', message: words('problem.invalid_input.empty_prompt') });
      continue;
    }
    if (max != null && [...prompt].length > max) {
      problems.push({ line, field: 'prompt', message: words('problem.invalid_input.long_prompt', { length: [...prompt].length, model: entry.name, max }) });
      continue;
    }
    try {
      const settled = settle(entry, { ...choices, ...own }, { first: false, last: false });
      planned.push({ line, prompt, credits: round(price(entry, settled, { first: false, last: false }) * takes), settled });
    } catch (e) {
      if (e.code !== 'invalid_input' && e.code !== 'invalid_argument') throw e;
      problems.push({ line, field: e.field ?? 'choices', message: e.message });
    }
  }
  return { entry, planned, problems };
}

export const openBatchFile = () => call('open_batch_file', null, () => config.nextBatchFile ?? null);

export const planBatch = ({ text, csv = false, model, choices = {}, takes = 1 }) =>
  call('plan_batch', { text, csv, model, choices, takes }, () => {
    const { planned, problems } = plan({ text, csv, model, choices, takes });
    return {
      lines: planned.map(({ line, prompt, credits }) => ({ line, prompt, credits })),
      count: planned.length * takes,
      credits: round(planned.reduce((sum, l) => sum + l.credits, 0)),
      problems,
    };
  });

export const submitBatch = ({ text, csv = false, model, choices = {}, takes = 1, count, credits }) =>
  call('submit_batch', { text, csv, model, choices, takes, count, credits }, () => {
    const { entry, planned, problems } = plan({ text, csv, model, choices, takes });
    if (problems.length > 0) throw invalid(problems[0].field, 'Some lines of this batch cannot be sent as they are.');
    const total = round(planned.reduce((sum, l) => sum + l.credits, 0));
    if (planned.length * takes !== count || total > credits + 1e-9) {
      const videos = planned.length * takes === 1 ? '1 video' : `${planned.length * takes} videos`;
      throw error('plan_changed', `This batch has changed since you checked it: it now makes ${videos} for about ${total} credits. Nothing was queued.`);
    }
    const batch_id = `batch-${String(nextId).padStart(5, '0')}`;
    const recorded = planned.flatMap(({ prompt, settled }) => recordTakes({
      prompt, model, entry, settled, pictures: { first: false, last: false }, takes, batch_id,
    }));
    upsert(recorded);
    // Recorded first, all waiting; the engine picks them up just after.
    const answer = structuredClone(recorded);
    setTimeout(() => emitChanges([...new Set([...recorded, ...runQueue()])]), 0);
    return answer;
  });

export const queueStatus = () => call('queue_status', null, () => queueView());

export const pauseQueue = (paused) => call('pause_queue', { paused }, () => {
  if (typeof paused !== 'boolean') throw error('invalid_argument', 'paused is true or false');
  state.queue.paused = paused;
  const changed = runQueue();
  setTimeout(() => emitChanges(changed), 0);
  return queueView();
});

export const reorderQueue = (ids) => call('reorder_queue', { ids }, () => {
  const placed = [...new Set(ids)].filter((id) => state.order.includes(id));
  state.order = [...placed, ...state.order.filter((id) => !placed.includes(id))];
  const changed = runQueue();
  setTimeout(() => emitChanges(changed), 0);
  return queueView();
});

export const stopTask = (id, { discard = null } = {}) => call('stop_task', { id, discard }, () => {
  const task = findTask(id);
  if (!ACTIVE_STATES.includes(task.state)) {
    throw error('not_allowed', 'This video has already ended; there is nothing to stop.');
  }
  // Nothing sent yet: it is forgotten and never sent.
  if (['preparing', 'waiting', 'uploading'].includes(task.state)) {
    const list = tasks();
    list.splice(list.indexOf(task), 1);
    leaveQueue(id);
    const changed = runQueue();
    setTimeout(() => emitChanges(changed), 0);
    return { removed: true, task };
  }
  if (discard == null) {
    throw error('confirm_needed', 'EvoLink cannot cancel a video it has started, so it may still be charged. Say whether to keep it if it comes.');
  }
  task.stopped = discard ? 'discard' : 'keep';
  setTimeout(() => emitChanges([task]), 0);
  return { removed: false, task };
});

export const clearFailed = () => call('clear_failed', null, () => {
  const list = tasks();
  const gone = list.filter((t) => t.state === 'failed' || t.state === 'expired');
  for (const task of gone) list.splice(list.indexOf(task), 1);
  setTimeout(() => emitChanges([]), 0);
  return { removed: gone.length };
});

export const listTasks = ({ states = [], search = '', favourites_only = false, takes_group = null, offset = 0, limit = 100 } = {}) =>
  call('list_tasks', { states, search, favourites_only, takes_group, offset, limit }, () => {
    if (limit > 500) throw error('invalid_argument', 'limit is at most 500');
    const matching = tasks().filter((task) => matchesQuery(task, { states, search, favourites_only, takes_group })).sort(newerFirst);
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
  const task = makeTask({
    prompt: old.prompt, model_id: old.model_id, aspect: old.aspect, duration: old.duration, quality: old.quality, audio: old.audio,
    image: withPath(old.image), last_image: withPath(old.last_image), state: 'waiting', ago: 0, retry_of: id, submitted_at: null,
  });
  Object.assign(task, { estimate_credits: task.credits_reserved, credits_reserved: null });
  // A new paid task waits its turn like any other.
  upsert([task]);
  state.order.push(task.id);
  const moved = runQueue();
  setTimeout(() => emitChanges(moved.includes(task) ? moved : [task, ...moved]), 0);
  return task;
});

/** The note an uncertain task carries while the app asks EvoLink whether it was started. */
const CHECKING = { code: 'checking', message: words('problem.checking'), retryable: true };

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
  return emitTasks([{ id, state: 'outcome_unknown', lookup: found, finished_at: now(), error: { code: 'outcome_unknown', message: words('problem.outcome_unknown'), retryable: false } }])[0];
}

export const deleteTask = (id) => call('delete_task', { id }, () => {
  const task = findTask(id);
  const list = tasks();
  list.splice(list.indexOf(task), 1);
  leaveQueue(id);
  setTimeout(() => emitChanges(runQueue()), 0);
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

// Updates (src-tauri/updates.rs): the offer as the backend makes it from the update server's answer.
function updateOffer() {
  const update = state.update;
  return update && { version: update.version, current_version: state.info.version, notes: update.notes ?? '', date: update.date ?? null };
}
let foundUpdate = null;

export const checkForUpdate = ({ automatic = false } = {}) => call('check_for_update', { automatic }, () => {
  if (automatic) {
    if (!state.settings.auto_update_check || state.lookedToday) return null;
  }
  state.lookedToday = true;
  foundUpdate = updateOffer();
  return foundUpdate;
});

export const installUpdate = () => call('install_update', null, async () => {
  if (!foundUpdate) throw error('update_not_found', 'There is no update to install yet. Press “Check for updates” first.');
  const total = 12_400_000;
  for (const done of [0, 3_100_000, 6_200_000, 12_400_000]) emit('updateProgress', { stage: 'downloading', done, total });
  for (const stage of ['waiting', 'installing', 'restarting']) emit('updateProgress', { stage });
  return null;
});

// Events

export const onUpdateProgress = (handler) => on('updateProgress', handler);
export const onTasksChanged = (handler) => on('tasks', handler);
export const onQueueChanged = (handler) => on('queue', handler);
export const onBalanceChanged = (handler) => on('balance', handler);
export const onKeyRefused = (handler) => on('keyRefused', handler);
export const onStoreTrouble = (handler) => on('storeTrouble', handler);
export const onModeChanged = (handler) => on('mode', handler);
export const onImageDrop = (handler) => on('drop', handler);
export const onCloseRequested = (handler) => on('close', handler);

// The engine at start: waiting tasks given to the fake get their place and note (or start).
runQueue();

globalThis.__fake = {
  state,
  calls,
  makeTask,
  emitTasks,
  queueView,
  offerUpdate(update) {
    state.update = update;
  },
  raisePrices(factor) {
    state.priceFactor = factor;
  },
  finishLookup,
  emitBalance: (payload) => emit('balance', payload),
  emitKeyRefused: (payload) => emit('keyRefused', { ...payload, message: asWords(payload.message, 'problem.bad_key') }),
  emitStoreTrouble: (payload) => emit('storeTrouble', { ...payload, message: asWords(payload.message, 'problem.storage') }),
  emitCloseRequested: (payload) => emit('close', payload),
  emitMode: (info) => {
    state.info = { ...state.info, ...info };
    emit('mode', infoNow());
  },
  dragEnter: () => emit('drop', { type: 'enter' }),
  dragLeave: () => emit('drop', { type: 'leave' }),
  drop(paths) {
    emit('drop', { type: 'enter' });
    emit('drop', { type: 'over' });
    // The webview's own drop ends the hover (ipc.js); the handles come from Rust.
    emit('drop', { type: 'leave' });
    emit('drop', { type: 'drop', pictures: paths.map(give) });
  },
  pathOf,
  hold: (command) => holding.add(command),
  late: (command) => lateAnswers.add(command),
  release(command) {
    holding.delete(command);
    lateAnswers.delete(command);
    for (const resolve of held.get(command) ?? []) resolve();
    held.delete(command);
  },
  fail: (command, failure) => {
    if (failure) state.fail[command] = asProblem(failure);
    else delete state.fail[command];
  },
  setUnavailable: (id, reason) => {
    if (reason) state.unavailable[id] = reason;
    else delete state.unavailable[id];
  },
  callsTo: (command) => calls.filter((c) => c.command === command),
};
