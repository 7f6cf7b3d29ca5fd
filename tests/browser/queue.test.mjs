// Queue and walk away: several versions of one prompt (and comparing them side by side, in sync),
// batches of prompts behind one confirmation, the queue panel (order, reasons, pause), stopping a
// video (unsent ones at once, started ones only after the keep-or-discard question), selecting
// videos for bulk actions, clearing the failed ones, and the daily spend limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { byTestId, calls, cards, choose, literally, noErrors, openApp, shoot, strings, t, until, useBrowser } from './helpers.mjs';

useBrowser();

const card = (id) => `${byTestId('task-card')}[data-task-id="${id}"]`;
const inCard = (id, testid) => `${card(id)} ${byTestId(testid)}`;
const text = (page, selector) => page.textContent(selector);
const estimateIs = (page, words) => until(page, (t) => document.querySelector('[data-testid="estimate"]').textContent === t, words);

/** Three videos being made: with the default of 3 at once, anything new waits for a slot. */
const BUSY = [
  { id: 'g1', prompt: 'A lighthouse in a storm, waves crashing', state: 'generating', progress: 40, ago: 90 },
  { id: 'g2', prompt: 'A red fox crossing a frozen lake at sunrise', state: 'generating', progress: 70, ago: 120 },
  { id: 'g3', prompt: 'Snow falling on a mountain cabin at night', state: 'queued', ago: 60 },
];

const take = (n, fields = {}) => ({
  id: `koi-${n}`, prompt: 'A koi pond in the rain, ripples spreading, close-up', state: 'done', ago: 600,
  batch_id: 'batch-koi', takes_group: 'takes-koi', take: n, ...fields,
});

/** The players of the takes view: whether each plays, and where it is. */
const players = (page) => page.$$eval(byTestId('take-video'), (list) => list.map((v) => ({ paused: v.paused, time: v.currentTime, muted: v.muted })));

/** `waiting`, and should it fail, the players printed first. */
const showingPlayers = (page, waiting) => waiting.catch(async (e) => { console.log(JSON.stringify(await players(page))); throw e; });

/** Waits until every take has landed within a tenth of a second of `seconds`; prints the players if not. */
const takesAt = (page, seconds) => showingPlayers(page, until(page, (to) => [...document.querySelectorAll('[data-testid="take-video"]')]
  .every((v) => !v.seeking && Math.abs(v.currentTime - to) <= 0.1), seconds));

test('versions: the estimate counts them, Generate records one task per take, and cards say which take', async () => {
  const { page, errors, close } = await openApp();
  await estimateIs(page, strings.estimate(23.04));
  await choose(page, 'takes-3');
  assert.equal(await page.isChecked(byTestId('takes-3')), true);
  await estimateIs(page, strings.estimate(69.12, 3));
  await page.fill(byTestId('prompt'), 'A paper boat drifting down a rainy street at dusk');
  await page.click(byTestId('generate'));
  await until(page, () => document.querySelectorAll('[data-testid="task-take"]').length === 3);
  const [sent] = await calls(page, 'submit_task');
  assert.equal(sent.args.takes, 3);
  const takes = await page.$$eval(byTestId('task-take'), (list) => list.map((e) => e.textContent).sort());
  assert.deepEqual(takes, [strings.take(1, 3), strings.take(2, 3), strings.take(3, 3)].sort());
  assert.equal(await text(page, byTestId('toast')), strings.submitted(3));
  noErrors(errors);
  await close();
});

test('takes side by side: four in a grid, played, paused and moved together, within a tenth of a second', async () => {
  const { page, errors, close } = await openApp({ backend: { tasks: [take(1), take(2), take(3), take(4)] } });
  await page.waitForSelector(card('koi-3'));
  assert.equal(await text(page, inCard('koi-3', 'task-take')), strings.take(3, 4));
  await page.click(card('koi-3'));
  await page.waitForSelector(byTestId('takes-view'), { state: 'visible' });
  assert.equal(await page.getAttribute(byTestId('takes-view'), 'data-layout'), 'grid');
  const shown = await page.$$eval(byTestId('take'), (list) => list.map((f) => f.dataset.taskId));
  assert.deepEqual(shown, ['koi-1', 'koi-2', 'koi-3', 'koi-4'], 'take 1 first');
  const [{ args }] = await calls(page, 'list_tasks').then((list) => list.filter((c) => c.args.takes_group));
  assert.equal(args.takes_group, 'takes-koi');
  assert.equal(await text(page, byTestId('detail-take')), strings.take(3, 4));
  // Only the take being looked at plays its sound.
  await until(page, () => [...document.querySelectorAll('[data-testid="take-video"]')].every((v) => v.readyState >= 2));
  assert.deepEqual((await players(page)).map((p) => p.muted), [true, true, false, true]);

  // Play one: all play, and are kept in step (a decoder that starts late, as on a busy machine,
  // is moved back into step while they play).
  await page.evaluate(() => document.querySelectorAll('[data-testid="take-video"]')[1].play());
  await until(page, () => [...document.querySelectorAll('[data-testid="take-video"]')].every((v) => !v.paused && v.currentTime > 0.3));
  await showingPlayers(page, until(page, () => {
    const times = [...document.querySelectorAll('[data-testid="take-video"]')].map((v) => v.currentTime);
    return Math.max(...times) - Math.min(...times) <= 0.15;
  }));
  assert.equal(await text(page, byTestId('takes-play')), strings.takesPause);

  // Pause from the shared button: all pause. (Before the screenshot, which can take long enough
  // on a busy machine for the clips to end.)
  await page.click(byTestId('takes-play'));
  await until(page, () => [...document.querySelectorAll('[data-testid="take-video"]')].every((v) => v.paused));
  await shoot(page, 'takes-side-by-side');
  // Seek one: the others follow.
  await page.evaluate(() => { document.querySelectorAll('[data-testid="take-video"]')[3].currentTime = 1.5; });
  await takesAt(page, 1.5);
  // The person's seek wins over a move of the view's that lands late (a busy machine): the shared
  // bar sends every take to 2 s; take 1's arrival is held back (its 'seeked' kept from the view)
  // until the person has moved take 4 to 1 s, then delivered. Take 4 must not be pulled back.
  await page.evaluate(() => {
    const [first] = document.querySelectorAll('[data-testid="take-video"]');
    first.addEventListener('seeked', (event) => event.stopImmediatePropagation(), { capture: true, once: true });
    const bar = document.querySelector('[data-testid="takes-seek"]');
    bar.value = '2';
    bar.dispatchEvent(new Event('input'));
  });
  await takesAt(page, 2);
  await page.evaluate(() => {
    const list = document.querySelectorAll('[data-testid="take-video"]');
    list[3].currentTime = 1;
    list[0].dispatchEvent(new Event('seeked'));
  });
  await takesAt(page, 1);

  // Picking another take shows its details and moves the sound to it.
  await page.click(`${byTestId('take')}[data-task-id="koi-1"] ${byTestId('take-pick')}`);
  await until(page, (w) => document.querySelector('[data-testid="detail-take"]').textContent === w, strings.take(1, 4));
  assert.deepEqual((await players(page)).map((p) => p.muted), [false, true, true, true]);
  await page.keyboard.press('Escape');
  await page.waitForSelector(byTestId('detail'), { state: 'hidden' });
  await until(page, () => document.querySelectorAll('[data-testid="take-video"]').length === 0); // the players go with the detail view
  noErrors(errors);
  await close();
});

test('two takes sit in two columns; one still being made shows its progress in its place', async () => {
  const { page, errors, close } = await openApp({ backend: { tasks: [take(1), take(2, { state: 'generating', progress: 55 })] } });
  await page.click(card('koi-1'));
  await page.waitForSelector(byTestId('takes-view'), { state: 'visible' });
  assert.equal(await page.getAttribute(byTestId('takes-view'), 'data-layout'), 'pair');
  assert.equal((await players(page)).length, 1);
  assert.match(await text(page, `${byTestId('take')}[data-task-id="koi-2"]`), literally(strings.generatingPercent(55)));
  // It finishes while the view is open: it joins, at the others' time.
  await page.evaluate(() => globalThis.__fake.emitTasks([{ id: 'koi-2', state: 'done' }]));
  await until(page, () => document.querySelectorAll('[data-testid="take-video"]').length === 2);
  await shoot(page, 'takes-pair');
  noErrors(errors);
  await close();
});

const WAITING = [
  { id: 'w1', prompt: 'A hot air balloon drifting over lavender fields', state: 'waiting', queue_position: 1, batch_id: 'batch-fields', ago: 40 },
  { id: 'w2', prompt: 'Macro shot of dew drops sliding off a green leaf', state: 'waiting', queue_position: 2, batch_id: 'batch-fields', ago: 40 },
  { id: 'w3', prompt: 'Time-lapse of clouds rolling over mountain peaks', state: 'waiting', queue_position: 3, batch_id: 'batch-fields', ago: 40 },
  { id: 'b1', prompt: 'A lantern festival over a river', state: 'done', batch_id: 'batch-fields', ago: 40 },
  { id: 'b2', prompt: 'A paper boat on a rainy street', state: 'failed', batch_id: 'batch-fields', ago: 40,
    error: { code: 'moderation_blocked', message: 'EvoLink’s safety check blocked this description.', retryable: false } },
];
test('stop: a video not sent yet goes at once; a started one asks whether to keep it if it comes', async () => {
  const { page, errors, close } = await openApp({ backend: { tasks: [...BUSY, WAITING[0]] } });
  await page.waitForSelector(card('w1'));
  // Not sent: removed at once, nothing asked.
  await page.hover(card('w1'));
  await page.click(inCard('w1', 'task-stop'));
  await until(page, () => !document.querySelector('[data-testid="task-card"][data-task-id="w1"]'));
  assert.equal(await page.isVisible(byTestId('stop-dialog')), false);
  assert.equal(await text(page, byTestId('toast')), strings.stoppedRemoved(1));

  // Started: the question, the safe answer first.
  await page.hover(card('g1'));
  await page.click(inCard('g1', 'task-stop'));
  await page.waitForSelector(byTestId('stop-dialog'), { state: 'visible' });
  assert.equal(await text(page, '#stop-title'), strings.stopTitle(1));
  assert.equal(await text(page, '#stop-body'), strings.stopBody(1));
  assert.equal(await text(page, byTestId('stop-keep')), strings.stopKeep(1));
  assert.equal(await text(page, byTestId('stop-discard')), strings.stopDiscard(1));
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'stop-keep');
  await shoot(page, 'stop-question');
  await page.keyboard.press('Escape');
  await page.waitForSelector(byTestId('stop-dialog'), { state: 'hidden' });
  await page.click(inCard('g1', 'task-stop'));
  await page.click(byTestId('stop-keep'));
  await page.waitForSelector(inCard('g1', 'task-stopped'));
  assert.equal(await text(page, inCard('g1', 'task-stopped')), strings.stoppedNote.keep);
  assert.equal(await page.isVisible(inCard('g1', 'task-stop')), false, 'stopped once');

  // From the detail view, discarding.
  await page.click(card('g2'));
  await page.click(`${byTestId('detail')} ${byTestId('task-stop')}`);
  await page.click(byTestId('stop-discard'));
  await until(page, (w) => document.querySelector('[data-testid="detail-stopped"]')?.textContent === w, strings.stoppedNote.discard);
  await page.keyboard.press('Escape');
  assert.equal(await text(page, inCard('g2', 'task-stopped')), strings.stoppedNote.discard);
  assert.deepEqual((await calls(page, 'stop_task')).map((c) => c.args), [
    { id: 'w1', discard: null }, { id: 'g1', discard: null }, { id: 'g1', discard: null }, { id: 'g1', discard: false },
    { id: 'g2', discard: null }, { id: 'g2', discard: true },
  ]);
  // EvoLink finishes the discarded one: it ends stopped, in plain words, and is not saved.
  await page.evaluate(() => globalThis.__fake.emitTasks([{ id: 'g2', state: 'done' }]));
  await page.waitForSelector(`${card('g2')}[data-state="failed"]`);
  assert.match(await text(page, card('g2')), literally(strings.stoppedEnded));
  await page.click(card('g2'));
  assert.match(await text(page, byTestId('detail-advice')), literally(strings.advice.stopped));
  noErrors(errors);
  await close();
});

const queueOrder = (page) => page.$$eval(byTestId('queue-item'), (list) => list.map((e) => e.dataset.taskId));

test('the queue panel: the run’s figures, the waiting videos in order with why they wait, moved up and down, paused and resumed', async () => {
  const { page, errors, close } = await openApp({ backend: { tasks: [...BUSY, ...WAITING] } });
  await page.waitForSelector(byTestId('queue-panel'), { state: 'visible' });
  assert.deepEqual(await queueOrder(page), ['w1', 'w2', 'w3']);
  assert.equal(await text(page, byTestId('run-figures')), strings.runProgress([{ key: 'done', n: 1, total: 5 }, { key: 'failed', n: 1 }, { key: 'waiting', n: 3 }, { key: 'credits', n: 46.08 }]));
  const reasons = await page.$$eval(byTestId('queue-reason'), (list) => list.map((e) => e.textContent));
  assert.deepEqual(reasons, Array(3).fill(strings.queueReason.waiting_for_slot(3)));
  assert.equal(await text(page, inCard('w2', 'task-place')), strings.queuePlace(2));
  assert.equal(await page.isDisabled(`${byTestId('queue-item')}[data-task-id="w1"] ${byTestId('queue-up')}`), true, 'the first cannot go up');
  await shoot(page, 'queue-panel');

  // Down with the mouse, up with the keyboard: the backend gets the new order, focus stays on the control.
  await page.click(`${byTestId('queue-item')}[data-task-id="w1"] ${byTestId('queue-down')}`);
  await until(page, () => [...document.querySelectorAll('[data-testid="queue-item"]')].map((e) => e.dataset.taskId).join() === 'w2,w1,w3');
  await page.focus(`${byTestId('queue-item')}[data-task-id="w3"] ${byTestId('queue-up')}`);
  await page.keyboard.press('Enter');
  await until(page, () => [...document.querySelectorAll('[data-testid="queue-item"]')].map((e) => e.dataset.taskId).join() === 'w2,w3,w1');
  assert.equal(await page.evaluate(() => `${document.activeElement.closest('[data-task-id]').dataset.taskId} ${document.activeElement.dataset.testid}`), 'w3 queue-up');
  await page.keyboard.press('Enter');
  await until(page, () => [...document.querySelectorAll('[data-testid="queue-item"]')].map((e) => e.dataset.taskId).join() === 'w3,w2,w1');
  assert.equal(await page.evaluate(() => `${document.activeElement.closest('[data-task-id]').dataset.taskId} ${document.activeElement.dataset.testid}`), 'w3 queue-down',
    'at the top, focus moves to the button that still works');
  assert.deepEqual((await calls(page, 'reorder_queue')).map((c) => c.args.ids), [['w2', 'w1', 'w3'], ['w2', 'w3', 'w1'], ['w3', 'w2', 'w1']]);
  await until(page, (w) => document.querySelector('[data-testid="task-card"][data-task-id="w3"] [data-testid="task-place"]')?.textContent === w, strings.queuePlace(1));

  // Pause: every waiting video says so; resume: they wait for a slot again.
  await page.click(byTestId('queue-pause'));
  await page.waitForSelector(byTestId('queue-paused-note'), { state: 'visible' });
  assert.equal(await text(page, byTestId('queue-pause')), strings.queueResume);
  await until(page, (w) => [...document.querySelectorAll('[data-testid="queue-reason"]')].every((e) => e.textContent === w), strings.queueReason.queue_paused);
  await until(page, (w) => document.querySelector('[data-testid="task-card"][data-task-id="w1"]').textContent.includes(w), strings.waitingTitle.queue_paused);
  await shoot(page, 'queue-paused');
  await page.click(byTestId('queue-pause'));
  await page.waitForSelector(byTestId('queue-paused-note'), { state: 'hidden' });
  assert.deepEqual((await calls(page, 'pause_queue')).map((c) => c.args.paused), [true, false]);

  // A slot frees: the first in line starts, and leaves the list.
  await page.evaluate(() => globalThis.__fake.emitTasks([{ id: 'g1', state: 'done' }]));
  await until(page, () => [...document.querySelectorAll('[data-testid="queue-item"]')].map((e) => e.dataset.taskId).join() === 'w2,w1');
  await page.waitForSelector(`${card('w3')}[data-state="submitting"]`);
  // Folded away, the list says how many wait.
  await page.click(byTestId('queue-toggle'));
  assert.equal(await text(page, byTestId('queue-toggle')), strings.queueShow(2));
  assert.equal(await page.getAttribute(byTestId('queue-toggle'), 'aria-expanded'), 'false');
  noErrors(errors);
  await close();
});

test('a video that would pass the daily limit says so, and the way to the limit is one click', async () => {
  const { page, errors, close } = await openApp({
    backend: { tasks: [{ id: 'd1', prompt: 'A cat playing piano', state: 'done', ago: 600 }, { ...WAITING[0], batch_id: null }], settings: { daily_limit: 60 } },
  });
  await page.waitForSelector(byTestId('queue-panel'), { state: 'visible' });
  assert.equal(await text(page, byTestId('queue-reason')), `${strings.queueReason.spend_limit}${strings.actions.raise_limit}`);
  assert.equal(await text(page, byTestId('queue-today')), strings.queueToday(46.08, 60));
  assert.equal(await text(page, byTestId('today-spend')), strings.todaySpend(46.08, 60));
  assert.equal(await text(page, inCard('w1', 'task-next-step')), strings.actions.raise_limit);
  await page.click(byTestId('queue-open-limit'));
  await page.waitForSelector(byTestId('settings'), { state: 'visible' });
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'spend-limit');
  await page.fill(byTestId('spend-limit'), '200');
  await page.press(byTestId('spend-limit'), 'Enter');
  await page.keyboard.press('Escape');
  // With room under the new limit, it starts.
  await page.waitForSelector(`${card('w1')}[data-state="submitting"]`);
  await page.waitForSelector(byTestId('queue-panel'), { state: 'hidden' });
  await until(page, (w) => document.querySelector('[data-testid="today-spend"]').textContent === w, strings.todaySpend(92.16, 200));
  assert.deepEqual((await calls(page, 'set_settings')).map((c) => c.args.changes), [{ daily_limit: 200 }]);
  noErrors(errors);
  await close();
});

test('settings: videos made at once and the daily spend limit, checked before they are saved; the header follows', async () => {
  const { page, errors, close } = await openApp({ backend: { tasks: [{ id: 'd1', prompt: 'A cat playing piano', state: 'done', ago: 600 }] } });
  await until(page, (w) => document.querySelector('[data-testid="today-spend"]').textContent === w, strings.todaySpend(46.08));
  await page.click(byTestId('settings-open'));
  assert.equal(await page.inputValue(byTestId('max-active')), '3');
  assert.equal(await page.inputValue(byTestId('spend-limit')), '');
  await page.fill(byTestId('max-active'), '11');
  await page.press(byTestId('max-active'), 'Enter');
  await page.waitForSelector(byTestId('max-active-error'), { state: 'visible' });
  assert.equal(await text(page, byTestId('max-active-error')), strings.maxActiveInvalid);
  await page.fill(byTestId('max-active'), '5');
  await page.press(byTestId('max-active'), 'Enter');
  await page.waitForSelector(byTestId('max-active-error'), { state: 'hidden' });
  await page.fill(byTestId('spend-limit'), 'lots');
  await page.press(byTestId('spend-limit'), 'Enter');
  await page.waitForSelector(byTestId('spend-limit-error'), { state: 'visible' });
  await page.$eval(byTestId('settings'), (d) => { d.querySelector('#settings-queue').scrollIntoView(); });
  await shoot(page, 'settings-queue');
  await page.fill(byTestId('spend-limit'), '1,500');
  await page.press(byTestId('spend-limit'), 'Enter');
  await page.waitForSelector(byTestId('spend-limit-error'), { state: 'hidden' });
  await until(page, (w) => document.querySelector('[data-testid="today-spend"]').textContent === w, strings.todaySpend(46.08, 1500));
  await page.fill(byTestId('spend-limit'), '');
  await page.press(byTestId('spend-limit'), 'Enter');
  await until(page, (w) => document.querySelector('[data-testid="today-spend"]').textContent === w, strings.todaySpend(46.08));
  assert.deepEqual((await calls(page, 'set_settings')).map((c) => c.args.changes), [{ max_active: 5 }, { daily_limit: 1500 }, { daily_limit: null }]);
  noErrors(errors);
  await close();
});

/** Pastes text into the batch box as a person does (the plan follows each change). */
async function paste(page, words) {
  await page.fill(byTestId('batch-text'), words);
}
const summaryIs = (page, words) => until(page, (w) => document.querySelector('[data-testid="batch-summary"]').textContent === w, words);

test('a batch: three pasted prompts, one confirmation with the count and cost, three waiting videos', async () => {
  const { page, errors, close } = await openApp({ backend: { tasks: BUSY } });
  await page.waitForSelector(card('g3'));
  await choose(page, 'duration-8');
  await page.click(byTestId('batch-open'));
  await page.waitForSelector(byTestId('batch-dialog'), { state: 'visible' });
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'batch-text');
  assert.equal(await text(page, byTestId('batch-settings')), strings.batchMadeWith(['Sora 2', strings.aspectName('16:9'), strings.seconds(8)]));
  assert.equal(await text(page, byTestId('batch-summary')), strings.batchEmpty);
  assert.equal(await page.isDisabled(byTestId('batch-confirm')), true);
  await paste(page, 'A hot air balloon over lavender fields\nMacro shot of dew drops sliding off a leaf\nA cat playing piano in a cosy living room\n');
  await summaryIs(page, strings.batchSummary({ lines: 3, takes: 1, count: 3, credits: 138.24 }));
  assert.equal(await text(page, byTestId('batch-confirm')), strings.batchConfirm(3, 138.24));
  assert.equal(await page.isEnabled(byTestId('batch-confirm')), true);
  const plan = (await calls(page, 'plan_batch')).at(-1).args;
  assert.deepEqual(plan, {
    text: 'A hot air balloon over lavender fields\nMacro shot of dew drops sliding off a leaf\nA cat playing piano in a cosy living room\n',
    csv: false, model: 'sora-2-preview', choices: { aspect: '16:9', duration: 8 }, takes: 1,
  });
  await shoot(page, 'batch-confirm');

  await page.click(byTestId('batch-confirm'));
  await page.waitForSelector(byTestId('batch-dialog'), { state: 'hidden' });
  const [sent] = await calls(page, 'submit_batch');
  assert.deepEqual({ count: sent.args.count, credits: sent.args.credits }, { count: 3, credits: 138.24 });
  // All three wait: three videos are being made already, as many as Settings allow.
  await until(page, () => document.querySelectorAll('[data-testid="task-card"][data-state="waiting"]').length === 3);
  // Recorded first; the queue then says why each waits.
  await until(page, (w) => [...document.querySelectorAll('[data-testid="task-card"][data-state="waiting"]')]
    .every((c) => c.textContent.includes(w)), strings.waitingTitle.waiting_for_slot);
  assert.equal(await text(page, byTestId('toast')), strings.batchQueued(3));
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'batch-open', 'focus goes back');
  noErrors(errors);
  await close();
});

test('a batch with a line the model refuses cannot be queued until it is changed; paragraphs and takes count right', async () => {
  const { page, errors, close } = await openApp();
  await choose(page, 'takes-2');
  await page.click(byTestId('batch-open'));
  assert.equal(await text(page, byTestId('batch-settings')), strings.batchMadeWith(['Sora 2', strings.aspectName('16:9'), strings.seconds(4), strings.batchTakes(2)]));
  await paste(page, `A lighthouse in a storm\n${'A very long description. '.repeat(210)}\nA red fox in the snow`);
  await page.waitForSelector(byTestId('batch-problem'));
  assert.equal(await page.getAttribute(byTestId('batch-problem'), 'data-line'), '2');
  assert.match(await text(page, byTestId('batch-problem')), literally(strings.batchProblem(2, t('problem.invalid_input.long_prompt', { length: 5249, model: 'Sora 2', max: 5000 }))));
  assert.equal(await text(page, '.batch-problems-title'), strings.batchProblemsTitle(1));
  assert.equal(await page.isDisabled(byTestId('batch-confirm')), true);
  assert.equal(await text(page, byTestId('batch-reason')), strings.batchFixFirst);
  await shoot(page, 'batch-problem');
  // A blank line: one prompt per paragraph. Two descriptions, two versions each.
  await paste(page, 'A lighthouse in a storm,\nwaves crashing on the rocks\n\nA red fox in the snow');
  await until(page, () => !document.querySelector('[data-testid="batch-confirm"]').disabled);
  assert.equal(await text(page, byTestId('batch-summary')), strings.batchSummary({ lines: 2, takes: 2, count: 4, credits: 92.16 }));
  assert.equal(await page.isVisible(byTestId('batch-problems')), false);
  await page.keyboard.press('Escape');
  await page.waitForSelector(byTestId('batch-dialog'), { state: 'hidden' });
  assert.equal((await calls(page, 'submit_batch')).length, 0, 'nothing was queued');
  noErrors(errors);
  await close();
});

test('a batch whose cost went up after it was checked is not queued; the new figures are shown to confirm again', async () => {
  const { page, errors, close } = await openApp({ backend: { tasks: BUSY } });
  await page.click(byTestId('batch-open'));
  await paste(page, 'One\nTwo');
  await summaryIs(page, strings.batchSummary({ lines: 2, takes: 1, count: 2, credits: 46.08 }));
  await page.evaluate(() => globalThis.__fake.raisePrices(1.5));
  await page.click(byTestId('batch-confirm'));
  await page.waitForSelector(byTestId('batch-notice'), { state: 'visible' });
  assert.match(await text(page, byTestId('batch-notice')), literally(strings.batchChanged(t('problem.plan_changed'))));
  await summaryIs(page, strings.batchSummary({ lines: 2, takes: 1, count: 2, credits: 69.12 }));
  assert.equal(await text(page, byTestId('batch-confirm')), strings.batchConfirm(2, 69.12));
  assert.equal(await page.isVisible(byTestId('batch-dialog')), true);
  await shoot(page, 'batch-plan-changed');
  await page.click(byTestId('batch-confirm'));
  await page.waitForSelector(byTestId('batch-dialog'), { state: 'hidden' });
  const sent = await calls(page, 'submit_batch');
  assert.deepEqual(sent.map((c) => [c.args.count, c.args.credits]), [[2, 46.08], [2, 69.12]]);
  noErrors(errors);
  await close();
});

test('a batch from a CSV file: its columns change their row’s settings', async () => {
  const { page, errors, close } = await openApp({
    backend: { tasks: BUSY, nextBatchFile: { name: 'shots.csv', text: 'prompt,duration,aspect\n"A fox, running",12,9:16\nA cat asleep,,\n', csv: true } },
  });
  await page.click(byTestId('batch-open'));
  await page.click(byTestId('batch-file'));
  await summaryIs(page, strings.batchSummary({ lines: 2, takes: 1, count: 2, credits: 92.16 }));
  assert.equal(await text(page, byTestId('batch-file-name')), strings.batchFromFile('shots.csv'));
  assert.equal((await calls(page, 'plan_batch')).at(-1).args.csv, true);
  await page.click(byTestId('batch-confirm'));
  await until(page, () => document.querySelectorAll('[data-testid="task-card"][data-state="waiting"]').length === 2);
  const fox = (await page.evaluate(() => globalThis.__fake.state.tasks)).find((t) => t.prompt === 'A fox, running');
  assert.deepEqual([fox.duration, fox.aspect], [12, '9:16']);
  noErrors(errors);
  await close();
});

const LIBRARY = [
  { id: 'v1', prompt: 'A lantern festival over a river', state: 'done', ago: 1000 },
  { id: 'v2', prompt: 'An owl in a snowy forest at night', state: 'done', ago: 2000, favourite: true },
  { id: 'v3', prompt: 'A koi pond in the rain', state: 'failed', ago: 3000,
    error: { code: 'server_trouble', message: 'EvoLink had a problem on its side.', retryable: true } },
  { id: 'v4', prompt: 'Fireflies in a summer forest', state: 'done', ago: 4000 },
  { id: 'v5', prompt: 'A city skyline at dawn', state: 'expired', ago: 5000,
    error: { code: 'expired', message: 'The video was made but its link ran out before it could be saved.', retryable: false } },
  { id: 'v6', prompt: 'A hummingbird by a red flower', state: 'done', ago: 6000 },
];
const selected = (page) => page.$$eval(`${byTestId('task-card')}.selected`, (list) => list.map((c) => c.dataset.taskId));

test('selecting: the checkbox, Shift for a range, Ctrl to toggle, Space on the focused card, Escape to clear', async () => {
  const { page, errors, close } = await openApp({ backend: { tasks: [BUSY[0], ...LIBRARY] } });
  await page.waitForSelector(card('v6'));
  await page.hover(card('v1'));
  await page.click(inCard('v1', 'card-select'));
  await page.waitForSelector(byTestId('bulk-bar'), { state: 'visible' });
  assert.deepEqual(await selected(page), ['v1']);
  assert.equal(await page.isDetailOpen?.(), undefined);
  await page.click(inCard('v4', 'card-select'), { modifiers: ['Shift'] });
  assert.deepEqual(await selected(page), ['v1', 'v2', 'v3', 'v4']);
  assert.equal(await text(page, byTestId('bulk-count')), strings.selectedCount(4));
  await page.click(card('v2'), { modifiers: ['Control'] });
  assert.deepEqual(await selected(page), ['v1', 'v3', 'v4']);
  // Once something is selected, a click on a card adds it rather than opening it.
  await page.click(card('v6'));
  assert.deepEqual(await selected(page), ['v1', 'v3', 'v4', 'v6']);
  assert.equal(await page.isVisible(byTestId('detail')), false);
  await page.focus(`${card('v6')} .card-open`);
  await page.keyboard.press('Space');
  assert.deepEqual(await selected(page), ['v1', 'v3', 'v4']);
  assert.equal(await page.isChecked(inCard('v3', 'card-select')), true);
  assert.equal(await text(page, byTestId('bulk-retry')), strings.bulkRetry(1));
  assert.equal(await page.isVisible(byTestId('bulk-stop')), false, 'nothing selected is being made');
  await page.$eval(byTestId('gallery'), (el) => { el.scrollTop = 0; });
  await shoot(page, 'selection');
  await page.keyboard.press('Escape');
  await page.waitForSelector(byTestId('bulk-bar'), { state: 'hidden' });
  assert.deepEqual(await selected(page), []);
  // With nothing selected, a click opens the video again.
  await page.click(card('v1'));
  await page.waitForSelector(byTestId('detail'), { state: 'visible' });
  noErrors(errors);
  await close();
});

test('bulk actions: favourite, try again, and delete with one question, leaving what is being made alone', async () => {
  const { page, errors, close } = await openApp({ backend: { tasks: [BUSY[0], ...LIBRARY] } });
  await page.waitForSelector(card('v6'));
  await page.click(inCard('v1', 'card-select'));
  await page.click(inCard('v2', 'card-select'));
  assert.equal(await text(page, byTestId('bulk-favourite')), strings.bulkFavourite);
  await page.click(byTestId('bulk-favourite'));
  await until(page, (w) => document.querySelector('[data-testid="bulk-favourite"]').textContent === w, strings.bulkUnfavourite);
  assert.deepEqual((await calls(page, 'set_favourite')).map((c) => c.args), [{ id: 'v1', favourite: true }]);
  await page.keyboard.press('Escape');

  // Try again: the failed and expired ones, after one question with the cost.
  await page.click(inCard('v3', 'card-select'));
  await page.click(inCard('v6', 'card-select'), { modifiers: ['Shift'] });
  assert.equal(await text(page, byTestId('bulk-retry')), strings.bulkRetry(2));
  await page.click(byTestId('bulk-retry'));
  await page.waitForSelector(byTestId('confirm-dialog'), { state: 'visible' });
  assert.equal(await text(page, '#confirm-title'), strings.bulkRetryTitle(2));
  assert.equal(await text(page, '#confirm-body'), strings.bulkRetryBody(92.16));
  await page.click(byTestId('confirm-yes'));
  await page.waitForSelector(byTestId('bulk-bar'), { state: 'hidden' });
  assert.deepEqual((await calls(page, 'retry_task')).map((c) => c.args.id), ['v3', 'v5']);

  // Delete: the ones that ended go; the one being made is left alone, and the question says so.
  await page.click(inCard('g1', 'card-select'));
  await page.click(inCard('v1', 'card-select'));
  await page.click(inCard('v4', 'card-select'));
  await page.click(byTestId('bulk-delete'));
  await page.waitForSelector(byTestId('confirm-dialog'), { state: 'visible' });
  assert.equal(await text(page, '#confirm-title'), strings.bulkDeleteTitle(2));
  assert.equal(await text(page, byTestId('confirm-note')), strings.bulkDeleteSkip(1));
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'confirm-cancel', 'the safe answer has focus');
  await shoot(page, 'bulk-delete-confirm');
  await page.click(byTestId('confirm-cancel'));
  assert.equal((await calls(page, 'delete_task')).length, 0);
  await page.click(byTestId('bulk-delete'));
  await page.click(byTestId('confirm-yes'));
  await until(page, () => !document.querySelector('[data-testid="task-card"][data-task-id="v1"]') && !document.querySelector('[data-testid="task-card"][data-task-id="v4"]'));
  assert.deepEqual((await calls(page, 'delete_task')).map((c) => c.args.id), ['v1', 'v4']);
  assert.ok(await page.$(card('g1')), 'the one being made is still there');
  assert.equal(await text(page, byTestId('toast')), strings.bulkDeleted(2, 1));
  noErrors(errors);
  await close();
});

test('stopping a selection asks once for all the started ones', async () => {
  const { page, errors, close } = await openApp({ backend: { tasks: [...BUSY, WAITING[0]] } });
  await page.waitForSelector(card('w1'));
  for (const id of ['w1', 'g1', 'g2']) await page.click(inCard(id, 'card-select'));
  assert.equal(await text(page, byTestId('bulk-stop')), strings.bulkStop(3));
  await page.click(byTestId('bulk-stop'));
  await page.waitForSelector(byTestId('stop-dialog'), { state: 'visible' });
  assert.equal(await text(page, '#stop-title'), strings.stopTitle(2));
  assert.equal(await text(page, byTestId('stop-keep')), strings.stopKeep(2));
  await page.click(byTestId('stop-discard'));
  await page.waitForSelector(inCard('g2', 'task-stopped'));
  assert.equal(await text(page, inCard('g1', 'task-stopped')), strings.stoppedNote.discard);
  assert.equal(await page.$(card('w1')), null, 'the unsent one is gone');
  assert.deepEqual((await calls(page, 'stop_task')).map((c) => [c.args.id, c.args.discard]), [
    ['w1', null], ['g1', null], ['g2', null], ['g1', true], ['g2', true],
  ]);
  noErrors(errors);
  await close();
});

test('clear failed: offered when there are failed videos, asked first', async () => {
  const { page, errors, close } = await openApp({ backend: { tasks: LIBRARY } });
  await page.waitForSelector(byTestId('clear-failed'), { state: 'visible' });
  await page.click(byTestId('clear-failed'));
  await page.waitForSelector(byTestId('confirm-dialog'), { state: 'visible' });
  assert.equal(await text(page, '#confirm-title'), strings.clearFailedTitle(2));
  await shoot(page, 'clear-failed-confirm');
  await page.click(byTestId('confirm-yes'));
  await until(page, () => document.querySelectorAll('[data-testid="task-card"]').length === 4);
  assert.deepEqual((await cards(page)).map((c) => c.state), ['done', 'done', 'done', 'done']);
  assert.equal((await calls(page, 'clear_failed')).length, 1);
  assert.equal(await text(page, byTestId('toast')), strings.clearedFailed(2));
  await page.waitForSelector(byTestId('clear-failed'), { state: 'hidden' });
  noErrors(errors);
  await close();
});

test('the smallest window: the queue panel, a selection and the batch dialog fit', async () => {
  const { page, errors, close } = await openApp({ backend: { tasks: [...BUSY, ...WAITING, ...LIBRARY] }, viewport: { width: 760, height: 540 } });
  await page.waitForSelector(byTestId('queue-panel'), { state: 'visible' });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(overflow, false, 'nothing runs off the side');
  const gallery = await page.locator(byTestId('gallery')).boundingBox();
  assert.ok(gallery.height >= 120, `the videos keep room under the queue (${gallery.height} px)`);
  await shoot(page, 'small-queue');
  const [first, second] = (await cards(page)).map((c) => c.id);
  await page.click(inCard(first, 'card-select'));
  await page.click(inCard(second, 'card-select'));
  const bar = await page.locator(byTestId('bulk-bar')).boundingBox();
  assert.ok(bar.x >= 0 && bar.x + bar.width <= 760 && bar.y + bar.height <= 540, 'the bulk bar fits');
  await shoot(page, 'small-selection');
  await page.keyboard.press('Escape');
  await page.click(byTestId('batch-open'));
  await page.fill(byTestId('batch-text'), 'One\nTwo\nThree');
  await summaryIs(page, strings.batchSummary({ lines: 3, takes: 1, count: 3, credits: 69.12 }));
  const dialog = await page.locator(byTestId('batch-dialog')).boundingBox();
  assert.ok(dialog.height <= 540, 'the batch dialog fits');
  const confirm = await page.locator(byTestId('batch-confirm')).boundingBox();
  assert.ok(confirm.y + confirm.height <= 540, 'its confirm button is in view');
  await shoot(page, 'small-batch');
  noErrors(errors);
  await close();
});
