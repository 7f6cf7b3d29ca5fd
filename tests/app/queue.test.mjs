// The queue in the real app, against the fake EvoLink server: three prompts pasted in the
// batch dialog, the total confirmed, the three cards run and are saved; then, with the queue
// paused, two more wait in the queue panel in their order, and one is stopped before it is
// paid: the fake never receives a paid call for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';

import { byTestId, cardState, launch, newProfile, shoot, shown, startMock, textOf } from './harness.mjs';
import { words } from '../support/words.mjs';

const KEY = 'sk-app-distinctive-queue-3f8a1c5e7b';
const ENTER = '\uE007';
const FIRST_BATCH = ['A lighthouse beam sweeping through fog', 'A paper lantern rising over a lake', 'A fox trotting across fresh snow'];
const SECOND_BATCH = ['Rain on a tin roof at dusk', 'A hummingbird at a red flower'];

/** The fake's counters (crates/evolink-mock/README.md). */
async function counters(mock) {
  const response = await fetch(`${mock.url}/__mock/counters`);
  return response.json();
}

/** Ids and states of the cards whose prompt is one of `prompts`, in gallery order. */
function cardsOf(session, prompts) {
  return session.execute(`
    return [...document.querySelectorAll('[data-testid="task-card"][data-task-id]')]
      .map((card) => ({ id: card.dataset.taskId, state: card.dataset.state, text: card.textContent }))
      .filter((card) => arguments[0].some((prompt) => card.text.includes(prompt)))
      .map(({ id, state, text }) => ({ id, state, prompt: arguments[0].find((p) => text.includes(p)) }));`, [prompts]);
}

async function pasteBatch(session, prompts) {
  await session.click(await session.find(byTestId('batch-open')));
  await session.waitForVisible(byTestId('batch-text'));
  // One prompt per line, typed as a person would (Enter between them).
  await session.type(await session.find(byTestId('batch-text')), prompts.join(ENTER));
  // One confirmation names the count and the total: Sora 2, 4 s, 5.76 credits a second.
  const total = (prompts.length * 23.04).toFixed(2);
  const summary = await session.waitForText(byTestId('batch-summary'), (text) => text.includes(total));
  assert.ok(summary.startsWith(words('batchSummary', { count: prompts.length, cost: '' }).replace(/ · $/, '')), summary);
  await session.waitFor('return !document.querySelector(\'[data-testid="batch-confirm"]\').disabled;', { what: 'the confirm button' });
  const confirm = await textOf(session, 'batch-confirm');
  assert.match(confirm, new RegExp(`${prompts.length}`), confirm);
  return total;
}

test('a pasted batch is confirmed, queued in order, made and saved; one is stopped before it is paid', { timeout: 240000 }, async (t) => {
  const mock = await startMock(['--key', KEY, '--balance', '5000', '--time-scale', '40']);
  t.after(() => mock.stop());
  const profile = newProfile('queue');
  const app = await launch(profile, { mock, env: { EVOLINK_API_KEY: KEY } });
  t.after(() => app.close());
  const { session } = app;
  await session.waitForVisible(byTestId('prompt'));
  // New video is ready once it knows the models and prices them (a batch uses its settings).
  await session.waitForText(byTestId('estimate'), (text) => text === words('estimate', { credits: 23.04 }));

  // Three prompts, one per line: the dialog counts them and prices them before anything is paid.
  await pasteBatch(session, FIRST_BATCH);
  await shoot(session, 'queue-batch-confirm-light');
  await session.click(await session.find(byTestId('batch-confirm')));
  await session.waitFor('return !document.querySelector(\'[data-testid="batch-dialog"]\').open;', { what: 'the dialog to close' });
  const first = await session.waitFor(`
    const cards = [...document.querySelectorAll('[data-testid="task-card"][data-task-id]')];
    return cards.length >= 3 ? cards.map((c) => c.dataset.taskId) : null;`, { what: 'three cards' });
  assert.equal(first.length, 3);
  await session.waitForVisible(byTestId('queue-panel'));
  await shoot(session, 'queue-running-light');
  for (const card of await cardsOf(session, FIRST_BATCH)) {
    await cardState(session, card.id, (s) => s === 'done' || s === 'failed', { timeoutMs: 90000, what: `${card.prompt} to end` });
  }
  const made = await cardsOf(session, FIRST_BATCH);
  assert.deepEqual(made.map((c) => c.state), ['done', 'done', 'done'], JSON.stringify(made));
  assert.deepEqual(new Set(made.map((c) => c.prompt)), new Set(FIRST_BATCH));
  await session.waitForText(byTestId('queue-panel'), (text) => text.includes(words('runProgress.made', { n: 3, total: 3 })) || text.includes(words('runProgress.done', { n: 3, total: 3 })));

  // Paused, the next batch waits in the panel, in the order it was pasted.
  await session.clickSteady(byTestId('queue-pause'));
  await session.waitForVisible(byTestId('queue-paused-note'));
  await pasteBatch(session, SECOND_BATCH);
  await session.click(await session.find(byTestId('batch-confirm')));
  const order = await session.waitFor(`
    const items = [...document.querySelectorAll('[data-testid="queue-item"]')];
    return items.length === 2 ? items.map((item) => item.textContent) : null;`, { what: 'two waiting videos in the queue panel' });
  assert.ok(order[0].includes(SECOND_BATCH[0]) && order[1].includes(SECOND_BATCH[1]), `queue order: ${order}`);
  await shoot(session, 'queue-panel-light');

  // The second one is stopped before it is paid: gone at once, never sent.
  const waiting = await cardsOf(session, SECOND_BATCH);
  const stopped = waiting.find((c) => c.prompt === SECOND_BATCH[1]);
  const kept = waiting.find((c) => c.prompt === SECOND_BATCH[0]);
  assert.equal(stopped.state, 'waiting');
  await session.click(await session.find(`[data-task-id="${stopped.id}"] ${byTestId('task-stop')}`));
  await session.waitFor(`return !document.querySelector('[data-testid="task-card"][data-task-id="${stopped.id}"]');`, { what: 'the stopped card to go' });
  assert.equal(await shown(session, 'stop-dialog'), false, 'a video not yet paid is stopped without a question');

  await session.clickSteady(byTestId('queue-pause'));
  await session.waitFor(`return document.querySelector('[data-testid="queue-pause"]').getAttribute('aria-pressed') === 'false'
    && document.querySelector('[data-testid="queue-paused-note"]').hidden;`, { what: 'the queue to say it goes on' });
  await cardState(session, kept.id, (s) => s === 'done', { timeoutMs: 90000, what: 'the kept one to be saved' });
  const sent = await counters(mock);
  assert.equal(sent.creates_per_key[stopped.id], undefined, 'the stopped video was never sent');
  for (const id of [...first, kept.id]) assert.equal(sent.tasks_per_key[id], 1, `${id} was made once`);
  assert.equal(sent.tasks_created, 4);
  assert.ok(existsSync(profile.libraryDir));
  await shoot(session, 'queue-done-light');
});
