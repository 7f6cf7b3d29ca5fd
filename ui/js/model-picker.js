// The model picker at the top of New video: a button showing the current model, which opens a
// list of every model grouped by family, each with what it is good at, its price per second and
// what it can do. A listbox in the ARIA sense: arrow keys, Home and End move, Enter picks,
// Escape and Tab close. A model this key may not use is shown with the reason and cannot be picked.

import { say } from './i18n.js';
import { strings } from './strings.js';
import { $, fill, h, show } from './dom.js';
import { icon } from './icons.js';
import { badges, groupByFamily } from './models.js';

const byTestId = (id) => $(`[data-testid="${id}"]`);

/** The small facts under a model's line: sound, first + last frame, longest length, best quality. */
export function badgeList(model) {
  const b = badges(model);
  return [
    b.sound ? h('span', { class: 'badge' }, icon('sound', 13), h('span', { text: strings.badges.sound })) : null,
    b.lastFrame ? h('span', { class: 'badge' }, icon('frames', 13), h('span', { text: strings.badges.lastFrame })) : null,
    h('span', { class: 'badge', text: strings.badges.longest(b.longest) }),
    b.best ? h('span', { class: 'badge', text: strings.qualityName(b.best) }) : null,
  ];
}

export function createModelPicker({ onPick }) {
  const root = byTestId('model-picker');
  const button = byTestId('model-picker-button');
  const popover = $('.model-popover', root);
  const list = $('.model-list', root);
  const name = $('.model-current-name', button);
  const maker = $('.model-current-maker', button);
  const sub = $('.model-current-sub', button);
  const makers = new Map();
  let models = [];
  let current = null;
  let active = null;

  const options = () => [...list.querySelectorAll('[role="option"]')];
  const optionOf = (id) => list.querySelector(`[data-model-id="${CSS.escape(id)}"]`);

  function render(modelList) {
    models = modelList.models;
    for (const family of modelList.families) makers.set(family.id, family.maker);
    const families = groupByFamily(modelList.families, modelList.models);
    fill(list, families.map(({ family, models: members }) => {
      const headId = `model-family-${family.id}`;
      return h('div', { role: 'group', class: 'model-group', 'aria-labelledby': headId },
        h('div', { class: 'model-family', id: headId },
          h('span', { class: 'model-family-name', text: family.name }),
          h('span', { class: 'model-family-maker', text: family.maker })),
        members.map(optionFor));
    }));
    button.disabled = false;
    if (current) setCurrent(models.find((m) => m.id === current.id) ?? current);
  }

  function optionFor(model) {
    const selected = current?.id === model.id;
    return h('div', {
      role: 'option',
      id: `model-option-${model.id}`,
      class: `model-option${model.available ? '' : ' unavailable'}`,
      testid: 'model-option',
      dataset: { modelId: model.id },
      'aria-selected': String(selected),
      'aria-disabled': String(!model.available),
      onclick: () => pick(model.id),
      onpointermove: () => setActive(model.id, { scroll: false }),
    },
    h('span', { class: 'model-option-head' },
      h('span', { class: 'model-option-name', text: model.name }),
      model.available
        ? h('span', { class: 'model-option-price', text: strings.modelFrom(model.from_credits_per_second) })
        : h('span', { class: 'model-option-off', text: strings.modelUnavailable }),
      h('span', { class: 'model-option-check', 'aria-hidden': 'true' }, icon('check', 16))),
    h('span', { class: 'model-option-good', text: say(model.good_at) }),
    model.available ? null : h('span', { class: 'model-option-reason', testid: 'model-option-reason', text: say(model.unavailable_reason) }),
    h('span', { class: 'badges' }, badgeList(model)));
  }

  function setCurrent(model) {
    current = model;
    name.textContent = model.name;
    maker.textContent = makers.get(model.family) ?? '';
    sub.textContent = model.available ? strings.modelFrom(model.from_credits_per_second) : strings.modelUnavailable;
    button.classList.toggle('unavailable', !model.available);
    for (const option of options()) option.setAttribute('aria-selected', String(option.dataset.modelId === model.id));
  }

  function setActive(id, { scroll = true } = {}) {
    active = id;
    for (const option of options()) option.classList.toggle('active', option.dataset.modelId === id);
    const option = optionOf(id);
    if (!option) return;
    list.setAttribute('aria-activedescendant', option.id);
    if (scroll) option.scrollIntoView({ block: 'nearest' });
  }

  function place() {
    // Fixed to the window, so the list is never cut by the panel's scrolling; below the button
    // when there is room, else above, and never wider than the window.
    const box = button.getBoundingClientRect();
    const margin = 12;
    const width = Math.min(Math.max(box.width, 440), window.innerWidth - 2 * margin);
    const left = Math.min(Math.max(margin, box.left), window.innerWidth - width - margin);
    const below = window.innerHeight - box.bottom - margin;
    const above = box.top - margin;
    const up = below < 260 && above > below;
    const s = popover.style;
    s.left = `${left}px`;
    s.width = `${width}px`;
    s.maxHeight = `${Math.max(160, (up ? above : below) - 6)}px`;
    s.top = up ? 'auto' : `${box.bottom + 6}px`;
    s.bottom = up ? `${window.innerHeight - box.top + 6}px` : 'auto';
  }

  function open() {
    if (!popover.hidden || button.disabled) return;
    show(popover, true);
    button.setAttribute('aria-expanded', 'true');
    place();
    setActive(current?.id ?? options()[0]?.dataset.modelId);
    list.focus({ preventScroll: true });
    window.addEventListener('resize', place);
    document.addEventListener('pointerdown', outside, true);
    document.addEventListener('scroll', onScroll, true);
  }

  function close({ focus = true } = {}) {
    if (popover.hidden) return;
    show(popover, false);
    button.setAttribute('aria-expanded', 'false');
    list.removeAttribute('aria-activedescendant');
    window.removeEventListener('resize', place);
    document.removeEventListener('pointerdown', outside, true);
    document.removeEventListener('scroll', onScroll, true);
    if (focus) button.focus();
  }

  function outside(event) {
    if (!root.contains(event.target)) close({ focus: false });
  }

  function onScroll(event) {
    // Scrolling the list itself is fine; scrolling the page under it moves the button away.
    if (!popover.contains(event.target)) place();
  }

  function pick(id) {
    const model = models.find((m) => m.id === id);
    if (!model?.available) return;
    close();
    if (model.id !== current?.id) onPick(model.id);
  }

  function move(step) {
    const ids = options().map((o) => o.dataset.modelId);
    if (ids.length === 0) return;
    const at = ids.indexOf(active);
    const next = step === 'first' ? 0 : step === 'last' ? ids.length - 1 : Math.min(ids.length - 1, Math.max(0, (at === -1 ? 0 : at) + step));
    setActive(ids[next]);
  }

  button.addEventListener('click', () => (popover.hidden ? open() : close()));
  button.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      open();
    }
  });
  list.addEventListener('keydown', (event) => {
    switch (event.key) {
      case 'ArrowDown': move(1); break;
      case 'ArrowUp': move(-1); break;
      case 'Home': move('first'); break;
      case 'End': move('last'); break;
      case 'PageDown': move(4); break;
      case 'PageUp': move(-4); break;
      case 'Enter':
      case ' ':
        if (active) pick(active);
        break;
      case 'Escape':
        close();
        break;
      case 'Tab':
        close({ focus: false });
        button.focus();
        return; // the Tab itself moves on from the button
      default:
        return;
    }
    event.preventDefault();
    event.stopPropagation();
  });

  /** The models could not be listed: the button says so and stays disabled. */
  function showProblem(text) {
    name.textContent = text;
    maker.textContent = '';
    sub.textContent = '';
    button.disabled = true;
  }

  return {
    render,
    setCurrent,
    showProblem,
    open,
    close,
    get isOpen() { return !popover.hidden; },
  };
}
