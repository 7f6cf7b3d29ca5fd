// The takes of one prompt side by side in the detail view (two columns for two, a 2×2 grid for
// three or four), played in sync: play, pause and seek on any of them, or on the shared controls,
// apply to all, and players that drift are moved back within IN_STEP of the one followed. Only
// the take being looked at plays its sound, so four soundtracks never play over each other.

import { strings } from './strings.js';
import { h, fill, unloadVideos } from './dom.js';
import { icon } from './icons.js';
import { clock } from './format.js';
import { stateFace } from './card.js';
import { IN_STEP, orderTakes, outOfStep, takesLayout } from './takes.js';

/**
 * `tasks`: the takes of one group; `currentId`: the take the detail view is about; `onPick(task)`
 * when another take is chosen. Returns { element, update(tasks), setCurrent(id), destroy() }.
 */
export function createTakesView({ tasks, currentId, now, onPick }) {
  let takes = [];
  let total = 0;
  let current = currentId;
  const tiles = new Map(); // task id → { task, figure, video }
  const grid = h('div', { class: 'takes-grid' });
  const playButton = h('button', { type: 'button', class: 'small takes-play', testid: 'takes-play' });
  const seek = h('input', { type: 'range', class: 'range takes-seek', testid: 'takes-seek', min: 0, max: 1, step: 0.01, value: 0, 'aria-label': strings.takesSeek });
  const time = h('span', { class: 'takes-time', 'aria-hidden': 'true' });
  const element = h('div', { class: 'takes', testid: 'takes-view' },
    grid,
    h('div', { class: 'takes-controls' }, playButton, seek, time),
    h('p', { class: 'takes-note hint', text: strings.takesSound }));

  const videos = () => takes.map((t) => tiles.get(t.id)?.video).filter(Boolean);
  /** The player the others follow: the current take's, else the first that has a video. */
  const leader = () => tiles.get(current)?.video ?? videos()[0] ?? null;
  const playing = () => videos().some((v) => !v.paused && !v.ended);

  // Where this view itself last moved each player. Its 'seeked' is then not taken for a seek by
  // the person and passed on to the others: a correction that lands late (a busy machine) would
  // otherwise pull every take back to where it was, over a seek the person has just made.
  const movedTo = new WeakMap();
  function moveTo(video, to) {
    movedTo.set(video, to);
    video.currentTime = to;
  }
  /** Whether the seek that just ended on `video` was this view's own (to where it sent it). */
  function ownSeek(video) {
    const to = movedTo.get(video);
    movedTo.delete(video);
    return to !== undefined && Math.abs(video.currentTime - to) < 0.01;
  }

  function quietly(promise) {
    // A play() cut short by a pause, or refused before the page was touched, is not an error here.
    promise?.catch?.(() => {});
  }

  function playAll() {
    const lead = leader();
    if (!lead) return;
    for (const video of videos()) {
      if (video !== lead && Math.abs(video.currentTime - lead.currentTime) > IN_STEP) moveTo(video, lead.currentTime);
      if (video.paused) quietly(video.play());
    }
  }

  function pauseAll() {
    for (const video of videos()) if (!video.paused) video.pause();
  }

  function seekAll(to, except = null) {
    for (const video of videos()) {
      if (video !== except && Math.abs(video.currentTime - to) > IN_STEP) moveTo(video, to);
    }
  }

  /** Moves players that drifted from the leader back into step (their decoders run apart). */
  function keepInStep() {
    const lead = leader();
    if (!lead || lead.seeking) return;
    const list = videos();
    const drifted = outOfStep(list.map((v) => v.currentTime), lead.currentTime, { durations: list.map((v) => v.duration) });
    for (const i of drifted) if (list[i] !== lead && !list[i].seeking) moveTo(list[i], lead.currentTime);
  }

  function showControls() {
    const lead = leader();
    const on = playing();
    playButton.replaceChildren(icon(on ? 'pause' : 'play', 15), h('span', { text: on ? strings.takesPause : strings.takesPlay }));
    playButton.setAttribute('aria-pressed', String(on));
    const duration = Number.isFinite(lead?.duration) ? lead.duration : 0;
    seek.max = String(duration || 1);
    if (document.activeElement !== seek) seek.value = String(lead?.currentTime ?? 0);
    seek.disabled = !lead;
    playButton.disabled = !lead;
    time.textContent = lead ? `${clock(lead.currentTime)} / ${clock(duration)}` : '';
  }

  function wire(video) {
    video.addEventListener('play', () => {
      playAll();
      showControls();
    });
    video.addEventListener('pause', () => {
      // One that ends waits for the others; a pause by the person pauses them all.
      if (!video.ended) pauseAll();
      showControls();
    });
    video.addEventListener('seeked', () => {
      if (!ownSeek(video)) seekAll(video.currentTime, video);
      showControls();
    });
    video.addEventListener('timeupdate', () => {
      if (video === leader()) {
        keepInStep();
        showControls();
      }
    });
    video.addEventListener('loadedmetadata', showControls);
    video.addEventListener('click', () => (playing() ? pauseAll() : playAll()));
  }

  function tile(task) {
    const label = strings.take(task.take ?? 1, total);
    let video = null;
    let stage;
    if (task.state === 'done' && task.video_url) {
      video = h('video', { class: 'take-video', testid: 'take-video', preload: 'auto', playsInline: true, 'aria-label': label });
      if (task.poster_url) video.poster = task.poster_url;
      video.src = task.video_url;
      video.muted = task.id !== current;
      wire(video);
      stage = video;
    } else {
      stage = h('div', { class: 'take-face' }, stateFace(task, now(), null, { short: true }));
    }
    const pick = h('button', {
      type: 'button', class: 'take-pick', testid: 'take-pick', 'aria-pressed': String(task.id === current),
      onclick: () => {
        if (task.id === current) return;
        setCurrent(task.id);
        onPick(tiles.get(task.id).task);
      },
    }, h('span', { text: label }));
    const figure = h('figure', {
      class: `take${task.id === current ? ' current' : ''}${task.orientation === 'portrait' ? ' is-portrait' : ''}`,
      testid: 'take', dataset: { taskId: task.id, state: task.state },
    }, stage, h('figcaption', {}, pick));
    return { task, figure, video };
  }

  function draw(list) {
    ({ takes, total } = orderTakes(list));
    for (const old of tiles.values()) old.video?.pause();
    tiles.clear();
    for (const task of takes) tiles.set(task.id, tile(task));
    element.dataset.layout = takesLayout(takes.length);
    element.classList.toggle('portrait', takes.every((t) => t.orientation === 'portrait'));
    fill(grid, takes.map((t) => tiles.get(t.id).figure));
    showControls();
  }

  function setCurrent(id) {
    current = id;
    for (const [taskId, { figure, video }] of tiles) {
      figure.classList.toggle('current', taskId === id);
      figure.querySelector('.take-pick').setAttribute('aria-pressed', String(taskId === id));
      if (video) video.muted = taskId !== id;
    }
    showControls();
  }

  playButton.addEventListener('click', () => (playing() ? pauseAll() : playAll()));
  seek.addEventListener('input', () => seekAll(Number(seek.value)));

  draw(tasks);

  return {
    element,
    /** Live changes: a take that changed state is drawn again (a made one joins, paused, at the others' time). */
    update(changed) {
      let redraw = false;
      for (const task of changed) {
        const known = tiles.get(task.id);
        if (!known) continue;
        if (known.task.state !== task.state || known.task.video_url !== task.video_url) redraw = true;
        known.task = task;
      }
      if (!redraw) return;
      const at = leader()?.currentTime ?? 0;
      draw(takes.map((t) => tiles.get(t.id)?.task ?? t));
      for (const video of videos()) moveTo(video, at);
    },
    setCurrent,
    /** How many takes the group has. */
    get total() { return total; },
    destroy() {
      unloadVideos(element);
    },
  };
}
