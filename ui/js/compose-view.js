// The "New video" panel: the model, the prompt, the pictures (a starting picture with its
// before/after and crop window, and a last frame for models that take one), the controls the
// chosen model offers, the estimate and Generate. Every control is drawn from the model's entry
// (models.js reads it); rules live in compose.js, models.js and crop.js; this file wires the DOM.

import * as ipc from './ipc.js';
import { strings } from './strings.js';
import { $, $$, fill, h, show } from './dom.js';
import { announce, messageOf, toast, wordsOf } from './announce.js';
import { say } from './i18n.js';
import { generateBlocker, isPastableImage, latestOnly, promptLength, requestedAspect } from './compose.js';
import {
  fitChoices, hasExactFrames, isRange, lastSlotOpen, limitInTokens, pictureDecidesShape, pictureRoles, promptLimit,
  requestChoices, shapeBox, startingModel,
} from './models.js';
import { createModelPicker } from './model-picker.js';
import { isMovable, keyStep, moveCrop, regionToCrop, roundCrop } from './crop.js';
import { totalFor } from './takes.js';

const byTestId = (id) => $(`[data-testid="${id}"]`);

// The public test hooks of the two shapes every earlier version had (see index.html).
const SHAPE_TESTIDS = { '16:9': 'orientation-landscape', '9:16': 'orientation-portrait' };

/** Fields whose refusal is shown beside a control; anything else is shown above the form. */
const FIELD_ERRORS = ['aspect', 'duration', 'quality', 'audio', 'seed', 'negative_prompt', 'pictures'];

export function createCompose({ context, onSubmitted, onModels = () => {} }) {
  const ui = {
    panel: $('.compose'),
    prompt: byTestId('prompt'),
    counter: byTestId('prompt-counter'),
    limitNote: byTestId('prompt-limit-note'),
    estimate: byTestId('estimate'),
    generate: byTestId('generate'),
    reason: byTestId('generate-reason'),
    notice: byTestId('notice'),
    modelNotice: byTestId('model-notice'),
    offer: byTestId('model-offer'),
    dropZone: byTestId('image-drop-zone'),
    card: byTestId('image-card'),
    before: byTestId('image-before'),
    beforeImg: $('.before-img'),
    cropWindow: byTestId('crop-window'),
    cropHelp: $('.crop-help'),
    busy: $('.before-frame .image-busy'),
    after: byTestId('image-preview'),
    afterRow: $('.after-row'),
    framing: $('.framing'),
    summary: byTestId('image-summary'),
    warnings: byTestId('image-warnings'),
    error: byTestId('image-error'),
    aside: byTestId('image-last-aside'),
    last: byTestId('image-last'),
    lastZone: byTestId('image-last-drop-zone'),
    lastChoose: byTestId('image-last-choose'),
    lastCard: byTestId('image-last-card'),
    lastPreview: byTestId('image-last-preview'),
    lastBusy: $('.last-thumb .image-busy'),
    lastSummary: byTestId('image-last-summary'),
    lastWarnings: byTestId('image-last-warnings'),
    lastNote: byTestId('image-last-note'),
    lastError: byTestId('image-last-error'),
    aspectField: $('.choice-field[data-field="aspect"]'),
    aspectGrid: $('.aspect-grid'),
    aspectNote: byTestId('aspect-note'),
    durationControl: $('.duration-control'),
    qualityField: $('.choice-field[data-field="quality"]'),
    qualityOptions: $('.quality-options'),
    audioField: $('.choice-field[data-field="audio"]'),
    audioLine: $('.sound-line'),
    audioToggle: byTestId('audio-toggle'),
    audioNote: byTestId('audio-note'),
    more: byTestId('more-options'),
    seed: byTestId('seed'),
    seedHint: $('#seed-hint'),
    negative: byTestId('negative-prompt'),
    overlay: byTestId('drop-overlay'),
    takes: $$('input[name="takes"]'),
  };

  const state = {
    list: null, // list_models: { default, families, models }
    model: null, // the chosen model's entry
    remembered: {}, // settings.model_choices: the last choices per model
    defaultModel: null, // settings.default_model
    choices: {}, // the controls' values for the chosen model
    aspectPicked: false,
    modelPicked: false,
    // Pictures by the handle Rust gave them (ipc.js, "Reference pictures").
    image: null, // the starting picture: { picture, framing, crop, prepared, shownCrop }
    last: null, // the last frame: { picture, prepared }
    busy: false,
    lastBusy: false,
    request: 0,
    lastRequest: 0,
    submitting: false,
    estimate: null, // the latest answer of ipc.estimate
    estimating: false,
    problem: null, // { field, message }: a choice the model refuses (from the estimate)
    takes: 1, // versions of the prompt made at once (each one a video, each paid)
    loadProblem: null, // the models could not be listed
    keyTimer: 0,
  };

  const picker = createModelPicker({ onPick: (id) => selectModel(id) });
  const modelById = (id) => state.list?.models.find((m) => m.id === id) ?? null;

  // The estimate: asked of the backend after every change, a little after the last one; only the
  // answer to the newest question counts.
  const estimator = latestOnly((input) => ipc.estimate(input), {
    wait: 120,
    onAnswer(answer) {
      state.estimate = answer;
      state.estimating = false;
      state.problem = null;
      render();
    },
    onError(error) {
      state.estimating = false;
      state.estimate = null;
      state.problem = error?.code === 'invalid_input' ? { field: error.field ?? 'model', message: wordsOf(error) } : null;
      render();
    },
  });

  function roles() {
    return state.model ? pictureRoles(state.model, { first: Boolean(state.image), last: Boolean(state.last) }) : { first: false, last: false };
  }

  function requestEstimate() {
    if (!state.model) return;
    const { choices, problem } = requestChoices(state.model, state.choices, extras());
    if (problem) {
      estimator.cancel();
      state.estimating = false;
      state.estimate = null;
      state.problem = { field: 'seed', message: strings.seedInvalid(state.model.seed.min, state.model.seed.max) };
      render();
      return;
    }
    state.estimating = true;
    estimator.run({ model: state.model.id, choices, pictures: roles() });
    render();
  }

  const extras = () => ({ seed: ui.seed.value, negative_prompt: ui.negative.value });

  // Text, counter, estimate and Generate's reason

  function blockerText(blocker) {
    switch (blocker?.code) {
      case 'no_model': return state.loadProblem ?? strings.noModelReason;
      case 'model_unavailable': return strings.modelUnavailableReason(state.model.name);
      case 'need_prompt': return strings.needPrompt;
      case 'prompt_too_long': return strings.promptTooLong(blocker.over);
      case 'invalid_choice': return say(blocker.message);
      case 'image_preparing': return strings.imagePreparingReason;
      case 'need_key': return strings.needKey;
      case 'submitting': return strings.submittingReason;
      default: return '';
    }
  }

  function currentBlocker() {
    const { hasKey } = context();
    return generateBlocker({
      prompt: ui.prompt.value,
      limit: promptLimit(state.model),
      hasKey,
      imageBusy: state.busy || state.lastBusy,
      submitting: state.submitting,
      noModel: !state.model,
      unavailable: Boolean(state.model && !state.model.available),
      problem: state.problem,
    });
  }

  function render() {
    const used = promptLength(ui.prompt.value);
    const limit = promptLimit(state.model);
    ui.counter.textContent = limit == null ? strings.counterNoLimit(used) : strings.counter(used, limit);
    ui.counter.classList.toggle('over', limit != null && used > limit);
    const tokens = limitInTokens(state.model) && limit != null;
    ui.limitNote.textContent = tokens ? strings.promptTokens(limit) : '';
    show(ui.limitNote, tokens);

    // The estimate is per video; several versions cost that many times as much.
    const credits = state.model?.available && state.estimate ? totalFor(state.estimate.credits, state.takes) : null;
    if (credits != null) ui.estimate.textContent = context().demo ? strings.estimateDemo(credits, state.takes) : strings.estimate(credits, state.takes);
    else ui.estimate.textContent = state.estimating ? strings.estimating : '';
    ui.estimate.classList.toggle('stale', state.estimating);

    for (const field of FIELD_ERRORS) {
      const element = byTestId(`choice-error-${field}`);
      const mine = state.problem?.field === field;
      const fresh = mine && element.hidden;
      element.textContent = mine ? say(state.problem.message) : '';
      show(element, mine);
      if (fresh) {
        if (field === 'seed' || field === 'negative_prompt') ui.more.open = true;
        // Said where the control is, and not under the Generate bar.
        element.scrollIntoView({ block: 'nearest' });
      }
    }

    const blocker = currentBlocker();
    ui.generate.disabled = blocker !== null;
    ui.reason.textContent = blockerText(blocker);
    renderPictureRules();
  }

  function notice(text) {
    ui.notice.textContent = text ?? '';
    show(ui.notice, Boolean(text));
  }

  /** What changed on switching model (or why New video opened on another one), a line each. */
  function modelNotice(lines) {
    const said = lines.filter(Boolean);
    fill($('.model-notice-text', ui.modelNotice), said.map((line) => h('li', { text: line })));
    show(ui.modelNotice, said.length > 0);
  }

  // The chosen model and its controls

  /** Shows `model` with `choices`; `carry` keeps the pictures and controls already there. */
  function applyModel(model, choices) {
    state.model = model;
    state.choices = choices;
    state.problem = null;
    picker.setCurrent(model);
    drawControls();
    renderPictures();
    requestEstimate();
  }

  /** Opens on a model with its remembered choices (start, a new default, an unavailable one). */
  function openOn(wanted, { quiet = false } = {}) {
    const { model, fellBack, wanted: asked } = startingModel(state.list, wanted);
    if (!model) return;
    const remembered = state.remembered[model.id] ?? {};
    const { choices } = fitChoices(model, {}, remembered);
    if (!ui.seed.value && remembered.seed != null && model.seed) ui.seed.value = String(remembered.seed);
    if (!ui.negative.value && remembered.negative_prompt && model.negative_prompt) ui.negative.value = remembered.negative_prompt;
    state.aspectPicked = false;
    applyModel(model, choices);
    if (!quiet || fellBack) modelNotice([fellBack && asked ? strings.defaultUnavailable(asked.name, model.name) : null]);
    if (state.image) prepare();
    if (state.last) prepareLast();
  }

  /** The person picked another model: keep what still fits, and say what changed. */
  function selectModel(id) {
    const model = modelById(id);
    if (!model || !model.available) return;
    const before = state.model;
    const { choices, changed } = fitChoices(model, state.choices, state.remembered[model.id] ?? {});
    state.modelPicked = true;
    if (changed.some((c) => c.field === 'aspect')) state.aspectPicked = false;
    applyModel(model, choices);
    show(ui.offer, false);
    modelNotice(changeNotes(model, before, changed));
    announce(strings.modelChosen(model.name));
    if (state.image) prepare();
    if (state.last && model.pictures.last) prepareLast();
  }

  function changeNotes(model, before, changed) {
    const name = model.name;
    const notes = changed.map(({ field, from, to }) => {
      switch (field) {
        case 'duration': return strings.switched.duration(name, strings.lengthsInWords(model.duration), durationWords(to));
        case 'quality': return to == null ? strings.switched.qualityGone(name) : strings.switched.quality(name, from, to);
        case 'aspect': return strings.switched.aspect(name, from, to);
        case 'audio':
          if (model.audio.kind === 'always') return from === false ? strings.switched.soundAlways(name) : null;
          return to == null ? strings.switched.soundGone(name) : null;
        default: return null;
      }
    });
    if (ui.seed.value.trim() && !model.seed && before?.seed) notes.push(strings.switched.seed(name));
    if (ui.negative.value.trim() && !model.negative_prompt && before?.negative_prompt) notes.push(strings.switched.negativePrompt(name));
    if (state.last && !model.pictures.last && before?.pictures.last) notes.push(strings.switched.lastFrame(name));
    if (state.last && model.pictures.last && before && !before.pictures.last) notes.push(strings.switched.lastFrameBack);
    const limit = promptLimit(model);
    if (limit != null && promptLength(ui.prompt.value) > limit) notes.push(strings.switched.prompt(name, limit));
    return notes;
  }

  function durationWords(value) {
    return state.model?.duration.auto?.value === value ? strings.durationAutoValue : strings.seconds(value);
  }

  function radio(name, value, testid, ...content) {
    const input = h('input', { type: 'radio', name, value: String(value), testid, checked: state.choices[name] === value });
    input.addEventListener('change', () => {
      if (!input.checked) return;
      choose(name, value);
    });
    return [input, ...content];
  }

  function drawControls() {
    const model = state.model;
    // Shapes
    fill(ui.aspectGrid, model.aspect.values.map((value) => {
      const box = shapeBox(value);
      const shape = h('span', { class: `shape${box ? '' : ' shape-auto'}`, 'aria-hidden': 'true' });
      if (box) {
        shape.style.width = `${box.width}px`;
        shape.style.height = `${box.height}px`;
      }
      return h('label', { class: 'choice aspect-choice', testid: SHAPE_TESTIDS[value] ?? null },
        ...radio('aspect', value, `aspect-${value}`,
          h('span', { class: 'shape-box' }, shape),
          h('span', { class: 'choice-text' },
            h('strong', { text: strings.aspectName(value) }),
            h('small', { text: strings.aspectDetail(value) }))));
    }));
    ui.aspectGrid.classList.toggle('two', model.aspect.values.length === 2);

    // Length
    fill(ui.durationControl, isRange(model) ? rangeControl(model) : setControl(model));

    // Quality
    show(ui.qualityField, Boolean(model.quality));
    fill(ui.qualityOptions, (model.quality?.values ?? []).map((value) => h('label', {},
      ...radio('quality', value, `quality-${value}`, h('span', { text: strings.qualityName(value) })))));

    // Sound
    const kind = model.audio.kind;
    show(ui.audioField, kind !== 'none');
    show(ui.audioLine, kind === 'switch');
    show(ui.audioNote, kind === 'always');
    ui.audioToggle.checked = state.choices.audio === true;

    // More options
    show(ui.more, Boolean(model.seed) || model.negative_prompt === true);
    show($('.text-field[data-field="seed"]', ui.more), Boolean(model.seed));
    show($('.text-field[data-field="negative_prompt"]', ui.more), model.negative_prompt === true);
    ui.seedHint.textContent = model.seed ? strings.seedHint(model.seed.min, model.seed.max) : '';
  }

  function setControl(model) {
    const auto = model.duration.auto;
    return [
      h('div', { class: 'segmented', role: 'radiogroup', 'aria-label': strings.durationLabel },
        model.duration.values.map((value) => h('label', {}, ...radio('duration', value, `duration-${value}`, h('span', { text: strings.seconds(value) }))))),
      auto ? autoControl(model) : null,
    ];
  }

  function rangeControl(model) {
    const { min, max, auto } = model.duration;
    const isAuto = auto && state.choices.duration === auto.value;
    const value = isAuto ? model.duration.default : state.choices.duration;
    const output = h('output', { class: 'range-value', testid: 'duration-value', text: isAuto ? strings.durationAutoValue : strings.seconds(value) });
    const input = h('input', {
      type: 'range', class: 'range', min, max, step: 1, value, testid: 'duration-input',
      'aria-label': strings.durationLabel, 'aria-valuetext': strings.seconds(value), disabled: Boolean(isAuto),
    });
    const paint = () => input.style.setProperty('--fill', `${((Number(input.value) - min) / (max - min)) * 100}%`);
    paint();
    input.addEventListener('input', () => {
      const seconds = Number(input.value);
      output.textContent = strings.seconds(seconds);
      input.setAttribute('aria-valuetext', strings.seconds(seconds));
      paint();
      choose('duration', seconds);
    });
    return [
      h('div', { class: 'range-row' },
        h('div', { class: 'range-track' },
          input,
          h('div', { class: 'range-ends', 'aria-hidden': 'true' }, h('span', { text: strings.seconds(min) }), h('span', { text: strings.seconds(max) }))),
        output),
      auto ? autoControl(model) : null,
    ];
  }

  function autoControl(model) {
    const { auto } = model.duration;
    const on = state.choices.duration === auto.value;
    const box = h('input', { type: 'checkbox', class: 'check', testid: 'duration-auto', checked: on });
    const hint = h('p', { class: 'hint auto-hint', testid: 'duration-auto-hint', text: strings.durationAutoHint(auto.holds), hidden: !on });
    box.addEventListener('change', () => {
      const range = byTestId('duration-input');
      const output = byTestId('duration-value');
      show(hint, box.checked);
      if (box.checked) {
        choose('duration', auto.value);
      } else {
        const back = range ? Number(range.value) : model.duration.default;
        choose('duration', back);
        if (!range) $(`input[name="duration"][value="${back}"]`)?.click();
      }
      if (range) {
        range.disabled = box.checked;
        output.textContent = box.checked ? strings.durationAutoValue : strings.seconds(Number(range.value));
      }
      for (const input of $$('input[name="duration"]', ui.durationControl)) input.checked = !box.checked && Number(input.value) === state.choices.duration;
    });
    return [h('label', { class: 'check-line' }, box, h('span', { text: strings.durationAuto })), hint];
  }

  /** A control changed: remember it, prepare pictures again where the shape or size depends on it. */
  function choose(field, value) {
    if (state.choices[field] === value) return;
    state.choices = { ...state.choices, [field]: value };
    if (field === 'aspect') state.aspectPicked = true;
    const exact = state.model && hasExactFrames(state.model);
    if (state.image && exact && (field === 'aspect' || field === 'quality')) {
      if (field === 'aspect') {
        forgetCropMove();
        state.image.crop = null;
      }
      prepare();
    }
    requestEstimate();
  }

  function setChoiceShown(field, value) {
    for (const input of $$(`input[name="${field}"]`, ui.panel)) input.checked = input.value === String(value);
  }

  // Pictures

  function renderPictures() {
    const model = state.model;
    if (!model) return;
    const exact = hasExactFrames(model);
    // Only pictures that must match a frame are cropped; others are used whole.
    show(ui.framing, exact);
    show($('figure.after', ui.card), exact);
    ui.afterRow.classList.toggle('whole', !exact);
    if (state.image?.prepared) showPrepared(state.image.prepared);
    show(ui.last, model.pictures.last);
    renderPictureRules();
  }

  /** What the pictures allow now: the last frame's slot, the shape buttons. */
  function renderPictureRules() {
    const model = state.model;
    if (!model) return;
    const open = lastSlotOpen(model, Boolean(state.image));
    ui.lastChoose.disabled = !open;
    ui.lastZone.classList.toggle('disabled', !open);
    const waiting = model.pictures.last && !open;
    ui.lastNote.textContent = waiting ? strings.lastFrameNeedsFirst : '';
    show(ui.lastNote, waiting);
    ui.lastCard.classList.toggle('waiting', waiting && Boolean(state.last));
    const aside = Boolean(state.last) && !model.pictures.last;
    ui.aside.textContent = aside ? strings.lastFrameAside(model.name) : '';
    show(ui.aside, aside);
    const decided = pictureDecidesShape(model, roles().first || roles().last);
    show(ui.aspectNote, decided);
    ui.aspectField.classList.toggle('decided', decided);
    for (const input of $$('input[name="aspect"]', ui.aspectGrid)) input.disabled = decided;
  }

  async function useImage(picture, { framing = 'fill', crop = null } = {}) {
    forgetCropMove();
    state.image = { picture, framing, crop, prepared: null };
    setChoiceShown('framing', framing);
    requestEstimate();
    await prepare();
  }

  async function prepare() {
    if (!state.image || !state.model) return;
    const request = ++state.request;
    const { picture, framing, crop } = state.image;
    const model = state.model;
    const exact = hasExactFrames(model);
    setBusy(true);
    show(ui.error, false);
    announce(strings.imagePreparing);
    try {
      const prepared = await ipc.prepareImage({
        picture,
        model: model.id,
        aspect: requestedAspect({ picked: state.aspectPicked, aspect: state.choices.aspect }),
        quality: state.choices.quality ?? null,
        framing: exact ? framing : 'fill',
        crop: exact && framing === 'fill' ? crop : null,
      });
      if (request !== state.request || !state.image) return;
      state.image.prepared = prepared;
      // For pictures that match a frame exactly, the picture's shape is the video's until the
      // person picks one.
      if (!state.aspectPicked && prepared.aspect && prepared.aspect !== state.choices.aspect && state.model.aspect.values.includes(prepared.aspect)) {
        state.choices = { ...state.choices, aspect: prepared.aspect };
        setChoiceShown('aspect', prepared.aspect);
        requestEstimate();
      }
      showPrepared(prepared);
      announce(strings.imageReady(prepared.summary));
    } catch (error) {
      if (request !== state.request) return;
      state.image = null;
      showImageError(ui.error, error);
      requestEstimate();
    } finally {
      if (request === state.request) setBusy(false);
    }
  }

  function setBusy(busy) {
    state.busy = busy;
    show(ui.busy, busy);
    ui.card.setAttribute('aria-busy', String(busy));
    render();
  }

  function showPrepared(prepared) {
    const appearing = ui.card.hidden;
    show(ui.dropZone, false);
    show(ui.card, true);
    ui.beforeImg.src = prepared.source_preview_url;
    ui.after.src = prepared.preview_url;
    // The picture's controls (fill or fit, remove) must not sit hidden under the Generate bar:
    // once the pictures have their size, the card is scrolled into view.
    if (appearing) {
      Promise.allSettled([ui.beforeImg.decode(), ui.after.decode()]).then(() => {
        if (!ui.card.hidden) ui.card.scrollIntoView({ block: 'nearest' });
      });
    }
    ui.after.parentElement.classList.toggle('portrait', prepared.output?.orientation === 'portrait');
    ui.summary.textContent = say(prepared.summary);
    fill(ui.warnings, (prepared.warnings ?? []).map((w) => h('li', { text: say(w.message) })));
    const exact = state.model && hasExactFrames(state.model);
    const crop = exact && prepared.region && prepared.source ? regionToCrop(prepared.region, prepared.source) : null;
    const movable = state.image.framing === 'fill' && crop !== null && isMovable(crop);
    show(ui.cropWindow, movable);
    show(ui.cropHelp, movable);
    // An answer for an earlier place must not pull the window back while the person is still
    // moving it: their next place is on its way.
    if (cropBeingMoved()) return;
    state.image.shownCrop = crop;
    if (movable) placeCropWindow(crop);
  }

  function cropBeingMoved() {
    return state.keyTimer !== 0 || ui.cropWindow.classList.contains('dragging');
  }

  /** A key move not yet sent belongs to the picture and crop it was made on. */
  function forgetCropMove() {
    clearTimeout(state.keyTimer);
    state.keyTimer = 0;
  }

  function placeCropWindow(crop) {
    const s = ui.cropWindow.style;
    s.left = `${crop.x * 100}%`;
    s.top = `${crop.y * 100}%`;
    s.width = `${crop.width * 100}%`;
    s.height = `${crop.height * 100}%`;
  }

  function showImageError(box, error) {
    if (box === ui.error) {
      show(ui.card, false);
      show(ui.dropZone, true);
    } else {
      show(ui.lastCard, false);
      show(ui.lastZone, true);
    }
    show(box, true);
    $('.image-error-message', box).textContent = wordsOf(error);
    $('.image-error-next', box).textContent = strings.imageNext[error?.code] ?? strings.imageNext.other;
    render();
  }

  function clearImage() {
    state.request += 1;
    forgetCropMove();
    state.image = null;
    setBusy(false);
    show(ui.card, false);
    show(ui.error, false);
    show(ui.dropZone, true);
    ui.beforeImg.removeAttribute('src');
    ui.after.removeAttribute('src');
  }

  function removeImage() {
    clearImage();
    requestEstimate();
    announce(strings.imageRemoved);
    byTestId('image-choose').focus();
  }

  // The last frame

  async function useLastImage(picture) {
    state.last = { picture, prepared: null };
    requestEstimate();
    await prepareLast();
  }

  async function prepareLast() {
    if (!state.last || !state.model) return;
    const request = ++state.lastRequest;
    setLastBusy(true);
    show(ui.lastError, false);
    show(ui.lastZone, false);
    show(ui.lastCard, true);
    try {
      const prepared = await ipc.prepareImage({
        picture: state.last.picture, model: state.model.id, aspect: null, quality: state.choices.quality ?? null, framing: 'fill', crop: null,
      });
      if (request !== state.lastRequest || !state.last) return;
      state.last.prepared = prepared;
      ui.lastPreview.src = prepared.preview_url;
      ui.lastSummary.textContent = say(prepared.summary);
      fill(ui.lastWarnings, (prepared.warnings ?? []).map((w) => h('li', { text: say(w.message) })));
      announce(strings.imageReady(prepared.summary));
    } catch (error) {
      if (request !== state.lastRequest) return;
      state.last = null;
      showImageError(ui.lastError, error);
      requestEstimate();
    } finally {
      if (request === state.lastRequest) setLastBusy(false);
    }
  }

  function setLastBusy(busy) {
    state.lastBusy = busy;
    show(ui.lastBusy, busy);
    ui.lastCard.setAttribute('aria-busy', String(busy));
    render();
  }

  function clearLast() {
    state.lastRequest += 1;
    state.last = null;
    setLastBusy(false);
    show(ui.lastCard, false);
    show(ui.lastError, false);
    show(ui.lastZone, true);
    ui.lastPreview.removeAttribute('src');
  }

  function removeLast() {
    clearLast();
    requestEstimate();
    announce(strings.lastFrameRemoved);
    ui.lastChoose.focus();
  }

  async function chooseInto(slot) {
    try {
      const picture = await ipc.chooseImage();
      if (!picture) return;
      if (slot === 'last') await useLastImage(picture);
      else await useImage(picture);
    } catch (error) {
      showImageError(slot === 'last' ? ui.lastError : ui.error, error);
    }
  }

  /** A dropped or pasted picture: the starting picture first, then the last frame if the model takes one. */
  function place(picture) {
    const model = state.model;
    if (state.image && model && model.pictures.last && !state.last && lastSlotOpen(model, true)) return useLastImage(picture);
    return useImage(picture);
  }

  async function pasteImage(event) {
    const file = [...(event.clipboardData?.items ?? [])]
      .find((item) => item.kind === 'file' && isPastableImage(item.type))?.getAsFile();
    if (!file) return;
    event.preventDefault();
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      await place(await ipc.savePastedImage(bytes));
    } catch (error) {
      showImageError(ui.error, error);
    }
  }

  // Moving the crop window, by pointer and by keys

  function cropFromDrag(start, event, origin) {
    const box = ui.before.getBoundingClientRect();
    return moveCrop(origin, (event.clientX - start.x) / box.width, (event.clientY - start.y) / box.height);
  }

  function commitCrop(crop) {
    if (!state.image) return;
    state.image.crop = roundCrop(crop);
    prepare();
  }

  ui.cropWindow.addEventListener('pointerdown', (event) => {
    const origin = state.image?.shownCrop;
    if (!origin || event.button !== 0) return;
    event.preventDefault();
    ui.cropWindow.setPointerCapture(event.pointerId);
    ui.cropWindow.classList.add('dragging');
    const start = { x: event.clientX, y: event.clientY };
    let latest = origin;
    const move = (e) => {
      latest = cropFromDrag(start, e, origin);
      placeCropWindow(latest);
    };
    const end = () => {
      ui.cropWindow.removeEventListener('pointermove', move);
      ui.cropWindow.classList.remove('dragging');
      state.image.shownCrop = latest;
      if (latest !== origin) commitCrop(latest);
    };
    ui.cropWindow.addEventListener('pointermove', move);
    ui.cropWindow.addEventListener('pointerup', end, { once: true });
    ui.cropWindow.addEventListener('pointercancel', end, { once: true });
  });

  ui.cropWindow.addEventListener('keydown', (event) => {
    const step = keyStep(event.key, event.shiftKey);
    if (!step || !state.image?.shownCrop) return;
    event.preventDefault();
    const crop = moveCrop(state.image.shownCrop, step.dx, step.dy);
    state.image.shownCrop = crop;
    placeCropWindow(crop);
    clearTimeout(state.keyTimer);
    state.keyTimer = setTimeout(() => {
      state.keyTimer = 0;
      commitCrop(crop);
    }, 350);
  });

  // Generate

  async function generate() {
    if (currentBlocker() !== null) return;
    const model = state.model;
    const prompt = ui.prompt.value.trim();
    const { choices } = requestChoices(model, state.choices, extras());
    const used = roles();
    const exact = hasExactFrames(model);
    const image = used.first && state.image?.prepared
      ? { picture: state.image.picture, framing: exact ? state.image.framing : 'fill', crop: exact && state.image.framing === 'fill' ? state.image.crop : null }
      : null;
    const lastImage = used.last && state.last?.prepared ? { picture: state.last.picture, framing: 'fill', crop: null } : null;
    state.submitting = true;
    render();
    try {
      const tasks = await ipc.submit({ prompt, model: model.id, choices, image, lastImage, takes: state.takes });
      state.remembered = { ...state.remembered, [model.id]: choices };
      ui.prompt.value = '';
      clearImage();
      clearLast();
      state.aspectPicked = false;
      notice('');
      modelNotice([]);
      show(ui.offer, false);
      requestEstimate();
      // All of them waiting means the queue is full or paused: said, so nobody waits for nothing.
      toast(tasks.every((t) => t.state === 'waiting') ? strings.submittedWaiting(tasks.length) : strings.submitted(tasks.length));
      onSubmitted(tasks);
    } catch (error) {
      if (error?.code === 'model_unavailable') offerAnother(model, error);
      else notice(strings.submitFailed(messageOf(error)));
    } finally {
      state.submitting = false;
      render();
    }
  }

  /** The model refused the video: say so, and offer others with the prompt and pictures kept. */
  function offerAnother(model, error) {
    markUnavailable(model.id, wordsOf(error));
    $('.model-offer-title', ui.offer).textContent = strings.offerTitle(model.name);
    $('.model-offer-message', ui.offer).textContent = wordsOf(error);
    const alternatives = (error.alternatives ?? []).map(modelById).filter((m) => m?.available && m.id !== model.id);
    fill($('.model-offer-options', ui.offer),
      alternatives.map((m) => h('button', {
        type: 'button', class: 'small offer-option', testid: 'model-offer-option', dataset: { modelId: m.id },
        onclick: () => selectModel(m.id),
      }, h('span', { class: 'offer-name', text: m.name }), h('span', { class: 'offer-price', text: strings.modelFrom(m.from_credits_per_second) }))),
      h('button', { type: 'button', class: 'small ghost', testid: 'model-offer-all', text: strings.offerAll, onclick: () => picker.open() }));
    modelNotice([]);
    show(ui.offer, true);
    ui.offer.scrollIntoView({ block: 'nearest' });
    announce(strings.offerTitle(model.name));
    // The backend now knows this model is not available for this key: ask it for the whole list again.
    ipc.listModels().then((list) => setModels(list)).catch(() => {});
  }

  function markUnavailable(id, reason) {
    if (!state.list) return;
    state.list = { ...state.list, models: state.list.models.map((m) => (m.id === id ? { ...m, available: false, unavailable_reason: reason } : m)) };
    onModels(state.list);
    picker.render(state.list);
    if (state.model?.id === id) {
      state.model = modelById(id);
      picker.setCurrent(state.model);
    }
  }

  /** The models were listed (at start, after a mode change, after a refusal). */
  function setModels(list) {
    if (state.loadProblem) notice('');
    state.loadProblem = null;
    // A model refused in this session stays refused until the backend says otherwise.
    state.list = list;
    onModels(list);
    picker.render(list);
    const same = state.model ? modelById(state.model.id) : null;
    if (same) {
      state.model = same;
      picker.setCurrent(same);
      render();
    } else {
      openOn(state.defaultModel, { quiet: true });
    }
  }

  // Wiring

  ui.panel.addEventListener('input', render);
  // A failed submission's message goes once the person edits; a missing model list stays.
  ui.prompt.addEventListener('input', () => notice(state.loadProblem ?? ''));
  ui.audioToggle.addEventListener('change', () => choose('audio', ui.audioToggle.checked));
  for (const input of [ui.seed, ui.negative]) input.addEventListener('input', requestEstimate);
  for (const input of $$('input[name="framing"]')) {
    input.addEventListener('change', () => {
      if (!state.image) return;
      state.image.framing = input.value;
      prepare();
    });
  }
  byTestId('model-notice-dismiss').addEventListener('click', () => {
    modelNotice([]);
    byTestId('model-picker-button').focus();
  });
  ui.generate.addEventListener('click', generate);
  for (const input of ui.takes) {
    input.addEventListener('change', () => {
      if (!input.checked) return;
      state.takes = Number(input.value);
      render();
    });
  }
  byTestId('image-choose').addEventListener('click', () => chooseInto('first'));
  byTestId('image-remove').addEventListener('click', removeImage);
  ui.lastChoose.addEventListener('click', () => chooseInto('last'));
  byTestId('image-last-remove').addEventListener('click', removeLast);
  document.addEventListener('paste', pasteImage);

  return {
    render,
    generate,
    /**
     * What a batch is made with: this panel's model, its choices (as sent), the number of versions,
     * the settled choices of the newest estimate (for the words), and why it cannot be made now.
     */
    batchInput() {
      if (!state.model) return null;
      const { choices } = requestChoices(state.model, state.choices, extras());
      const blocker = generateBlocker({
        prompt: 'x', hasKey: context().hasKey, noModel: false, unavailable: !state.model.available, problem: state.problem,
      });
      return {
        model: state.model,
        choices,
        takes: state.takes,
        settled: state.estimate?.settled ?? null,
        hasPictures: Boolean(state.image || state.last),
        blocker: blocker ? blockerText(blocker) : null,
      };
    },
    useImage,
    chooseImage: () => chooseInto('first'),
    setModels,
    /** The models could not be listed: nothing can be made until they are. */
    modelsFailed(error) {
      state.loadProblem = strings.modelsFailed(messageOf(error));
      if (!state.list) picker.showProblem(strings.modelsMissing);
      notice(state.loadProblem);
      render();
    },
    /** The native drag and drop of files over the window (ipc.onImageDrop). */
    onDrop({ type, pictures = [] }) {
      if (type === 'enter' || type === 'over') {
        show(ui.overlay, true);
        return;
      }
      show(ui.overlay, false);
      if (type === 'drop' && pictures.length > 0) place(pictures[0]);
    },
    /** The person's settings: the model New video opens on, and each model's last choices. */
    applyDefaults(settings) {
      state.remembered = { ...settings.model_choices };
      const changedDefault = settings.default_model !== state.defaultModel;
      state.defaultModel = settings.default_model;
      if (state.list && changedDefault && !state.modelPicked) openOn(state.defaultModel, { quiet: true });
      render();
    },
    /** "Make another like this" and "Edit the description": the task's model, prompt, choices and pictures. */
    fillFrom(task, { withImage = true } = {}) {
      ui.prompt.value = task.prompt;
      if (state.list) {
        // The task's model, or (when this key may no longer use it) the one New video opens on,
        // said so; either way with the task's choices where the model takes them.
        const { model, fellBack, wanted: asked } = startingModel(state.list, task.model_id ?? state.model?.id);
        const wanted = { duration: task.duration, quality: task.quality, aspect: task.aspect, audio: task.audio };
        const { choices } = fitChoices(model, wanted, state.remembered[model.id] ?? {});
        applyModel(model, choices);
        modelNotice([fellBack && asked ? strings.defaultUnavailable(asked.name, model.name) : null]);
        show(ui.offer, false);
      }
      state.modelPicked = true;
      state.aspectPicked = true;
      ui.seed.value = task.seed != null ? String(task.seed) : '';
      ui.negative.value = task.negative_prompt ?? '';
      clearLast();
      if (withImage && task.image) useImage(task.image.picture, { framing: task.image.framing, crop: task.image.crop });
      else clearImage();
      if (withImage && task.last_image) useLastImage(task.last_image.picture);
      requestEstimate();
      render();
      ui.prompt.focus();
      ui.prompt.setSelectionRange(ui.prompt.value.length, ui.prompt.value.length);
    },
  };
}
