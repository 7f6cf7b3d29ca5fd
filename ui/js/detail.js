// The detail view of one video: the player, the full prompt and settings, credits, where the file
// is, and what can be done with it. A take of several is shown beside its sister takes, played in
// sync (takes-view.js). A modal <dialog>: Escape closes it and focus goes back.

import * as ipc from './ipc.js';
import { say } from './i18n.js';
import { strings } from './strings.js';
import { $, fill, h, show, unloadVideos } from './dom.js';
import { icon } from './icons.js';
import { messageOf, toast } from './announce.js';
import { ENDED_BADLY, canRetry, canStop, linkLifetime, lookupFound, nextStep, retryNeedsConfirmation, supportDetails, taskCredits } from './tasks.js';
import { placeText, stateFace, stateLabel } from './card.js';
import { createTakesView } from './takes-view.js';
import { copyText } from './clipboard.js';

const byTestId = (id) => $(`[data-testid="${id}"]`);
const now = () => Date.now() / 1000;

export function createDetail({ gallery, compose, onAction, onStop, isDemo, appVersion }) {
  const dialog = byTestId('detail');
  const ui = {
    title: $('#detail-title'),
    stage: $('.detail-stage', dialog),
    state: byTestId('detail-state'),
    prompt: byTestId('detail-prompt'),
    facts: $('.detail-facts', dialog),
    actions: $('.detail-actions', dialog),
    confirm: byTestId('delete-confirm'),
    retryConfirm: byTestId('retry-confirm-dialog'),
    demoTag: $('.demo-tag', dialog),
  };
  let task = null;
  let opener = null;
  // The takes of the open task's group, side by side, while it has sister takes.
  let takes = null; // { group, view }
  let takesRequest = 0;
  // A retry in flight: a second click before its answer would start (and pay for) a second video.
  let retrying = false;

  function button(testid, label, iconName, handler, extra = '') {
    return h('button', { type: 'button', class: `small ${extra}`, testid, onclick: handler }, icon(iconName, 16), h('span', { text: label }));
  }

  function render({ keepPlayer = false } = {}) {
    // Redrawing replaces the buttons; the one that had focus gets it back if it is still there.
    const focused = dialog.contains(document.activeElement) ? document.activeElement.dataset.testid : null;
    ui.title.textContent = strings.detailTitle;
    show(ui.demoTag, isDemo());
    dialog.dataset.state = task.state;
    if (task.takes_group) {
      showTakes();
    } else if (!keepPlayer) {
      if (task.state === 'done' && task.video_url) {
        const video = h('video', {
          class: 'player', testid: 'task-video', controls: true, preload: 'metadata', playsInline: true,
          'aria-label': task.prompt,
        });
        if (task.poster_url) video.poster = task.poster_url;
        video.src = task.video_url;
        unloadVideos(ui.stage);
        fill(ui.stage, video);
      } else if (task.state === 'done') {
        unloadVideos(ui.stage);
        fill(ui.stage, h('div', { class: 'face face-failed' }, h('p', { class: 'face-message', text: strings.videoMissing })));
      } else {
        // Retrying and looking again have their own buttons among the actions; other next steps
        // show beside the reason.
        const step = ['retry', 'look_again'].includes(nextStep(task).action) ? null : (t, action) => onAction(t, action);
        unloadVideos(ui.stage);
        fill(ui.stage, stateFace(task, now(), step));
      }
    }
    ui.stage.classList.toggle('is-portrait', task.orientation === 'portrait');
    ui.stage.classList.toggle('has-takes', Boolean(takes));
    dialog.classList.toggle('with-takes', Boolean(task.takes_group));
    ui.state.textContent = stateLabel(task);
    ui.state.className = `detail-state phase-${task.state}`;
    ui.prompt.textContent = task.prompt;
    renderFacts();
    renderActions();
    if (focused && !dialog.contains(document.activeElement)) ($(`[data-testid="${focused}"]`, dialog) ?? byTestId('detail-close')).focus();
  }

  /**
   * Loads the takes of the task's group once per group (listTasks with `takes_group`) and shows
   * them side by side; the stage keeps them while the person picks one take after another.
   */
  async function showTakes() {
    if (takes?.group === task.takes_group) return;
    dropTakes();
    const group = task.takes_group;
    const mine = ++takesRequest;
    if (!ui.stage.firstChild) fill(ui.stage, h('div', { class: 'takes-loading', 'aria-hidden': 'true' }));
    try {
      const { tasks } = await ipc.listTasks({ takes_group: group, limit: 10 });
      if (mine !== takesRequest || task?.takes_group !== group) return;
      const view = createTakesView({
        tasks: tasks.length > 0 ? tasks : [task],
        currentId: task.id,
        now,
        onPick: (picked) => {
          task = picked;
          render();
        },
      });
      takes = { group, view };
      fill(ui.stage, view.element);
      ui.stage.classList.add('has-takes');
      renderFacts(); // now that the group's size is known ("Take 2 of 4")
    } catch (error) {
      if (mine !== takesRequest) return;
      fill(ui.stage, h('div', { class: 'face face-failed' }, h('p', { class: 'face-message', text: messageOf(error) })));
    }
  }

  function dropTakes() {
    takesRequest += 1;
    takes?.view.destroy();
    takes = null;
    ui.stage.classList.remove('has-takes');
  }

  /** What to do about it, under the facts: per lookup, per code, and before a link runs out. */
  function advice() {
    const step = nextStep(task);
    if (task.state === 'outcome_unknown') return strings.uncertain.next[lookupFound(task)];
    if (ENDED_BADLY.includes(task.state)) return strings.advice[step.advice];
    const life = linkLifetime(task, now());
    const keepOpen = task.error && life && life.left.unit !== 'gone' ? strings.keepOpen(strings.clockTime(life.until)) : null;
    return [step.advice ? strings.advice[step.advice] : null, keepOpen].filter(Boolean).join(strings.sentenceJoiner) || null;
  }

  /** What was charged; for an uncertain video, what would have been, since nobody knows yet. */
  function creditsText(credits) {
    if (task.credits_used != null) return strings.credits(credits);
    if (task.state === 'waiting') return strings.creditsWhenStarted(credits);
    return task.state === 'outcome_unknown' ? strings.creditsIfStarted(credits) : strings.creditsReserved(credits);
  }

  function renderFacts() {
    const credits = taskCredits(task);
    const rows = [
      task.model_name ? [strings.facts.model, task.model_name, 'detail-model'] : null,
      // No shape was asked for when the pictures decide it (Kling or MiniMax with frames).
      [strings.facts.shape, task.aspect ? strings.shapeFact(task.aspect) : strings.shapeFromPictures, 'detail-shape'],
      [strings.facts.length, strings.meta.seconds(task.duration)],
      task.quality ? [strings.facts.quality, strings.qualityName(task.quality), 'detail-quality'] : null,
      task.audio != null ? [strings.facts.sound, task.audio ? strings.soundOn : strings.soundOff, 'detail-sound'] : null,
      task.take ? [strings.facts.take, strings.take(task.take, takes?.view.total ?? null), 'detail-take'] : null,
      task.state === 'waiting' && placeText(task) ? [strings.facts.queue, placeText(task), 'detail-place'] : null,
      task.stopped ? [strings.facts.stopped, strings.stoppedNote[task.stopped], 'detail-stopped'] : null,
      [strings.facts.made, strings.madeAt(task.created_at)],
      credits != null ? [strings.facts.credits, creditsText(credits), 'detail-credits'] : null,
      task.image ? [strings.facts.picture, strings.pictureUsed(task.image.framing)] : null,
      task.last_image ? [strings.facts.lastFrame, strings.pictureGiven] : null,
      task.seed != null ? [strings.facts.seed, String(task.seed)] : null,
      task.negative_prompt ? [strings.facts.avoid, task.negative_prompt] : null,
      task.video_path ? [strings.facts.file, task.video_path, 'detail-path'] : null,
    ].filter(Boolean);
    fill(ui.facts, rows.flatMap(([term, value, testid]) => [h('dt', { text: term }), h('dd', { text: value, testid })]));
    // Why a video waits is said by its state and the advice below; any other note is said here.
    const waitingSaid = task.state === 'waiting' && strings.waitingTitle[task.error?.code];
    if (task.state !== 'done' && task.error && !waitingSaid && !ui.stage.querySelector('[data-testid="task-error"], [data-testid="task-note"]')) {
      ui.facts.append(h('dt', { text: stateLabel(task) }), h('dd', { text: say(task.error.message) }));
    }
    const words = task.state === 'done' ? null : advice();
    if (words) ui.facts.append(h('dd', { class: 'advice', testid: 'detail-advice', text: words }));
  }

  function renderActions() {
    const done = task.state === 'done';
    const uncertain = task.state === 'outcome_unknown';
    // Whether it may have been started and paid for: ended uncertain, or being checked.
    const maybePaid = uncertain || task.error?.code === 'checking';
    // What can be done about a video that went wrong comes first.
    fill(ui.actions,
      canStop(task) ? button('task-stop', strings.stop, 'stop', () => onStop(task)) : null,
      uncertain ? button('task-look-again', strings.actions.look_again, 'search', () => onAction(task, 'look_again')) : null,
      canRetry(task) ? button('detail-retry', retryNeedsConfirmation(task) ? strings.makeAgain : strings.retry, 'redo', retryNeedsConfirmation(task) ? askRetry : () => retry()) : null,
      ENDED_BADLY.includes(task.state) ? button('task-copy-details', strings.copyDetails, 'copy', copyDetails) : null,
      done && task.video_path ? button('detail-reveal', strings.reveal, 'folder', () => act(() => ipc.revealTask(task.id))) : null,
      done && task.video_path ? button('detail-save-copy', strings.saveCopy, 'save', saveCopy) : null,
      button('detail-copy-prompt', strings.copyPrompt, 'copy', copyPrompt),
      // For a video that may have been started (and paid), a new one only comes through "Make it
      // again" and its question, not by way of the compose form.
      maybePaid ? null : button('detail-again', strings.again, 'sparkle', again),
      h('button', {
        type: 'button', class: `small toggle-fav ${task.favourite ? 'on' : ''}`, testid: 'detail-favourite',
        'aria-pressed': String(task.favourite), onclick: favourite,
      }, icon('star', 16), h('span', { text: task.favourite ? strings.favouriteOn : strings.favouriteOff })),
      button('detail-delete', strings.delete, 'trash', askDelete, 'danger-text'),
    );
  }

  async function act(job) {
    try {
      return await job();
    } catch (error) {
      toast(messageOf(error), { tone: 'error' });
      return undefined;
    }
  }

  async function saveCopy() {
    const path = await act(() => ipc.saveCopy(task.id));
    if (path) toast(strings.savedCopy(path));
  }

  async function copyPrompt() {
    if (await copyText(task.prompt)) toast(strings.copied);
    else toast(strings.copyFailed, { tone: 'error' });
  }

  async function copyDetails() {
    const text = supportDetails(task, { now: Math.floor(now()), version: appVersion?.() ?? null });
    if (await copyText(text)) toast(strings.detailsCopied);
    else toast(strings.detailsCopyFailed, { tone: 'error' });
  }

  function again() {
    const source = task;
    close();
    compose.fillFrom(source);
    toast(strings.againFilled);
  }

  async function retry({ confirmPaidAgain = false } = {}) {
    if (retrying) return;
    retrying = true;
    const yes = byTestId('retry-confirm');
    yes.disabled = true;
    const fresh = await act(() => ipc.retryTask(task.id, { confirmPaidAgain })).finally(() => {
      retrying = false;
      yes.disabled = false;
    });
    if (!fresh) return;
    gallery.apply([fresh]);
    close();
    toast(strings.retried);
  }

  async function favourite() {
    const updated = await act(() => ipc.setFavourite(task.id, !task.favourite));
    if (!updated) return;
    task = updated;
    gallery.replace(updated);
    renderActions();
    byTestId('detail-favourite').focus();
  }

  // Making an uncertain video again may pay for it twice: the person says so first.
  function askRetry() {
    const credits = task.credits_reserved;
    byTestId('retry-confirm-cost').textContent = credits != null ? strings.retryConfirmCost(credits) : '';
    show(ui.actions, false);
    show(ui.retryConfirm, true);
    byTestId('retry-confirm-cancel').focus();
  }

  function cancelRetry() {
    show(ui.retryConfirm, false);
    show(ui.actions, true);
    byTestId('detail-retry')?.focus();
  }

  function askDelete() {
    show(ui.actions, false);
    show(ui.confirm, true);
    byTestId('delete-cancel').focus();
  }

  function cancelDelete() {
    show(ui.confirm, false);
    show(ui.actions, true);
    byTestId('detail-delete').focus();
  }

  async function confirmDelete() {
    const removed = await act(() => ipc.deleteTask(task.id));
    if (!removed) return;
    gallery.remove(task.id);
    opener = null;
    close();
    toast(strings.deleted);
  }

  function close() {
    if (dialog.open) dialog.close();
  }

  // Closing tears the player down with its decoder: nothing of a video outlives its view.
  dialog.addEventListener('close', () => {
    dropTakes();
    unloadVideos(ui.stage);
    fill(ui.stage);
    const id = task?.id;
    task = null;
    // Focus goes back to the card (a fresh element if the grid redrew it), else the gallery.
    const card = id ? gallery.cardOf(id) : null;
    const target = card?.querySelector('.card-open') ?? (opener?.isConnected ? opener : byTestId('gallery'));
    // An action that closed the dialog may have sent focus somewhere on purpose (the prompt,
    // the settings); only a focus left nowhere, or still in the dialog, goes back to the card.
    const active = document.activeElement;
    const movedOnPurpose = active && active !== document.body && !dialog.contains(active) && active !== opener;
    if (!movedOnPurpose) target.focus();
    opener = null;
  });
  // A click on the backdrop (outside the dialog box) closes it too.
  dialog.addEventListener('click', (event) => { if (event.target === dialog) close(); });
  byTestId('detail-close').addEventListener('click', close);
  byTestId('delete-cancel').addEventListener('click', cancelDelete);
  byTestId('delete-yes').addEventListener('click', confirmDelete);
  byTestId('retry-confirm-cancel').addEventListener('click', cancelRetry);
  byTestId('retry-confirm').addEventListener('click', () => retry({ confirmPaidAgain: true }));

  return {
    open(target) {
      opener = document.activeElement;
      const next = gallery.find(target.id) ?? target;
      if (takes && takes.group !== next.takes_group) dropTakes();
      task = next;
      show(ui.confirm, false);
      show(ui.retryConfirm, false);
      show(ui.actions, true);
      render();
      if (!dialog.open) dialog.showModal();
      byTestId('detail-close').focus();
    },
    /** Live changes: redraw if the open task changed (the player stays if it was already playing). */
    update(tasks) {
      if (!task) return;
      takes?.view.update(tasks);
      const fresh = tasks.find((t) => t.id === task.id);
      if (!fresh) return;
      const keepPlayer = fresh.state === 'done' && task.state === 'done' && fresh.video_url === task.video_url;
      task = fresh;
      // A question open about the old state no longer fits a task that cannot be made again now.
      if (!ui.retryConfirm.hidden && !canRetry(fresh)) {
        show(ui.retryConfirm, false);
        show(ui.actions, true);
      }
      if (ui.confirm.hidden && ui.retryConfirm.hidden) render({ keepPlayer });
    },
    close,
    get openId() { return task?.id ?? null; },
  };
}
