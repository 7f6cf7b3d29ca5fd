// The bar that appears over the gallery while videos are selected: how many, and what can be done
// to all of them at once (favourite, try the failed ones again, stop, delete). bulk.js says which
// videos each action applies to; the questions are asked once for the whole selection.

import * as ipc from './ipc.js';
import { strings } from './strings.js';
import { $, show } from './dom.js';
import { messageOf, toast } from './announce.js';
import { askConfirm } from './confirm-dialog.js';
import { bulkOffers, deletePlan, retryCost } from './bulk.js';

const byTestId = (id) => $(`[data-testid="${id}"]`);

export function createBulkBar({ gallery, stopper }) {
  const bar = byTestId('bulk-bar');
  const ui = {
    count: byTestId('bulk-count'),
    favourite: byTestId('bulk-favourite'),
    retry: byTestId('bulk-retry'),
    stop: byTestId('bulk-stop'),
    remove: byTestId('bulk-delete'),
    clear: byTestId('bulk-clear'),
  };
  let tasks = [];
  let busy = false;

  function render(selected = tasks) {
    tasks = selected;
    show(bar, tasks.length > 0);
    if (tasks.length === 0) return;
    const offers = bulkOffers(tasks);
    ui.count.textContent = strings.selectedCount(tasks.length);
    $('span', ui.favourite).textContent = offers.allFavourite ? strings.bulkUnfavourite : strings.bulkFavourite;
    ui.favourite.classList.toggle('on', offers.allFavourite);
    $('span', ui.retry).textContent = strings.bulkRetry(offers.retry.length);
    show(ui.retry, offers.retry.length > 0);
    $('span', ui.stop).textContent = strings.bulkStop(offers.stop.length);
    show(ui.stop, offers.stop.length > 0);
    for (const button of [ui.favourite, ui.retry, ui.stop, ui.remove]) button.disabled = busy;
  }

  /** Runs `job` for the whole selection with the buttons held, so nothing is done twice. */
  async function hold(job) {
    if (busy) return;
    busy = true;
    render();
    try {
      await job();
    } finally {
      busy = false;
      render(gallery.selected());
    }
  }

  /** Calls `each` for every task in turn; returns the problems, said in one message. */
  async function each(list, step) {
    const problems = [];
    for (const task of list) {
      try {
        await step(task);
      } catch (error) {
        problems.push(error);
      }
    }
    return problems;
  }

  function sayProblems(problems) {
    if (problems.length > 0) toast(strings.bulkProblems(problems.length, messageOf(problems[0])), { tone: 'error' });
  }

  async function favourite() {
    const on = !bulkOffers(tasks).allFavourite;
    const list = tasks.filter((t) => t.favourite !== on);
    const problems = await each(list, async (task) => gallery.replace(await ipc.setFavourite(task.id, on)));
    gallery.refreshStats();
    sayProblems(problems);
  }

  async function retry() {
    const list = bulkOffers(tasks).retry;
    const yes = await askConfirm({
      title: strings.bulkRetryTitle(list.length),
      body: strings.bulkRetryBody(retryCost(list)),
      yes: strings.bulkRetryYes(list.length),
      danger: false,
    });
    if (!yes) return;
    let started = 0;
    const problems = await each(list, async (task) => {
      gallery.apply([await ipc.retryTask(task.id)]);
      started += 1;
    });
    if (started > 0) {
      gallery.clearSelection();
      toast(strings.bulkRetried(started));
    }
    sayProblems(problems);
  }

  async function stop() {
    const { removed, stopped } = await stopper.stop(bulkOffers(tasks).stop);
    if (removed.length > 0 || stopped.length > 0) gallery.clearSelection();
  }

  async function remove() {
    const plan = deletePlan(tasks);
    const count = plan.remove.length + plan.unqueue.length;
    if (count === 0) {
      toast(strings.bulkNothingToDelete(plan.skip.length));
      return;
    }
    const note = [
      plan.unqueue.length > 0 ? strings.bulkDeleteUnqueue(plan.unqueue.length) : null,
      plan.skip.length > 0 ? strings.bulkDeleteSkip(plan.skip.length) : null,
    ].filter(Boolean).join(strings.sentenceJoiner);
    const yes = await askConfirm({ title: strings.bulkDeleteTitle(count), body: strings.bulkDeleteBody, note: note || null, yes: strings.bulkDeleteYes(count) });
    if (!yes) return;
    let done = 0;
    const problems = await each(plan.remove, async (task) => {
      await ipc.deleteTask(task.id);
      gallery.remove(task.id);
      done += 1;
    });
    // Not sent yet: stopping forgets them, and nothing is charged. One the backend finds already
    // started is left alone, as those being made are.
    let left = plan.skip.length;
    problems.push(...await each(plan.unqueue, async (task) => {
      try {
        const { removed } = await ipc.stopTask(task.id);
        if (removed) {
          gallery.remove(task.id);
          done += 1;
        } else left += 1;
      } catch (error) {
        if (error?.code !== 'confirm_needed') throw error;
        left += 1;
      }
    }));
    gallery.clearSelection();
    if (done > 0) toast(strings.bulkDeleted(done, left));
    sayProblems(problems);
  }

  ui.favourite.addEventListener('click', () => hold(favourite));
  ui.retry.addEventListener('click', () => hold(retry));
  ui.stop.addEventListener('click', () => hold(stop));
  ui.remove.addEventListener('click', () => hold(remove));
  ui.clear.addEventListener('click', () => {
    gallery.clearSelection();
    $('[data-testid="gallery"]').focus();
  });

  return { render };
}
