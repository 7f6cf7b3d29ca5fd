// The detail view of one video: the player, the full prompt and settings, credits, where the file
// is, and what can be done with it. A modal <dialog>: Escape closes it and focus goes back.

import * as ipc from './ipc.js';
import { strings } from './strings.js';
import { $, fill, h, show } from './dom.js';
import { icon } from './icons.js';
import { messageOf, toast } from './announce.js';
import { canRetry, nextStep, taskCredits } from './tasks.js';
import { stateFace, stateLabel } from './card.js';

const byTestId = (id) => $(`[data-testid="${id}"]`);
const now = () => Date.now() / 1000;

export function createDetail({ gallery, compose, onAction, isDemo }) {
  const dialog = byTestId('detail');
  const ui = {
    title: $('#detail-title'),
    stage: $('.detail-stage', dialog),
    state: byTestId('detail-state'),
    prompt: byTestId('detail-prompt'),
    facts: $('.detail-facts', dialog),
    actions: $('.detail-actions', dialog),
    confirm: byTestId('delete-confirm'),
    demoTag: $('.demo-tag', dialog),
  };
  let task = null;
  let opener = null;

  function button(testid, label, iconName, handler, extra = '') {
    return h('button', { type: 'button', class: `small ${extra}`, testid, onclick: handler }, icon(iconName, 16), h('span', { text: label }));
  }

  function render({ keepPlayer = false } = {}) {
    ui.title.textContent = strings.detailTitle;
    show(ui.demoTag, isDemo());
    dialog.dataset.state = task.state;
    if (!keepPlayer) {
      if (task.state === 'done' && task.video_url) {
        const video = h('video', {
          class: 'player', testid: 'task-video', controls: true, preload: 'metadata', playsInline: true,
          'aria-label': task.prompt,
        });
        if (task.poster_url) video.poster = task.poster_url;
        video.src = task.video_url;
        fill(ui.stage, video);
      } else if (task.state === 'done') {
        fill(ui.stage, h('div', { class: 'face face-failed' }, h('p', { class: 'face-message', text: strings.videoMissing })));
      } else {
        // Retrying has its own button among the actions; other next steps show beside the reason.
        const step = ['retry', 'retry_anyway'].includes(nextStep(task).action) ? null : (t, action) => onAction(t, action);
        fill(ui.stage, stateFace(task, now(), step));
      }
    }
    ui.stage.classList.toggle('is-portrait', task.orientation === 'portrait');
    ui.state.textContent = stateLabel(task);
    ui.state.className = `detail-state phase-${task.state}`;
    ui.prompt.textContent = task.prompt;
    renderFacts();
    renderActions();
  }

  function renderFacts() {
    const credits = taskCredits(task);
    const rows = [
      [strings.facts.shape, strings.meta[task.orientation]],
      [strings.facts.length, strings.meta.seconds(task.duration)],
      [strings.facts.made, strings.madeAt(task.created_at)],
      credits != null ? [strings.facts.credits, task.credits_used != null ? strings.credits(credits) : strings.creditsReserved(credits), 'detail-credits'] : null,
      task.image ? [strings.facts.picture, strings.pictureUsed(task.image.framing)] : null,
      task.video_path ? [strings.facts.file, task.video_path, 'detail-path'] : null,
    ].filter(Boolean);
    fill(ui.facts, rows.flatMap(([term, value, testid]) => [h('dt', { text: term }), h('dd', { text: value, testid })]));
    if (task.state !== 'done' && task.error && !ui.stage.querySelector('[data-testid="task-error"]')) {
      ui.facts.append(h('dt', { text: stateLabel(task) }), h('dd', { text: task.error.message }));
    }
    const step = nextStep(task);
    if (task.state !== 'done' && canRetry(task)) ui.facts.append(h('dd', { class: 'advice', text: strings.advice[step.advice] }));
  }

  function renderActions() {
    const done = task.state === 'done';
    fill(ui.actions,
      done && task.video_path ? button('detail-reveal', strings.reveal, 'folder', () => act(() => ipc.revealTask(task.id))) : null,
      done && task.video_path ? button('detail-save-copy', strings.saveCopy, 'save', saveCopy) : null,
      button('detail-copy-prompt', strings.copyPrompt, 'copy', copyPrompt),
      button('detail-again', strings.again, 'sparkle', again),
      canRetry(task) ? button('detail-retry', task.state === 'outcome_unknown' ? strings.actions.retry_anyway : strings.retry, 'redo', retry) : null,
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
    try {
      await navigator.clipboard.writeText(task.prompt);
      toast(strings.copied);
    } catch {
      toast(strings.copyFailed, { tone: 'error' });
    }
  }

  function again() {
    const source = task;
    close();
    compose.fillFrom(source);
    toast(strings.againFilled);
  }

  async function retry() {
    const fresh = await act(() => ipc.retryTask(task.id));
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

  dialog.addEventListener('close', () => {
    $('video', ui.stage)?.pause();
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

  return {
    open(target) {
      opener = document.activeElement;
      task = gallery.find(target.id) ?? target;
      show(ui.confirm, false);
      show(ui.actions, true);
      render();
      if (!dialog.open) dialog.showModal();
      byTestId('detail-close').focus();
    },
    /** Live changes: redraw if the open task changed (the player stays if it was already playing). */
    update(tasks) {
      if (!task) return;
      const fresh = tasks.find((t) => t.id === task.id);
      if (!fresh) return;
      const keepPlayer = fresh.state === 'done' && task.state === 'done' && fresh.video_url === task.video_url;
      task = fresh;
      if (ui.confirm.hidden) render({ keepPlayer });
    },
    close,
    get openId() { return task?.id ?? null; },
  };
}
