// The money path seen from the page: a video whose start is uncertain (per lookup), making it
// again only behind a question, looking again, details for support, a made video's link
// lifetime, notes on waiting videos, and what a change of key or address does to videos on their way.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { byTestId, calls, literally, noErrors, openApp, say, shoot, strings, t, until, useBrowser } from './helpers.mjs';

useBrowser();

const card = (id) => `${byTestId('task-card')}[data-task-id="${id}"]`;
const inCard = (id, testid) => `${card(id)} ${byTestId(testid)}`;
const LOST = { code: 'outcome_unknown', message: 'The answer to starting this video was lost.', retryable: false };
const unsure = (id, lookup, ago) => ({ id, prompt: `A city skyline at dawn (${id})`, state: 'outcome_unknown', lookup, ago, error: LOST, submitted_at: null });
const UNSURE = [unsure('u-none', null, 300), unsure('u-amb', 'ambiguous', 600), unsure('u-unav', 'unavailable', 900), unsure('u-nf', 'nothing_found', 1200)];

const FAILED = {
  id: 'sd-7f3a', prompt: 'A koi pond in the rain', state: 'failed', ago: 900,
  remote_id: 'task-unified-1764612003-abc123', request_id: 'req_9x8y7w',
  error: { code: 'server_trouble', message: 'EvoLink had a problem on its side.', retryable: true },
};

/** Opens the detail view of task `id` from its card. */
async function openDetail(page, id) {
  await page.click(`${card(id)} .card-open`);
  await page.waitForSelector(byTestId('detail'), { state: 'visible' });
}

const inDetail = (testid) => `${byTestId('detail')} ${byTestId(testid)}`;

/** The code the backend refuses `command(id, options)` with, called as the page calls it, or 'accepted'. */
const refusal = (page, command, id, options) => page.evaluate(async ([c, i, o]) => {
  const ipc = await import('/js/ipc.js');
  return ipc[c](i, o).then(() => 'accepted', (e) => e.code);
}, [command, id, options]);

test('an uncertain video says what happened and what the last lookup found; only "nothing found" offers to make it again', async () => {
  const { page, errors, close } = await openApp({ backend: { tasks: UNSURE } });
  await page.waitForSelector(card('u-nf'));
  const what = strings.uncertain.what;
  const found = {
    'u-none': null,
    'u-amb': strings.uncertain.found.ambiguous,
    'u-unav': strings.uncertain.found.unavailable,
    'u-nf': strings.uncertain.found.nothing_found,
  };
  for (const [id, sentence] of Object.entries(found)) {
    // A card has room for what the lookup found; all of it is in its tooltip and the detail view.
    assert.equal(await page.textContent(inCard(id, 'task-error')), sentence ?? what, id);
    assert.equal(await page.getAttribute(inCard(id, 'task-error'), 'title'), sentence ? [what, sentence].join(strings.sentenceJoiner) : what, id);
    assert.equal(await page.textContent(inCard(id, 'task-look-again')), strings.actions.look_again, id);
    assert.equal(await page.$(inCard(id, 'task-next-step')), null, `${id} has no one-click retry`);
  }
  await shoot(page, 'uncertain-cards');

  const next = {
    'u-none': strings.uncertain.next.none,
    'u-amb': strings.uncertain.next.ambiguous,
    'u-unav': strings.uncertain.next.unavailable,
    'u-nf': strings.uncertain.next.nothing_found,
  };
  for (const [id, advice] of Object.entries(next)) {
    await openDetail(page, id);
    assert.equal(await page.textContent(byTestId('detail-advice')), advice, id);
    assert.equal(await page.textContent(inDetail('task-error')), [what, found[id]].filter(Boolean).join(strings.sentenceJoiner), id);
    assert.equal(await page.isVisible(inDetail('task-look-again')), true, `${id}: look again`);
    assert.equal(await page.isVisible(byTestId('task-copy-details')), true, `${id}: copy details`);
    assert.equal(await page.isVisible(byTestId('detail-retry')), id === 'u-nf', `${id}: make it again only when nothing was found`);
    assert.equal(await page.textContent(byTestId('detail-credits')), strings.creditsIfStarted(46.08), id);
    assert.doesNotMatch(await page.textContent(byTestId('detail')), /Retry anyway|pay twice|charged twice/, id);
    if (id === 'u-amb' || id === 'u-nf') await shoot(page, `detail-uncertain-${id === 'u-amb' ? 'ambiguous' : 'nothing-found'}`);
    await page.keyboard.press('Escape');
    await page.waitForSelector(byTestId('detail'), { state: 'hidden' });
  }
  noErrors(errors);
  await close();
});

test('making an uncertain video again asks first, names the risk, and sends confirmPaidAgain', async () => {
  const { page, errors, close } = await openApp({ backend: { tasks: UNSURE } });
  await page.waitForSelector(card('u-nf'));
  await openDetail(page, 'u-nf');
  assert.equal(await page.textContent(byTestId('detail-retry')), strings.makeAgain);
  await page.click(byTestId('detail-retry'));
  await page.waitForSelector(byTestId('retry-confirm-dialog'), { state: 'visible' });
  assert.equal(await page.isVisible(byTestId('detail-retry')), false, 'the actions wait for the answer');
  const question = await page.textContent(byTestId('retry-confirm-dialog'));
  assert.match(question, literally(strings.retryConfirmQuestion));
  assert.match(question, literally(strings.retryConfirmRisk));
  assert.match(question, literally(strings.retryConfirmCost(46.08)));
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'retry-confirm-cancel', 'the safe choice has focus');
  await shoot(page, 'retry-confirm');
  await page.click(byTestId('retry-confirm-cancel'));
  await page.waitForSelector(byTestId('retry-confirm-dialog'), { state: 'hidden' });
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'detail-retry');
  assert.deepEqual(await calls(page, 'retry_task'), [], 'nothing was sent');

  await page.click(byTestId('detail-retry'));
  await page.click(byTestId('retry-confirm'));
  await page.waitForSelector(byTestId('detail'), { state: 'hidden' });
  assert.deepEqual((await calls(page, 'retry_task')).map((c) => c.args), [{ id: 'u-nf', confirmPaidAgain: true }]);
  await until(page, () => document.querySelector('[data-testid="task-card"]').dataset.state === 'submitting');
  noErrors(errors);
  await close();
});

test('a second click on "Make it again" or "Try again" before the answer starts no second paid video', async () => {
  const { page, errors, close } = await openApp({ backend: { tasks: [...UNSURE, FAILED], hold: ['retry_task'] } });
  await page.waitForSelector(card('u-nf'));
  await openDetail(page, 'u-nf');
  await page.click(byTestId('detail-retry'));
  await page.click(byTestId('retry-confirm'));
  assert.equal(await page.isDisabled(byTestId('retry-confirm')), true, 'the button waits for the answer');
  await page.$eval(byTestId('retry-confirm'), (b) => { b.disabled = false; b.click(); });
  await page.evaluate(() => globalThis.__fake.release('retry_task'));
  await page.waitForSelector(byTestId('detail'), { state: 'hidden' });
  assert.deepEqual((await calls(page, 'retry_task')).map((c) => c.args.id), ['u-nf']);

  // The same for the card's "Try again" of a video that failed.
  await page.evaluate(() => globalThis.__fake.hold('retry_task'));
  await page.click(inCard('sd-7f3a', 'task-next-step'));
  await page.click(inCard('sd-7f3a', 'task-next-step'));
  await page.evaluate(() => globalThis.__fake.release('retry_task'));
  await until(page, () => globalThis.__fake.state.tasks.length === 7);
  await page.waitForTimeout(100);
  assert.deepEqual((await calls(page, 'retry_task')).map((c) => c.args.id), ['u-nf', 'sd-7f3a']);
  noErrors(errors);
  await close();
});

test('the backend refuses a new paid video from an uncertain one before a lookup found nothing, or unconfirmed', async () => {
  const { page, errors, close } = await openApp({ backend: { tasks: [...UNSURE, { id: 'gen', state: 'generating' }] } });
  await page.waitForSelector(card('u-nf'));
  assert.equal(await refusal(page, 'retryTask', 'u-amb', { confirmPaidAgain: true }), 'look_first');
  assert.equal(await refusal(page, 'retryTask', 'u-none', { confirmPaidAgain: true }), 'look_first');
  assert.equal(await refusal(page, 'retryTask', 'u-nf', {}), 'confirm_needed');
  assert.equal(await refusal(page, 'retryTask', 'gen', {}), 'not_allowed');
  assert.equal(await refusal(page, 'lookAgain', 'gen'), 'not_allowed');
  assert.equal(await refusal(page, 'retryTask', 'u-nf', { confirmPaidAgain: true }), 'accepted');
  noErrors(errors);
  await close();
});

test('looking again checks with EvoLink and follows what it finds', async () => {
  const { page, errors, close } = await openApp({ backend: { tasks: UNSURE } });
  await page.waitForSelector(card('u-amb'));
  await openDetail(page, 'u-amb');
  await page.click(inDetail('task-look-again'));
  await until(page, () => document.querySelector('[data-testid="detail"]').dataset.state === 'submitting');
  assert.deepEqual((await calls(page, 'look_again')).map((c) => c.args), [{ id: 'u-amb' }]);
  assert.equal(await page.textContent(inDetail('task-note')), t('problem.checking'));
  assert.equal(await page.textContent(byTestId('detail-advice')), strings.advice.checking);
  assert.equal(await page.isVisible(inDetail('task-look-again')), false);
  assert.equal(await page.isVisible(byTestId('task-copy-details')), false, 'details for support are for videos that ended');
  assert.ok(await page.evaluate(() => document.querySelector('[data-testid="detail"]').contains(document.activeElement)), 'focus stays in the dialog');
  await until(page, (w) => document.querySelector('[data-testid="toast"]')?.textContent === w, strings.lookingAgain);
  await shoot(page, 'detail-checking');
  // The check found nothing: the detail view follows, and now offers to make it again.
  await page.evaluate(() => globalThis.__fake.finishLookup('u-amb', 'nothing_found'));
  await page.waitForSelector(byTestId('detail-retry'), { state: 'visible' });
  const failed = strings.announce.failed('A city skyline at dawn (u-amb)', [strings.uncertain.what, strings.uncertain.found.nothing_found].join(strings.sentenceJoiner));
  await until(page, (w) => document.querySelector('[data-testid="announcer"]').textContent === w, failed);
  assert.equal(await page.textContent(byTestId('detail-advice')), strings.uncertain.next.nothing_found);
  await page.keyboard.press('Escape');

  // From the card, without opening it; this time EvoLink had it, and it carries on.
  await page.click(inCard('u-unav', 'task-look-again'));
  await until(page, () => document.querySelector('[data-task-id="u-unav"]').dataset.state === 'submitting');
  assert.equal(await page.isVisible(byTestId('detail')), false, 'the card button does not open the detail view');
  assert.equal(await page.textContent(inCard('u-unav', 'task-note')), t('problem.checking'));
  await page.evaluate(() => globalThis.__fake.finishLookup('u-unav', 'found'));
  await until(page, () => document.querySelector('[data-task-id="u-unav"]').dataset.state === 'queued');
  assert.deepEqual((await calls(page, 'look_again')).map((c) => c.args.id), ['u-amb', 'u-unav']);
  assert.deepEqual(await calls(page, 'retry_task'), []);
  noErrors(errors);
  await close();
});


test('details for support are copied as plain text, with the ids, the request, the code and the time', async () => {
  const { page, errors, close } = await openApp({ backend: { tasks: [FAILED, { id: 'late', state: 'expired', ago: 90000, error: { code: 'expired', message: 'The link ran out.', retryable: false } }] } });
  await page.waitForSelector(card('late'));
  await openDetail(page, 'late');
  assert.equal(await page.isVisible(byTestId('task-copy-details')), true, 'an expired video has them too');
  await page.keyboard.press('Escape');
  await openDetail(page, 'sd-7f3a');
  await page.click(byTestId('task-copy-details'));
  await until(page, (w) => document.querySelector('[data-testid="toast"]')?.textContent === w, strings.detailsCopied);
  await until(page, (w) => document.querySelector('[data-testid="announcer"]').textContent === w, strings.detailsCopied);
  const text = await page.evaluate(() => navigator.clipboard.readText());
  const words = strings.support;
  assert.ok(text.startsWith(`${words.app}: ${strings.appName} 0.1.0\n`), text);
  assert.ok(text.includes(`\n${words.task}: sd-7f3a\n`), text);
  assert.ok(text.includes(`\n${words.remote}: task-unified-1764612003-abc123\n`), text);
  assert.ok(text.includes(`\n${words.request}: req_9x8y7w\n`), text);
  assert.ok(text.includes(`\n${words.code}: server_trouble\n`), text);
  assert.match(text, new RegExp(`\\n${literally(words.copied).source}: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d [+-]\\d\\d:\\d\\d$`));
  assert.doesNotMatch(text, /\bsk-|undefined|null/);
  await shoot(page, 'detail-failed-details');
  noErrors(errors);
  await close();
});

test('where the webview refuses the clipboard, the details are copied from a hidden text area', async () => {
  const { page, errors, close } = await openApp({ backend: { tasks: [FAILED] } });
  await page.waitForSelector(card('sd-7f3a'));
  await page.evaluate(() => {
    Object.defineProperty(navigator.clipboard, 'writeText', { value: () => Promise.reject(new DOMException('Denied', 'NotAllowedError')) });
    const real = document.execCommand.bind(document);
    globalThis.__copied = [];
    document.execCommand = (command, ...rest) => {
      const area = document.activeElement;
      globalThis.__copied.push({ command, text: area.value.slice(area.selectionStart, area.selectionEnd), inDialog: Boolean(area.closest('dialog[open]')) });
      return real(command, ...rest);
    };
  });
  await openDetail(page, 'sd-7f3a');
  await page.click(byTestId('task-copy-details'));
  await until(page, (w) => document.querySelector('[data-testid="toast"]')?.textContent === w, strings.detailsCopied);
  const [copied] = await page.evaluate(() => globalThis.__copied);
  assert.equal(copied.command, 'copy');
  assert.equal(copied.inDialog, true, 'selected inside the open dialog, outside of which all is inert');
  assert.ok(copied.text.includes(`\n${strings.support.request}: req_9x8y7w\n`), copied.text);
  assert.equal(await page.$('.clipboard-helper'), null, 'the text area is gone');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'task-copy-details', 'focus comes back');

  // And when neither way works, it says so and what to do instead.
  await page.evaluate(() => { document.execCommand = () => false; });
  await page.click(byTestId('task-copy-details'));
  await until(page, (w) => document.querySelector('[data-testid="toast"]')?.textContent === w, strings.detailsCopyFailed);
  assert.equal(await page.textContent(byTestId('toast')), strings.detailsCopyFailed);
  noErrors(errors);
  await close();
});

test('a made video being saved shows how long its link lasts, and a stuck save says to stay open until then', async () => {
  const expires = Math.floor(Date.now() / 1000) + 23 * 3600 + 10 * 60;
  const { page, errors, close } = await openApp({
    backend: {
      tasks: [
        { id: 'saving', prompt: 'A hot air balloon drifting over lavender fields', state: 'downloading', progress: 100, ago: 200, results_expire_at: expires },
        { id: 'stuck', prompt: 'Fireflies in a summer forest', state: 'downloading', progress: 100, ago: 3000, results_expire_at: expires - 3 * 3600,
          error: { code: 'network_down', message: 'Your computer seems to be offline.', retryable: true } },
      ],
    },
  });
  await page.waitForSelector(card('stuck'));
  const until_ = strings.clockTime(expires);
  const stuckUntil = strings.clockTime(expires - 3 * 3600);
  assert.match(until_, /^\d\d:\d\d$/);
  assert.equal(await page.textContent(inCard('saving', 'link-expires')), strings.linkLasts(until_, strings.timeLeft.hours(23)));
  assert.equal(await page.textContent(inCard('stuck', 'link-expires')), strings.linkLasts(stuckUntil, strings.timeLeft.hours(20)));
  assert.equal(await page.textContent(inCard('stuck', 'task-note')), strings.stillTrying(t('problem.network_down')));
  await shoot(page, 'link-lifetime-cards');
  await openDetail(page, 'stuck');
  assert.equal(await page.textContent(inDetail('link-expires')), strings.linkLasts(stuckUntil, strings.timeLeft.hours(20)));
  assert.equal(await page.textContent(byTestId('detail-advice')), strings.keepOpen(stuckUntil));
  await shoot(page, 'detail-saving-stuck');
  noErrors(errors);
  await close();
});

test('the link lifetime on a card counts down as the clock runs', async () => {
  const { page, errors, close } = await openApp();
  // The link's end is set by the page's clock once the page is up, so loading it uses none of the 62 s.
  await page.evaluate(() => globalThis.__fake.emitTasks([
    { id: 'soon', state: 'downloading', progress: 100, ago: 600, results_expire_at: Math.floor(Date.now() / 1000) + 62 },
  ]));
  await page.waitForSelector(inCard('soon', 'link-expires'));
  // The words of a link lasting `left` more, until whatever minute the page's clock makes it.
  const lasting = (left) => `^${literally(strings.linkLasts('\u0000', left)).source.replace('\u0000', '\\d\\d:\\d\\d')}$`;
  assert.match(await page.textContent(inCard('soon', 'link-expires')), new RegExp(lasting(strings.timeLeft.minutes(2))));
  await until(page, (w) => new RegExp(w).test(document.querySelector('[data-testid="link-expires"]').textContent), lasting(strings.timeLeft.minutes(1)));
  noErrors(errors);
  await close();
});

test('a waiting video says why it waits; a missing key points to Settings', async () => {
  const note = (code, message) => ({ code, message, retryable: true });
  const { page, errors, close } = await openApp({
    backend: {
      tasks: [
        { id: 'check', prompt: 'Snow falling on a mountain cabin at night', state: 'submitting', ago: 40, error: note('checking', 'Checking with EvoLink whether this video was started…') },
        { id: 'disk', prompt: 'Macro shot of dew drops sliding off a green leaf', state: 'generating', progress: 60, ago: 120, error: note('storage', 'Sora Desk could not write to its data folder.') },
        { id: 'key', prompt: 'A red fox crossing a frozen lake at sunrise', state: 'queued', ago: 200, error: note('key_missing', 'This video was started with a key Sora Desk no longer has.') },
        { id: 'lost', prompt: 'Slow pan over a neon-lit night market', state: 'generating', progress: 20, ago: 400, error: note('task_trouble', 'EvoLink does not find this video for now.') },
      ],
    },
  });
  await page.waitForSelector(card('lost'));
  assert.equal(await page.textContent(inCard('check', 'task-note')), t('problem.checking'), 'a note with its own advice is not "still trying"');
  assert.equal(await page.textContent(inCard('key', 'task-next-step')), strings.actions.restore_key);
  for (const id of ['check', 'disk', 'lost']) assert.equal(await page.$(inCard(id, 'task-next-step')), null, `${id} needs nothing from the person`);
  await shoot(page, 'waiting-cards');
  const advice = { disk: strings.advice.storage, lost: strings.advice.task_trouble, key: strings.advice.key_missing };
  for (const [id, words] of Object.entries(advice)) {
    await openDetail(page, id);
    assert.match(await page.textContent(byTestId('detail-advice')), literally(words), id);
    if (id === 'disk') await shoot(page, 'detail-waiting-storage');
    await page.keyboard.press('Escape');
  }
  await page.click(inCard('key', 'task-next-step'));
  await page.waitForSelector(byTestId('settings'), { state: 'visible' });
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'key-replace');
  noErrors(errors);
  await close();
});

const ACTIVE = [
  { id: 'a1', state: 'queued', ago: 30 },
  { id: 'a2', state: 'generating', ago: 90 },
  { id: 'a3', state: 'downloading', ago: 300 },
  { id: 'd1', state: 'done', ago: 4000 },
  { id: 'f1', state: 'failed', ago: 5000, error: { code: 'server_trouble', message: 'x', retryable: true } },
];

test('settings say what a new key or address does to videos on their way, before it is saved', async () => {
  const { page, errors, close } = await openApp({ backend: { tasks: ACTIVE } });
  await page.click(byTestId('settings-open'));
  await page.waitForSelector(byTestId('settings'), { state: 'visible' });
  assert.equal(await page.isVisible(byTestId('settings-inflight-note')), false, 'nothing is said before a change');

  await page.click(byTestId('key-replace'));
  await page.waitForSelector(byTestId('settings-inflight-note'), { state: 'visible' });
  assert.equal(await page.textContent(byTestId('settings-inflight-note')), strings.inflightChange(3));
  await shoot(page, 'settings-inflight-key');
  await page.fill(byTestId('settings-key-input'), 'sk-newkey987654');
  await page.click(byTestId('settings-key-save'));
  await until(page, (w) => document.querySelector('[data-testid="key-hint"]').textContent === w, strings.keyHintText('sk-…7654'));
  assert.equal(await page.isVisible(byTestId('settings-inflight-note')), false, 'saved: the note goes');

  await page.click(byTestId('key-remove'));
  await page.waitForSelector(`${byTestId('key-remove-confirm')} ${byTestId('settings-inflight-note')}`, { state: 'visible' });
  assert.equal(await page.textContent(byTestId('settings-inflight-note')), strings.inflightRemove(3));
  await shoot(page, 'settings-inflight-remove');
  await page.click(byTestId('key-remove-cancel'));
  assert.equal(await page.isVisible(byTestId('settings-inflight-note')), false);

  await page.click(`${byTestId('advanced')} summary`);
  await page.fill(byTestId('api-base'), 'https://eu.api.evolink.ai');
  await page.waitForSelector(`.text-field:has(${byTestId('api-base')}) + ${byTestId('settings-inflight-note')}`, { state: 'visible' });
  assert.equal(await page.textContent(byTestId('settings-inflight-note')), strings.inflightChange(3));
  assert.deepEqual((await calls(page, 'set_settings')), [], 'shown before saving');
  await page.$eval(byTestId('settings'), (d) => { d.querySelector('.settings-body').scrollTop = 1e6; });
  await shoot(page, 'settings-inflight-address');
  await page.fill(byTestId('api-base'), '');
  assert.equal(await page.isVisible(byTestId('settings-inflight-note')), false, 'back to the saved address: nothing changes');
  await page.fill(byTestId('api-base'), 'https://eu.api.evolink.ai');
  await page.waitForSelector(byTestId('settings-inflight-note'), { state: 'visible' });
  await page.press(byTestId('api-base'), 'Enter');
  await page.waitForSelector(byTestId('settings-inflight-note'), { state: 'hidden' });
  assert.deepEqual((await calls(page, 'set_settings')).map((c) => c.args.changes), [{ api_base: 'https://eu.api.evolink.ai' }]);
  noErrors(errors);
  await close();
});

test('with no video on its way, changing the key or address says nothing extra', async () => {
  const { page, errors, close } = await openApp({ backend: { tasks: ACTIVE.filter((t) => ['done', 'failed'].includes(t.state)) } });
  await page.click(byTestId('settings-open'));
  await page.click(byTestId('key-replace'));
  await page.click(`${byTestId('advanced')} summary`);
  await page.fill(byTestId('files-base'), 'https://eu.files-api.evolink.ai');
  await until(page, () => globalThis.__fake.callsTo('library_stats').length >= 2);
  await page.waitForTimeout(100);
  assert.equal(await page.isVisible(byTestId('settings-inflight-note')), false);
  noErrors(errors);
  await close();
});

test('the words on a card fit its picture, in a small window as in a large one', async () => {
  const note = (code, message) => ({ code, message, retryable: true });
  const tasks = [
    unsure('u-nf', 'nothing_found', 100),
    { id: 'stuck', state: 'downloading', ago: 200, error: note('storage', 'Sora Desk could not write to its data folder.') },
    { id: 'check', state: 'submitting', ago: 300, error: note('checking', 'Checking with EvoLink whether this video was started…') },
    { id: 'key', state: 'generating', progress: 40, ago: 400, error: note('key_missing', 'This video was started with a key Sora Desk no longer has.') },
  ];
  for (const viewport of [{ width: 760, height: 540 }, { width: 1200, height: 800 }]) {
    const { page, errors, close } = await openApp({ viewport, backend: { tasks } });
    await page.waitForSelector(card('key'));
    const overflowing = await page.$$eval('.card .thumb .face', (faces) => faces
      .filter((face) => face.scrollHeight > face.clientHeight + 1)
      .map((face) => face.closest('[data-task-id]').dataset.taskId));
    assert.deepEqual(overflowing, [], `${viewport.width} px: every face fits`);
    if (viewport.width === 760) await shoot(page, 'small-window-cards');
    noErrors(errors);
    await close();
  }
});

test('while the data folder cannot be written a banner says so, and it goes once writing works again', async () => {
  const { page, errors, close } = await openApp({ backend: { tasks: [FAILED] } });
  await page.waitForSelector(card(FAILED.id));
  const banner = byTestId('store-banner');
  assert.equal(await page.isVisible(banner), false);
  const message = 'Sora Desk could not write to its data folder (disk I/O error). Is the disk full or read-only? Nothing is lost: the app keeps trying, and carries on once it can write again.';
  await page.evaluate((m) => globalThis.__fake.emitStoreTrouble({ message: m }), message);
  await page.waitForSelector(banner, { state: 'visible' });
  assert.equal((await page.textContent(`${banner} .banner-text`)).trim(), t('problem.storage'));
  await shoot(page, 'store-trouble-banner');
  await page.evaluate(() => globalThis.__fake.emitStoreTrouble({ message: null }));
  await page.waitForSelector(banner, { state: 'hidden' });
  noErrors(errors);
  await close();
});
