// One task drawn as a gallery card, and the "state face" (progress, or what went wrong and what
// to do) that the card and the detail view share. Built with DOM calls only: prompts are user text.

import { say } from './i18n.js';
import { strings } from './strings.js';
import { h, show } from './dom.js';
import { icon } from './icons.js';
import { age, clock } from './format.js';
import { canStop, linkLifetime, lookupFound, nextStep, phase, progressInfo, taskCredits } from './tasks.js';

/** The state in words: "Generating 35%", "Waiting for a free slot", "Ready", "Didn’t work"… */
export function stateLabel(task) {
  if (task.state === 'generating' && task.progress > 0) return strings.generatingPercent(Math.round(task.progress));
  if (task.state === 'waiting') return strings.waitingTitle[task.error?.code] ?? strings.state.waiting;
  if (task.state === 'failed' && task.error?.code === 'stopped') return strings.stoppedEnded;
  return strings.state[task.state] ?? task.state;
}

/** "Next in line", "Number 3 in line", or null when the position is not known. */
export function placeText(task) {
  return task.queue_position ? strings.queuePlace(task.queue_position) : null;
}

/** "1:12 so far · about 2:30 left" for an active task, or '' when there is nothing to say. */
export function timingText(task, now) {
  const { elapsed, remaining } = progressInfo(task, now);
  const parts = [strings.elapsed(clock(elapsed))];
  if (remaining != null) parts.push(strings.remaining(clock(remaining)));
  return parts.join(strings.list.dot);
}

/** "<model> · 8 s · 46.08 credits · 2 h ago" (the shape shows in the picture itself). */
export function metaText(task, now) {
  const parts = [task.model_name, strings.meta.seconds(task.duration)].filter(Boolean);
  const credits = taskCredits(task);
  // Nothing is spent on a waiting video yet: its figure is what it is expected to cost.
  if (credits != null) parts.push(task.state === 'waiting' ? strings.creditsAbout(credits) : strings.credits(credits));
  const when = age(task.created_at, now);
  parts.push(when.unit === 'date' ? strings.age.date(task.created_at) : when.unit === 'now' ? strings.age.now : strings.age[when.unit](when.n));
  return parts.join(strings.list.dot);
}

/** "Made; saving it. The link lasts until 18:40 (23 h left)", or null when it is not known. */
export function linkText(task, now) {
  const life = linkLifetime(task, now);
  if (!life) return null;
  if (life.left.unit === 'gone') return strings.linkGone;
  return strings.linkLasts(strings.clockTime(life.until), strings.timeLeft[life.left.unit](life.left.n));
}

/**
 * What went wrong, in the UI's own words where the backend's message cannot be the whole truth:
 * for an uncertain video, what happened and what the last lookup at EvoLink found. A card has
 * room for one sentence (`short`): what the lookup found, which tells uncertain cards apart.
 */
export function troubleText(task, { short = false } = {}) {
  if (task.state === 'outcome_unknown') {
    const found = strings.uncertain.found[lookupFound(task)];
    if (short && found) return found;
    return [strings.uncertain.what, found].filter(Boolean).join(strings.sentenceJoiner);
  }
  return (task.error ? say(task.error.message) : '') || (strings.advice[nextStep(task).advice] ?? '');
}

/** A note on a card: cut to a few lines there (CSS), so the whole of it is its title. */
const noteLine = (text) => h('p', { class: 'face-trouble', testid: 'task-note', text, title: text });

/**
 * What an unfinished or failed task shows where its picture would be: the live state with a
 * progress bar and time, or the plain reason and the next step as a button.
 */
export function stateFace(task, now, onAction, { short = false } = {}) {
  const kind = phase(task.state);
  if (task.state === 'waiting') {
    // Not moving yet, so no progress bar: why it waits and its place in the queue.
    const place = placeText(task);
    const known = strings.waitingTitle[task.error?.code];
    return h('div', { class: 'face face-waiting' },
      h('p', { class: 'face-title' }, icon('clock', 16), h('span', { text: stateLabel(task) })),
      place ? h('p', { class: 'face-time', testid: 'task-place', text: place }) : null,
      // A note the UI has no words of its own for is shown as the backend wrote it.
      task.error && !known ? noteLine(say(task.error.message)) : null,
      onAction ? stepButton(task, onAction) : null);
  }
  if (kind === 'active') {
    const step = nextStep(task);
    const link = linkText(task, now);
    const { percent } = progressInfo(task, now);
    const bar = h('div', {
      class: `progress${percent == null ? ' indeterminate' : ''}`,
      testid: 'task-progress',
      role: 'progressbar',
      'aria-label': stateLabel(task),
      'aria-valuemin': 0,
      'aria-valuemax': 100,
      'aria-valuenow': percent ?? undefined,
    }, h('span', { class: 'progress-fill' }));
    if (percent != null) bar.firstChild.style.width = `${percent}%`;
    return h('div', { class: `face face-active state-${task.state}` },
      h('p', { class: 'face-title', text: stateLabel(task) }),
      bar,
      // A made video waiting to be saved has a deadline that matters more than the time spent.
      link ? h('p', { class: 'face-time face-link', testid: 'link-expires', text: link })
        : h('p', { class: 'face-time', testid: 'task-eta', text: timingText(task, now) }),
      // A note with its own advice (checking, storage...) is a reason to wait, not a failure.
      task.error ? noteLine(step.advice ? say(task.error.message) : strings.stillTrying(task.error.message)) : null,
      task.stopped ? h('p', { class: 'face-stopped', testid: 'task-stopped', text: strings.stoppedNote[task.stopped] }) : null,
      onAction ? stepButton(task, onAction) : null);
  }
  return h('div', { class: 'face face-failed' },
    h('p', { class: 'face-title' }, icon('alert', 16), h('span', { text: stateLabel(task) })),
    h('p', { class: 'face-message', testid: 'task-error', text: troubleText(task, { short }), title: short ? troubleText(task) : null }),
    onAction ? stepButton(task, onAction) : null);
}

/** The button for what to do next about a failed or waiting task, or null when there is nothing to do. */
export function stepButton(task, onAction) {
  const { action } = nextStep(task);
  if (!action) return null;
  return h('button', {
    type: 'button',
    class: 'small face-action',
    testid: action === 'look_again' ? 'task-look-again' : 'task-next-step',
    dataset: { action },
    text: strings.actions[action],
    onclick: (event) => {
      event.stopPropagation();
      onAction(task, action);
    },
  });
}

/** The picture part of a card: the poster, a frame placeholder, or the state face. */
function thumb(task, now, onAction) {
  const box = h('div', { class: `thumb ${task.orientation === 'portrait' ? 'is-portrait' : ''}` });
  if (task.state === 'done') {
    if (task.poster_url) {
      box.append(h('img', { class: 'poster', src: task.poster_url, alt: '', decoding: 'async', draggable: false }));
    } else {
      box.append(h('div', { class: 'poster-placeholder' }, icon('play', 28)));
    }
    box.append(h('span', { class: 'play-badge', 'aria-hidden': 'true' }, icon('play', 18)));
    box.append(h('span', { class: 'duration-badge', text: strings.meta.seconds(task.duration) }));
  } else {
    box.append(stateFace(task, now, null, { short: true }));
  }
  return box;
}

/**
 * Creates the persistent element of a card. Its open, select, favourite and stop controls keep
 * their identity across updates so keyboard focus survives live changes. `onOpen(task, event)`
 * gets the click (the gallery tells opening from selecting by its keys); the checkbox is not a
 * tab stop of its own: Space on the focused card toggles it (`onSelect(task, event)`).
 */
export function createCard({ onOpen, onSelect, onFavourite, onStop }) {
  const open = h('button', { type: 'button', class: 'card-open' });
  const select = h('input', { type: 'checkbox', class: 'card-select', testid: 'card-select', tabIndex: -1 });
  const favourite = h('button', { type: 'button', class: 'card-fav', testid: 'task-favourite' }, icon('star', 16));
  const stop = h('button', { type: 'button', class: 'card-stop', testid: 'task-stop', 'aria-label': strings.stopLabel, title: strings.stopLabel }, icon('stop', 16));
  const root = h('div', { class: 'card', testid: 'task-card', role: 'listitem' }, open, select, favourite, stop);
  root.addEventListener('click', (event) => {
    if (event.target.closest('.card-fav, .card-stop, .card-select, .face-action')) return;
    onOpen(root.task, event);
  });
  select.addEventListener('click', (event) => {
    event.preventDefault(); // the gallery's selection decides what is checked
    onSelect(root.task, event);
  });
  open.addEventListener('keydown', (event) => {
    if (event.key !== ' ') return;
    event.preventDefault(); // Space selects; Enter opens
    onSelect(root.task, event);
  });
  favourite.addEventListener('click', () => onFavourite(root.task));
  stop.addEventListener('click', () => onStop(root.task));
  return root;
}

/**
 * Draws `task` into a card made by createCard; `selected` is whether it is in the selection,
 * `takes` how many takes its group has (null for a task that is not one).
 */
export function updateCard(root, task, now, onAction, { selected = false, takes = null } = {}) {
  root.task = task;
  root.dataset.taskId = task.id;
  root.dataset.state = task.state;
  root.className = `card phase-${phase(task.state)}`;
  const [open, favourite] = [root.querySelector('.card-open'), root.querySelector('.card-fav')];
  root.querySelector('.card-select').setAttribute('aria-label', strings.selectVideo(task.prompt));
  setSelected(root, selected);
  show(root.querySelector('.card-stop'), canStop(task));
  open.setAttribute('aria-label', strings.cardLabel(task.prompt, stateLabel(task)));
  open.setAttribute('aria-describedby', 'card-keys');
  favourite.setAttribute('aria-pressed', String(task.favourite));
  favourite.setAttribute('aria-label', task.favourite ? strings.unfavourite : strings.favourite);
  favourite.title = task.favourite ? strings.unfavourite : strings.favourite;
  favourite.classList.toggle('on', task.favourite);
  for (const old of root.querySelectorAll('.thumb, .card-info')) old.remove();
  root.prepend(
    thumb(task, now, onAction),
    h('div', { class: 'card-info' },
      h('div', { class: 'card-title-row' },
        h('p', { class: 'card-prompt', text: task.prompt }),
        task.take ? h('span', { class: 'take-badge', testid: 'task-take', text: strings.take(task.take, takes) }) : null),
      // A card offers its next step below the picture, away from the card's centre.
      (phase(task.state) !== 'done' && stepButton(task, onAction)) || h('p', { class: 'card-meta', text: metaText(task, now) })),
  );
}

/** Shows whether a card is selected, without drawing it again. */
export function setSelected(root, selected) {
  root.classList.toggle('selected', selected);
  root.querySelector('.card-select').checked = selected;
}

/** A grey stand-in for a card whose task is still being fetched. */
export function placeholderCard() {
  return h('div', { class: 'card skeleton', 'aria-hidden': 'true' },
    h('div', { class: 'thumb' }), h('div', { class: 'card-info' }, h('span', { class: 'line' }), h('span', { class: 'line short' })));
}
