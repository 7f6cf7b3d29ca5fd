// The queue panel above the gallery, on show while videos wait or a run is under way: how each
// run is going, today's spend against the limit, pause and resume, and the waiting videos in the
// order they will go, each with why it waits and buttons to move it up or down.

import * as ipc from './ipc.js';
import { say } from './i18n.js';
import { strings } from './strings.js';
import { $, fill, h, show } from './dom.js';
import { icon } from './icons.js';
import { announce, messageOf, toast } from './announce.js';
import { isNewerQueue, moveInQueue, panelShown, runFigures, runPercent, shownRuns, spendToday } from './runs.js';

const byTestId = (id) => $(`[data-testid="${id}"]`);

export function createQueuePanel({ onOpenLimit }) {
  const panel = byTestId('queue-panel');
  const ui = {
    today: byTestId('queue-today'),
    pause: byTestId('queue-pause'),
    toggle: byTestId('queue-toggle'),
    pausedNote: byTestId('queue-paused-note'),
    runs: $('.queue-runs', panel),
    waiting: $('.queue-waiting', panel),
    list: byTestId('queue-list'),
  };
  let queue = null;
  // The waiting list starts folded in a short window, where the videos need the room.
  let open = window.innerHeight > 640;
  const dismissed = new Set(); // finished runs whose summary was hidden
  let moves = 0; // the newest reorder: only its answer is drawn (moves may follow each other quickly)
  let moving = 0; // reorders on their way: events sent before them would undo the order shown

  function render() {
    show(panel, panelShown(queue, dismissed));
    if (panel.hidden) return;
    const spend = spendToday(queue);
    ui.today.textContent = spend ? strings.queueToday(spend.spent, spend.limit) : '';
    ui.today.dataset.level = spend?.level ?? 'ok';
    ui.pause.replaceChildren(icon(queue.paused ? 'play' : 'pause', 15), h('span', { text: queue.paused ? strings.queueResume : strings.queuePause }));
    ui.pause.setAttribute('aria-pressed', String(queue.paused));
    show(ui.pausedNote, queue.paused);
    renderRuns();
    renderWaiting();
  }

  function renderRuns() {
    fill(ui.runs, shownRuns(queue, dismissed).map((run) => {
      const bar = h('div', {
        class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': runPercent(run),
        'aria-label': strings.runLabel(run.label),
      }, h('span', { class: 'progress-fill' }));
      bar.firstChild.style.width = `${runPercent(run)}%`;
      return h('li', { class: `queue-run${run.finished ? ' finished' : ''}`, testid: 'queue-run', dataset: { batchId: run.batch_id } },
        h('div', { class: 'run-text' },
          h('p', { class: 'run-label', text: strings.runTitle(run.label, run.finished), title: run.label }),
          h('p', { class: 'run-figures', testid: 'run-figures', text: strings.runProgress(runFigures(run), run.finished) })),
        bar,
        run.finished ? h('button', {
          type: 'button', class: 'icon-button tiny', testid: 'run-dismiss', 'aria-label': strings.runDismiss, title: strings.runDismiss,
          onclick: () => {
            dismissed.add(run.batch_id);
            render();
            if (panel.hidden) $('[data-testid="gallery"]').focus();
          },
        }, icon('close', 14)) : null);
    }));
  }

  function renderWaiting() {
    const waiting = queue.waiting ?? [];
    show(ui.waiting, waiting.length > 0);
    show(ui.toggle, waiting.length > 0);
    ui.toggle.setAttribute('aria-expanded', String(open));
    ui.toggle.replaceChildren(h('span', { text: open ? strings.queueHide : strings.queueShow(waiting.length) }), icon(open ? 'up' : 'down', 15));
    show(ui.list, open);
    $('.queue-subtitle', panel).textContent = strings.waitingCount(waiting.length);
    // Redrawing replaces the buttons; the one that had focus gets it back (or its neighbour).
    const focus = ui.list.contains(document.activeElement)
      ? { id: document.activeElement.closest('[data-task-id]')?.dataset.taskId, testid: document.activeElement.dataset.testid }
      : null;
    fill(ui.list, waiting.map((task, index) => item(task, index, waiting.length)));
    if (focus?.id) {
      const row = $(`[data-task-id="${focus.id}"]`, ui.list);
      const wanted = row && $(`[data-testid="${focus.testid}"]`, row);
      const other = row && $(`[data-testid="${focus.testid === 'queue-up' ? 'queue-down' : 'queue-up'}"]`, row);
      (wanted && !wanted.disabled ? wanted : other)?.focus();
    }
  }

  function item(task, index, count) {
    const code = task.error?.code;
    const reason = strings.queueReason[code];
    const words = typeof reason === 'function' ? reason(queue.active) : reason ?? (say(task.error?.message) || strings.state.waiting);
    return h('li', { class: `queue-item reason-${code ?? 'none'}`, testid: 'queue-item', dataset: { taskId: task.id } },
      h('span', { class: 'queue-pos', 'aria-hidden': 'true', text: String(index + 1) }),
      h('div', { class: 'queue-item-text' },
        h('p', { class: 'queue-prompt', text: task.prompt, title: task.prompt }),
        h('p', { class: 'queue-reason', testid: 'queue-reason' },
          h('span', { text: words }),
          code === 'spend_limit' ? h('button', {
            type: 'button', class: 'link', testid: 'queue-open-limit', text: strings.actions.raise_limit, onclick: onOpenLimit,
          }) : null)),
      h('div', { class: 'queue-move' },
        moveButton(task, -1, index === 0),
        moveButton(task, 1, index === count - 1)));
  }

  function moveButton(task, delta, disabled) {
    const up = delta < 0;
    return h('button', {
      type: 'button', class: 'icon-button tiny', testid: up ? 'queue-up' : 'queue-down', disabled,
      'aria-label': up ? strings.moveUp(task.prompt) : strings.moveDown(task.prompt),
      title: up ? strings.moveUpShort : strings.moveDownShort,
      onclick: () => move(task.id, delta),
    }, icon(up ? 'up' : 'down', 15));
  }

  async function move(id, delta) {
    const order = moveInQueue(queue.waiting.map((t) => t.id), id, delta);
    if (!order) return;
    // Shown at once; the backend's answer (the queue as it now is) settles it.
    const byId = new Map(queue.waiting.map((t) => [t.id, t]));
    queue = { ...queue, waiting: order.map((i) => byId.get(i)) };
    render();
    announce(strings.queueMoved(order.indexOf(id) + 1));
    const mine = ++moves;
    moving += 1;
    try {
      const answer = await ipc.reorderQueue(order);
      if (mine === moves) update(answer);
    } catch (error) {
      toast(messageOf(error), { tone: 'error' });
      refresh();
    } finally {
      moving -= 1;
    }
  }

  async function togglePause() {
    const paused = !queue.paused;
    try {
      update(await ipc.pauseQueue(paused));
      announce(paused ? strings.queuePausedNow : strings.queueResumedNow);
    } catch (error) {
      toast(messageOf(error), { tone: 'error' });
    }
  }

  function update(next) {
    if (!isNewerQueue(queue, next)) return;
    queue = next;
    render();
  }

  /** The queue from an event: while a move is on its way, its answer (newer) is drawn instead. */
  function changed(next) {
    if (moving === 0) update(next);
  }

  async function refresh() {
    try {
      update(await ipc.queueStatus());
    } catch {
      // Without the queue's state the panel stays as it was; the next queue-changed redraws it.
    }
  }

  ui.pause.addEventListener('click', togglePause);
  ui.toggle.addEventListener('click', () => {
    open = !open;
    render();
  });

  return {
    update: changed,
    refresh,
    resume: () => (queue?.paused ? togglePause() : undefined),
    get queue() { return queue; },
  };
}
