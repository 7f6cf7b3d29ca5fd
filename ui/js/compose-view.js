// The "New video" panel: prompt, shape, length, the reference picture with its before/after and
// crop window, and Generate. Rules live in compose.js and crop.js; this file only wires the DOM.

import * as ipc from './ipc.js';
import { strings } from './strings.js';
import { $, $$, fill, h, show } from './dom.js';
import { announce, messageOf, toast } from './announce.js';
import {
  PROMPT_LIMIT, estimateCredits, generateBlocker, isPastableImage, promptLength, requestedOrientation,
} from './compose.js';
import { isMovable, keyStep, moveCrop, regionToCrop, roundCrop } from './crop.js';

const byTestId = (id) => $(`[data-testid="${id}"]`);

export function createCompose({ context, onSubmitted }) {
  const ui = {
    panel: $('.compose'),
    prompt: byTestId('prompt'),
    counter: byTestId('prompt-counter'),
    estimate: byTestId('estimate'),
    generate: byTestId('generate'),
    reason: byTestId('generate-reason'),
    notice: byTestId('notice'),
    dropZone: byTestId('image-drop-zone'),
    card: byTestId('image-card'),
    before: byTestId('image-before'),
    beforeImg: $('.before-img'),
    cropWindow: byTestId('crop-window'),
    cropHelp: $('.crop-help'),
    busy: $('.image-busy'),
    after: byTestId('image-preview'),
    summary: byTestId('image-summary'),
    warnings: byTestId('image-warnings'),
    error: byTestId('image-error'),
    overlay: byTestId('drop-overlay'),
  };

  const state = {
    orientationPicked: false,
    durationPicked: false,
    image: null, // { path, framing, crop, prepared }
    busy: false,
    request: 0,
    submitting: false,
    keyTimer: 0,
  };

  const radio = (name) => $(`input[name="${name}"]:checked`);
  const orientation = () => radio('orientation').value;
  const duration = () => Number(radio('duration').value);
  const setRadio = (name, value) => {
    const input = $(`input[name="${name}"][value="${value}"]`);
    if (input) input.checked = true;
  };

  // Text, counter, estimate and Generate's reason

  function blockerText(blocker) {
    switch (blocker?.code) {
      case 'need_prompt': return strings.needPrompt;
      case 'prompt_too_long': return strings.promptTooLong(blocker.over);
      case 'image_preparing': return strings.imagePreparingReason;
      case 'need_key': return strings.needKey;
      case 'submitting': return strings.submittingReason;
      default: return '';
    }
  }

  function render() {
    const used = promptLength(ui.prompt.value);
    ui.counter.textContent = strings.counter(used, PROMPT_LIMIT);
    ui.counter.classList.toggle('over', used > PROMPT_LIMIT);
    const credits = estimateCredits(duration());
    ui.estimate.textContent = context().demo ? strings.estimateDemo(credits) : strings.estimate(credits);
    const blocker = currentBlocker();
    ui.generate.disabled = blocker !== null;
    ui.reason.textContent = blockerText(blocker);
  }

  function currentBlocker() {
    const { hasKey } = context();
    return generateBlocker({ prompt: ui.prompt.value, hasKey, imageBusy: state.busy, submitting: state.submitting });
  }

  function notice(text) {
    ui.notice.textContent = text ?? '';
    show(ui.notice, Boolean(text));
  }

  // The reference picture

  async function useImage(path, { framing = 'fill', crop = null } = {}) {
    state.image = { path, framing, crop, prepared: null };
    setRadio('framing', framing);
    await prepare();
  }

  async function prepare() {
    if (!state.image) return;
    const request = ++state.request;
    const { path, framing, crop } = state.image;
    setBusy(true);
    show(ui.error, false);
    announce(strings.imagePreparing);
    try {
      const prepared = await ipc.prepareImage({
        path,
        orientation: requestedOrientation({ picked: state.orientationPicked, orientation: orientation() }),
        framing,
        crop: framing === 'fill' ? crop : null,
      });
      if (request !== state.request || !state.image) return;
      state.image.prepared = prepared;
      if (!state.orientationPicked && prepared.output?.orientation) setRadio('orientation', prepared.output.orientation);
      showPrepared(prepared);
      announce(strings.imageReady(prepared.summary));
    } catch (error) {
      if (request !== state.request) return;
      state.image = null;
      showImageError(error);
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
    // The picture's controls (fill or fit, remove) must not sit hidden under the Generate bar.
    if (appearing) ui.card.scrollIntoView({ block: 'nearest' });
    ui.beforeImg.src = prepared.source_preview_url;
    ui.after.src = prepared.preview_url;
    ui.after.parentElement.classList.toggle('portrait', prepared.output?.orientation === 'portrait');
    ui.summary.textContent = prepared.summary;
    fill(ui.warnings, (prepared.warnings ?? []).map((w) => h('li', { text: w.message })));
    const crop = prepared.region && prepared.source ? regionToCrop(prepared.region, prepared.source) : null;
    const movable = state.image.framing === 'fill' && crop !== null && isMovable(crop);
    state.image.shownCrop = crop;
    show(ui.cropWindow, movable);
    show(ui.cropHelp, movable);
    if (movable) placeCropWindow(crop);
  }

  function placeCropWindow(crop) {
    const s = ui.cropWindow.style;
    s.left = `${crop.x * 100}%`;
    s.top = `${crop.y * 100}%`;
    s.width = `${crop.width * 100}%`;
    s.height = `${crop.height * 100}%`;
  }

  function showImageError(error) {
    show(ui.card, false);
    show(ui.dropZone, true);
    show(ui.error, true);
    $('.image-error-message', ui.error).textContent = messageOf(error);
    $('.image-error-next', ui.error).textContent = strings.imageNext[error?.code] ?? strings.imageNext.other;
    render();
  }

  function clearImage() {
    state.request += 1;
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
    announce(strings.imageRemoved);
    byTestId('image-choose').focus();
  }

  async function chooseImage() {
    try {
      const path = await ipc.chooseImage();
      if (path) await useImage(path);
    } catch (error) {
      showImageError(error);
    }
  }

  async function pasteImage(event) {
    const file = [...(event.clipboardData?.items ?? [])]
      .find((item) => item.kind === 'file' && isPastableImage(item.type))?.getAsFile();
    if (!file) return;
    event.preventDefault();
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const path = await ipc.savePastedImage(bytes);
      await useImage(path);
    } catch (error) {
      showImageError(error);
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
    state.keyTimer = setTimeout(() => commitCrop(crop), 350);
  });

  // Generate

  async function generate() {
    if (currentBlocker() !== null) return;
    const prompt = ui.prompt.value.trim();
    const image = state.image?.prepared
      ? { path: state.image.path, framing: state.image.framing, crop: state.image.framing === 'fill' ? state.image.crop : null }
      : null;
    state.submitting = true;
    render();
    try {
      const task = await ipc.submit({ prompt, orientation: orientation(), duration: duration(), image });
      ui.prompt.value = '';
      clearImage();
      state.orientationPicked = false;
      notice('');
      toast(strings.submitted);
      onSubmitted(task);
    } catch (error) {
      notice(strings.submitFailed(messageOf(error)));
    } finally {
      state.submitting = false;
      render();
    }
  }

  // Wiring

  ui.panel.addEventListener('input', render);
  ui.prompt.addEventListener('input', () => notice(''));
  for (const input of $$('input[name="orientation"]')) {
    input.addEventListener('change', () => {
      state.orientationPicked = true;
      if (state.image) {
        state.image.crop = null;
        prepare();
      }
    });
  }
  for (const input of $$('input[name="duration"]')) input.addEventListener('change', () => { state.durationPicked = true; });
  for (const input of $$('input[name="framing"]')) {
    input.addEventListener('change', () => {
      if (!state.image) return;
      state.image.framing = input.value;
      prepare();
    });
  }
  ui.generate.addEventListener('click', generate);
  byTestId('image-choose').addEventListener('click', chooseImage);
  byTestId('image-remove').addEventListener('click', removeImage);
  document.addEventListener('paste', pasteImage);

  return {
    render,
    generate,
    useImage,
    chooseImage,
    /** The native drag and drop of files over the window (ipc.onImageDrop). */
    onDrop({ type, paths }) {
      if (type === 'enter' || type === 'over') {
        show(ui.overlay, true);
        return;
      }
      show(ui.overlay, false);
      if (type === 'drop' && paths.length > 0) useImage(paths[0]);
    },
    /** Applies the person's defaults unless they already chose in this panel. */
    applyDefaults(settings) {
      if (!state.orientationPicked && !state.image) setRadio('orientation', settings.default_orientation);
      if (!state.durationPicked) setRadio('duration', String(settings.default_duration));
      render();
    },
    /** "Make another like this" and "Edit the description": the task's prompt, shape, length and picture. */
    fillFrom(task, { withImage = true } = {}) {
      ui.prompt.value = task.prompt;
      setRadio('orientation', task.orientation);
      setRadio('duration', String(task.duration));
      state.orientationPicked = true;
      state.durationPicked = true;
      if (withImage && task.image) useImage(task.image.path, { framing: task.image.framing, crop: task.image.crop });
      else clearImage();
      render();
      ui.prompt.focus();
      ui.prompt.setSelectionRange(ui.prompt.value.length, ui.prompt.value.length);
    },
  };
}
