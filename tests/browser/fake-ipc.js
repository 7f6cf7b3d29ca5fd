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
//     fail: { command_name: { code, message, retryable } },   // that command throws it
//     hold: ['prepare_image'],                  // answers wait until __fake.release(name)
//   };
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
//                          onImageDrop (enter, over, then drop), never by setting inputs.
//   dragEnter(), dragLeave()
//   hold(name), release(name), fail(name, error|null), state
//   setUnavailable(id, reason|null)  the backend learnt that this key may (not) use a model

import { centredCrop } from './crop.js';
import { ACTIVE_STATES, matchesQuery, newerFirst } from './tasks.js';
import { framedUrl, sceneUrl } from './fake-art.js';

const config = globalThis.__fakeBackend ?? {};
const now = () => Math.floor(Date.now() / 1000);

const error = (code, message, retryable = false) => ({ code, message, retryable });

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

const invalid = (field, message) => ({ code: 'invalid_input', message, field, retryable: false });

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
  return { api_id, duration, quality, aspect, audio, seed, negative_prompt: negative };
}

/** Model::estimate, rounded to cents. */
function price(model, settled, pictures) {
  const seconds = model.duration.auto?.value === settled.duration ? model.duration.auto.holds : settled.duration;
  const count = Number(Boolean(pictures.first)) + Number(Boolean(pictures.last));
  const credits = perSecond(model, settled.quality, settled.audio === true) * seconds + (model.price.per_picture ?? 0) * count;
  return Math.round(credits * 100) / 100;
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
  unavailable: { ...config.unavailable },
  fail: { ...config.fail },
  tasks: [],
  demoTasks: [],
};

let nextId = 1;

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
    seed: null,
    negative_prompt: null,
    last_image: null,
    state: 'done',
    progress: 0,
    error: null,
    credits_reserved: price(model, settled, { first: false, last: false }),
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
  if (state.fail[command]) {
    // As the backend does: a model EvoLink refused is unavailable for this key until the next check.
    if (command === 'submit_task' && state.fail[command].code === 'model_unavailable') state.unavailable[args.model] = state.fail[command].message;
    throw structuredClone(state.fail[command]);
  }
  return structuredClone(await answer());
}


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

export const prepareImage = ({ path, model, aspect = null, quality = null, framing = 'fill', crop = null }) =>
  call('prepare_image', { path, model, aspect, quality, framing, crop }, () => {
    const entry = modelById(model);
    if (!entry) throw error('invalid_argument', `unknown model ${model}`);
    const picture = state.pictures[path];
    if (!picture) throw error('file_missing', 'Sora Desk cannot find this picture any more.');
    if (picture.error) throw picture.error;
    const source = { format: picture.format, width: picture.width, height: picture.height, upright_width: picture.width, upright_height: picture.height, bytes: picture.bytes, had_location: picture.had_location };
    const scale = 320 / Math.max(picture.width, picture.height);
    const common = {
      path,
      source,
      warnings: picture.had_location ? [{ code: 'location_removed', message: 'The place where this photo was taken was removed from it.' }] : [],
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
        summary: done.length ? `${done.join(', ')}, ${(bytes / 1e6).toFixed(1)} MB` : `Used as it is: ${picture.width}x${picture.height}, ${(bytes / 1e6).toFixed(1)} MB`,
        output: { format, ...out, orientation: out.width >= out.height ? 'landscape' : 'portrait', bytes },
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
    const verb = framing === 'fit' ? 'Fitted' : 'Cropped';
    return {
      ...common,
      summary: `${verb} ${picture.width}x${picture.height} to ${out.width}x${out.height}, ${kb} KB`,
      output: { format: 'jpeg', ...out, orientation: out.width >= out.height ? 'landscape' : 'portrait', bytes: kb * 1000 },
      region,
      aspect: frame.aspect,
      actions: framing === 'fit' ? ['scaled', 'padded'] : ['cropped', 'scaled'],
      preview_url: framedUrl(picture.seed ?? 0, picture, region, framing, out),
    };
  });

// Models

function modelView(model) {
  const reason = state.unavailable[model.id] ?? null;
  return { ...model, available: reason == null, unavailable_reason: reason, from_credits_per_second: Math.round(cheapest(model) * 100) / 100, lengths_in_words: lengthsInWords(model) };
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

export const submit = ({ prompt, model, choices = {}, image = null, lastImage = null }) =>
  call('submit_task', { prompt, model, choices, image, last_image: lastImage }, () => {
    const entry = modelFor(model);
    if (state.unavailable[model]) {
      throw { code: 'model_unavailable', message: state.unavailable[model], retryable: false, alternatives: [] };
    }
    if (!prompt.trim()) throw invalid('prompt', 'Describe the video you want: the prompt is empty.');
    const pictures = { first: Boolean(image), last: Boolean(lastImage) };
    const settled = settle(entry, choices, pictures);
    const task = makeTask({
      prompt, model_id: model, duration: settled.duration, aspect: settled.aspect, quality: settled.quality, audio: settled.audio,
      image, state: image || lastImage ? 'preparing' : 'submitting', ago: 0, submitted_at: null,
    });
    Object.assign(task, {
      model: settled.api_id, seed: settled.seed, negative_prompt: settled.negative_prompt, last_image: lastImage?.path ?? null,
      credits_reserved: price(entry, settled, pictures),
    });
    state.settings.model_choices = { ...state.settings.model_choices, [model]: { ...choices } };
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
  const task = makeTask({
    prompt: old.prompt, model_id: old.model_id, aspect: old.aspect, duration: old.duration, quality: old.quality, audio: old.audio,
    image: old.image, last_image: old.last_image, state: 'submitting', ago: 0, retry_of: id, submitted_at: null,
  });
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
  setUnavailable: (id, reason) => {
    if (reason) state.unavailable[id] = reason;
    else delete state.unavailable[id];
  },
  callsTo: (command) => calls.filter((c) => c.command === command),
};
