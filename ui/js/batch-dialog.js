// "Batch…": many descriptions queued at once, each made with New video's model and settings. The
// person pastes them (or opens a .txt or .csv file); the backend plans them as they type
// (planBatch: how many videos, what they cost, which lines cannot be sent as they are), and the
// confirm button names exactly that count and total, which submitBatch then holds it to.

import * as ipc from './ipc.js';
import { strings } from './strings.js';
import { $, fill, h, show } from './dom.js';
import { messageOf, toast, wordsOf } from './announce.js';
import { latestOnly } from './compose.js';

const byTestId = (id) => $(`[data-testid="${id}"]`);

export function createBatchDialog({ compose, context, onQueued }) {
  const dialog = byTestId('batch-dialog');
  const ui = {
    text: byTestId('batch-text'),
    fileName: byTestId('batch-file-name'),
    settings: byTestId('batch-settings'),
    pictures: byTestId('batch-pictures'),
    summary: byTestId('batch-summary'),
    problems: byTestId('batch-problems'),
    notice: byTestId('batch-notice'),
    reason: byTestId('batch-reason'),
    confirm: byTestId('batch-confirm'),
    demoTag: $('.demo-tag', dialog),
  };
  const state = {
    input: null, // compose.batchInput() when the dialog opened
    csv: false,
    plan: null, // the newest plan, with the request it answers (`for`)
    planning: false,
    submitting: false,
  };
  let opener = null;

  const planner = latestOnly((request) => ipc.planBatch(request).then((plan) => ({ ...plan, for: request })), {
    wait: 250,
    onAnswer(plan) {
      state.planning = false;
      state.plan = plan;
      render();
    },
    onError(error) {
      state.planning = false;
      state.plan = null;
      notice(strings.batchPlanFailed(messageOf(error)));
      render();
    },
  });

  function request() {
    const { model, choices, takes } = state.input;
    return { text: ui.text.value, csv: state.csv, model: model.id, choices, takes };
  }

  function replan() {
    if (!state.input) return;
    if (ui.text.value.trim() === '') {
      planner.cancel();
      state.planning = false;
      state.plan = null;
      render();
      return;
    }
    state.planning = true;
    planner.run(request());
    render();
  }

  function notice(text) {
    ui.notice.textContent = text ?? '';
    show(ui.notice, Boolean(text));
  }

  /** "Sora 2 · Landscape · 8 s · 2 versions of each": what every video of the batch is made with. */
  function settingsWords() {
    const { model, choices, settled, takes } = state.input;
    const chosen = { ...settled, ...choices };
    const auto = model.duration.auto?.value === chosen.duration;
    return strings.batchMadeWith([
      model.name,
      chosen.aspect ? strings.aspectName(chosen.aspect) : null,
      chosen.duration != null ? (auto ? strings.durationAutoValue : strings.seconds(chosen.duration)) : null,
      chosen.quality ? strings.qualityName(chosen.quality) : null,
      model.audio.kind === 'switch' && chosen.audio != null ? (chosen.audio ? strings.batchSound : strings.batchSilent) : null,
      takes > 1 ? strings.batchTakes(takes) : null,
    ].filter(Boolean));
  }

  function render() {
    const { plan, planning, submitting } = state;
    const demo = context().demo;
    show(ui.demoTag, demo);
    const current = plan && plan.for.text === ui.text.value && plan.for.csv === state.csv;
    // The summary: the plan's count and cost, and how the count comes about when there are versions.
    let summary = '';
    if (ui.text.value.trim() === '') summary = strings.batchEmpty;
    else if (plan) summary = strings.batchSummary({ lines: plan.lines.length, takes: plan.for.takes, count: plan.count, credits: plan.credits, demo });
    else if (planning) summary = strings.batchPlanning;
    ui.summary.textContent = summary;
    ui.summary.classList.toggle('stale', planning);
    const problems = plan?.problems ?? [];
    show(ui.problems, problems.length > 0);
    $('.batch-problems-title', ui.problems).textContent = strings.batchProblemsTitle(problems.length);
    fill($('ul', ui.problems), problems.map((p) => h('li', { testid: 'batch-problem', dataset: { line: p.line }, text: strings.batchProblem(p.line, p.message) })));

    const blocker = state.input?.blocker ?? null;
    const ready = current && !planning && !submitting && problems.length === 0 && plan.count > 0 && !blocker;
    ui.confirm.disabled = !ready;
    ui.confirm.textContent = plan && plan.count > 0
      ? (demo ? strings.batchConfirmDemo(plan.count) : strings.batchConfirm(plan.count, plan.credits))
      : strings.batchConfirmIdle;
    let reason = '';
    if (blocker) reason = blocker;
    else if (submitting) reason = strings.batchQueueing;
    else if (problems.length > 0) reason = strings.batchFixFirst;
    ui.reason.textContent = reason;
  }

  async function openFile() {
    try {
      const file = await ipc.openBatchFile();
      if (!file) return;
      ui.text.value = file.text;
      state.csv = Boolean(file.csv);
      ui.fileName.textContent = strings.batchFromFile(file.name);
      notice('');
      replan();
      ui.text.focus();
    } catch (error) {
      notice(messageOf(error));
    }
  }

  async function confirm() {
    const plan = state.plan;
    if (ui.confirm.disabled || !plan) return;
    state.submitting = true;
    notice('');
    render();
    try {
      // What the person confirmed: the backend records nothing if planning again gives another count or more credits.
      const tasks = await ipc.submitBatch({ ...plan.for, count: plan.count, credits: plan.credits });
      state.submitting = false;
      close();
      reset();
      onQueued(tasks);
      toast(strings.batchQueued(tasks.length));
    } catch (error) {
      state.submitting = false;
      if (error?.code === 'plan_changed') {
        notice(strings.batchChanged(wordsOf(error)));
        replan();
      } else {
        notice(strings.batchFailed(messageOf(error)));
        render();
      }
    }
  }

  function reset() {
    ui.text.value = '';
    state.csv = false;
    state.plan = null;
    ui.fileName.textContent = '';
    notice('');
  }

  function close() {
    if (dialog.open) dialog.close();
  }

  ui.text.addEventListener('input', () => {
    // Text typed over an opened file is read as plain text once the file's text is gone.
    if (ui.text.value.trim() === '') {
      state.csv = false;
      ui.fileName.textContent = '';
    }
    notice('');
    replan();
  });
  byTestId('batch-file').addEventListener('click', openFile);
  ui.confirm.addEventListener('click', confirm);
  byTestId('batch-cancel').addEventListener('click', close);
  byTestId('batch-close').addEventListener('click', close);
  dialog.addEventListener('click', (event) => { if (event.target === dialog) close(); });
  dialog.addEventListener('close', () => {
    planner.cancel();
    (opener?.isConnected ? opener : byTestId('batch-open')).focus();
    opener = null;
  });

  return {
    /** Opens the dialog with New video's model and settings as they are now. */
    open() {
      state.input = compose.batchInput();
      if (!state.input) {
        toast(strings.noModelReason, { tone: 'error' });
        return;
      }
      ui.settings.textContent = settingsWords();
      show(ui.pictures, state.input.hasPictures);
      opener = document.activeElement;
      if (!dialog.open) dialog.showModal();
      ui.text.focus();
      replan();
    },
  };
}
