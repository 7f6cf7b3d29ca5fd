// What a video model offers, read from its entry in the model list (list_models, which is the
// manifest's entry as is): lengths, qualities, shapes, sound, pictures, the prompt limit. Pure
// functions, no DOM and no words, so they are tested with `node --test`. Nothing here knows a
// particular model: every fact comes from the entry.

/** The choices the compose panel shows as controls, in the order they appear. */
export const CONTROL_FIELDS = ['aspect', 'duration', 'quality', 'audio'];

/** Every field of `choices` (docs/IPC.md). */
export const CHOICE_FIELDS = ['duration', 'quality', 'aspect', 'audio', 'seed', 'negative_prompt'];

/** Whether the lengths are a range (a slider) rather than a set (buttons). */
export function isRange(model) {
  return !Array.isArray(model.duration.values);
}

/** Whether `seconds` is a length the model makes, its "let the model choose" value included. */
export function acceptsDuration(model, seconds) {
  const d = model.duration;
  if (d.auto && d.auto.value === seconds) return true;
  if (!Number.isInteger(seconds)) return false;
  if (Array.isArray(d.values)) return d.values.includes(seconds);
  return seconds >= d.min && seconds <= d.max;
}

/** Whether `value` is something the model takes for `field`. */
export function accepts(model, field, value) {
  switch (field) {
    case 'duration': return acceptsDuration(model, value);
    case 'quality': return Boolean(model.quality?.values.includes(value));
    case 'aspect': return model.aspect.values.includes(value);
    case 'audio': return model.audio.kind === 'switch' && typeof value === 'boolean';
    case 'seed': return Boolean(model.seed) && Number.isInteger(value) && value >= model.seed.min && value <= model.seed.max;
    case 'negative_prompt': return model.negative_prompt === true && typeof value === 'string';
    default: return false;
  }
}

/** Whether the person can choose `field` for this model at all. */
export function hasChoice(model, field) {
  switch (field) {
    case 'duration':
    case 'aspect': return true;
    case 'quality': return Boolean(model.quality);
    case 'audio': return model.audio.kind === 'switch';
    case 'seed': return Boolean(model.seed);
    case 'negative_prompt': return model.negative_prompt === true;
    default: return false;
  }
}

/** The model's default for a control, or undefined when it has no such choice. */
export function defaultOf(model, field) {
  switch (field) {
    case 'duration': return model.duration.default;
    case 'quality': return model.quality?.default;
    case 'aspect': return model.aspect.default;
    case 'audio': return model.audio.kind === 'switch' ? model.audio.default : undefined;
    default: return undefined;
  }
}

/**
 * The controls' values for `model`: each of `wanted` (what the person has now) kept when the
 * model takes it, else the model's remembered last choice when it takes that, else its default.
 * `changed` lists the wanted values that could not be kept: [{ field, from, to }] (`to` is null
 * when the model has no such choice).
 */
export function fitChoices(model, wanted = {}, remembered = {}) {
  const choices = {};
  const changed = [];
  for (const field of CONTROL_FIELDS) {
    const want = wanted?.[field];
    const memory = remembered?.[field];
    let value;
    if (want != null && accepts(model, field, want)) value = want;
    else if (memory != null && accepts(model, field, memory)) value = memory;
    else value = defaultOf(model, field);
    if (value !== undefined) choices[field] = value;
    if (want != null && want !== value) changed.push({ field, from: want, to: value ?? null });
  }
  return { choices, changed };
}

/**
 * The `choices` sent for a video (docs/IPC.md): the controls the model has, and a seed or things
 * to keep out when the model takes them and the person gave one. `extras` holds the raw text of
 * those two fields. A seed that is not a whole number is a `problem` ({ field: 'seed' }).
 */
export function requestChoices(model, choices, extras = {}) {
  const out = {};
  for (const field of CONTROL_FIELDS) {
    if (hasChoice(model, field) && choices[field] !== undefined) out[field] = choices[field];
  }
  let problem = null;
  const seedText = String(extras.seed ?? '').trim();
  if (model.seed && seedText !== '') {
    const seed = /^\d+$/.test(seedText) ? Number(seedText) : NaN;
    if (accepts(model, 'seed', seed)) out.seed = seed;
    else problem = { field: 'seed' };
  }
  const avoid = String(extras.negative_prompt ?? '').trim();
  if (model.negative_prompt === true && avoid !== '') out.negative_prompt = avoid;
  return { choices: out, problem };
}

/**
 * Which pictures a request carries: a last frame only when the model takes one, and (unless it
 * takes one alone) only after a first picture.
 */
export function pictureRoles(model, { first = false, last = false } = {}) {
  const lastUsable = Boolean(last && model.pictures.last && (first || model.pictures.last_alone));
  return { first: Boolean(first), last: lastUsable };
}

/** Whether a last frame can be added now (the slot is usable). */
export function lastSlotOpen(model, hasFirst) {
  return model.pictures.last && (hasFirst || model.pictures.last_alone);
}

/** Whether the picture decides the shape (the aspect is not sent with pictures). */
export function pictureDecidesShape(model, hasPictures) {
  return hasPictures && model.aspect.with_pictures === 'omitted';
}

/** Whether pictures must match an output frame exactly (so they are cropped, with a crop window). */
export function hasExactFrames(model) {
  return (model.picture_rules?.exact ?? []).length > 0;
}

/** Most characters a prompt may have, or null when there is no limit. */
export function promptLimit(model) {
  return model?.prompt?.max ?? null;
}

/** Whether the prompt limit is in tokens (counted in characters, which stays under it). */
export function limitInTokens(model) {
  return model?.prompt?.unit === 'tokens';
}

/** Longest video the model makes, in seconds. */
export function longest(model) {
  const d = model.duration;
  return Array.isArray(d.values) ? Math.max(...d.values) : d.max ?? d.default;
}

/** Best quality on offer, or null when the model has no quality setting. */
export function bestQuality(model) {
  return model.quality?.values.at(-1) ?? null;
}

/** What the picker says about a model besides its name: sound, last frame, longest, best quality. */
export function badges(model) {
  return {
    sound: model.audio.kind === 'always' || model.audio.kind === 'switch',
    lastFrame: model.pictures.last === true,
    longest: longest(model),
    best: bestQuality(model),
  };
}

/** The models by family, in the families' order: [{ family, models }], empty families left out. */
export function groupByFamily(families, models) {
  return families
    .map((family) => ({ family, models: models.filter((m) => m.family === family.id) }))
    .filter((group) => group.models.length > 0);
}

/**
 * The model to open with: the wanted one when it exists and is available, else the list's
 * default, else the first available. `fellBack` says the wanted one could not be used.
 */
export function startingModel(list, wanted) {
  const byId = (id) => list.models.find((m) => m.id === id);
  const want = byId(wanted);
  if (want?.available) return { model: want, fellBack: false, wanted: want };
  const fallback = [byId(list.default), ...list.models].find((m) => m?.available) ?? want ?? byId(list.default) ?? list.models[0];
  return { model: fallback, fellBack: Boolean(wanted) && fallback?.id !== wanted, wanted: want ?? null };
}

/** Width and height (at most `size`) of a shape drawn for an aspect like "16:9"; null for "auto". */
export function shapeBox(aspect, size = 22) {
  const match = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(aspect);
  if (!match) return null;
  const ratio = Number(match[1]) / Number(match[2]);
  return ratio >= 1
    ? { width: size, height: Math.max(6, Math.round(size / ratio)) }
    : { width: Math.max(6, Math.round(size * ratio)), height: size };
}

/** The orientation an aspect stands for ('landscape', 'portrait', 'square'), or null. */
export function orientationOf(aspect) {
  const box = shapeBox(aspect, 100);
  if (!box) return null;
  if (box.width === box.height) return 'square';
  return box.width > box.height ? 'landscape' : 'portrait';
}
