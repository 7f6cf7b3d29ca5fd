// Stopping videos, from a card, the detail view or a selection. A video not sent yet is removed
// at once (nothing is charged). One EvoLink has started cannot be cancelled there, so the backend
// answers `confirm_needed` and the person says, once for all of them, whether to keep the video
// if it comes or to discard it; only then are they marked stopped.

import * as ipc from './ipc.js';
import { strings } from './strings.js';
import { $ } from './dom.js';
import { messageOf, toast } from './announce.js';

export function createStopper({ onRemoved, onUpdated }) {
  const dialog = $('[data-testid="stop-dialog"]');
  const ui = {
    title: $('#stop-title', dialog),
    body: $('#stop-body', dialog),
    keep: $('[data-testid="stop-keep"]', dialog),
    discard: $('[data-testid="stop-discard"]', dialog),
    cancel: $('[data-testid="stop-cancel"]', dialog),
  };
  let answer = null; // resolves the open question: 'keep', 'discard' or null
  let opener = null;
  const stopping = new Set(); // a second click while a stop is under way would ask twice

  function finish(choice) {
    const resolve = answer;
    answer = null;
    if (dialog.open) dialog.close();
    if (opener?.isConnected) opener.focus();
    opener = null;
    resolve?.(choice);
  }

  /** Asks whether to keep `count` started videos if they come: 'keep', 'discard', or null (not stopped). */
  function ask(count) {
    ui.title.textContent = strings.stopTitle(count);
    ui.body.textContent = strings.stopBody(count);
    ui.keep.textContent = strings.stopKeep(count);
    ui.discard.textContent = strings.stopDiscard(count);
    return new Promise((resolve) => {
      answer = resolve;
      opener = document.activeElement;
      dialog.showModal();
      // Keeping is the safe answer: the video may be paid for either way.
      ui.keep.focus();
    });
  }

  ui.keep.addEventListener('click', () => finish('keep'));
  ui.discard.addEventListener('click', () => finish('discard'));
  ui.cancel.addEventListener('click', () => finish(null));
  dialog.addEventListener('close', () => { if (!dialog.open) finish(null); });
  dialog.addEventListener('click', (event) => { if (event.target === dialog) finish(null); });

  /**
   * Stops `tasks`: the unsent ones are removed, the started ones asked about once. Says what
   * happened, and returns { removed: ids, stopped: Task[], asked: bool, answer }.
   */
  async function stop(tasks) {
    const mine = tasks.filter((t) => !stopping.has(t.id));
    for (const task of mine) stopping.add(task.id);
    const removed = [];
    const stopped = [];
    const started = [];
    const problems = [];
    let choice = null;
    try {
      for (const task of mine) {
        try {
          const result = await ipc.stopTask(task.id);
          if (result.removed) removed.push(task.id);
          else stopped.push(result.task);
        } catch (error) {
          if (error?.code === 'confirm_needed') started.push(task);
          else problems.push(error);
        }
      }
      if (removed.length > 0) onRemoved(removed);
      if (started.length > 0) {
        choice = await ask(started.length);
        if (choice) {
          for (const task of started) {
            try {
              stopped.push((await ipc.stopTask(task.id, { discard: choice === 'discard' })).task);
            } catch (error) {
              problems.push(error);
            }
          }
        }
      }
      if (stopped.length > 0) onUpdated(stopped);
    } finally {
      for (const task of mine) stopping.delete(task.id);
    }
    say({ removed: removed.length, stopped: stopped.length, choice, problems });
    return { removed, stopped, asked: started.length > 0, answer: choice };
  }

  function say({ removed, stopped, choice, problems }) {
    const words = [
      removed > 0 ? strings.stoppedRemoved(removed) : null,
      stopped > 0 ? (choice === 'discard' ? strings.stoppedDiscard(stopped) : strings.stoppedKeep(stopped)) : null,
      problems.length > 0 ? strings.stopFailed(problems.length, messageOf(problems[0])) : null,
    ].filter(Boolean);
    if (words.length > 0) toast(words.join(strings.sentenceJoiner), { tone: problems.length > 0 ? 'error' : 'info' });
  }

  return { stop };
}
