// The shell in a real browser (Debian's Chromium via playwright-core) with the backend faked:
// header, empty gallery, first run, demo mode, and what happens when the engine is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { byTestId, calls, literally, noErrors, openApp, schemeSettled, shoot, strings, t, until, useBrowser } from './helpers.mjs';

useBrowser();

test('an empty library shows the header, the compose panel and where videos will go', async () => {
  const { page, errors, close } = await openApp();
  assert.equal(await page.textContent(byTestId('app-version')), strings.version('0.1.0'));
  await page.waitForSelector(`${byTestId('gallery-empty')}:not([hidden])`);
  assert.match(await page.textContent(byTestId('gallery')), literally(strings.emptyTitle));
  assert.equal(await page.textContent(byTestId('library-dir')), strings.libraryWhere('/home/ada/Videos/Sora Desk'));
  await until(page, (words) => document.querySelector('[data-testid="balance"]').textContent === words, strings.balance(1234.5));
  assert.equal(await page.textContent(byTestId('prompt-counter')), strings.counter(0, 5000));
  assert.equal(await page.isVisible(byTestId('first-run')), false);
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    await schemeSettled(page);
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(background, scheme === 'dark' ? 'rgb(17, 18, 25)' : 'rgb(245, 246, 250)');
  }
  await shoot(page, 'empty');
  noErrors(errors);
  await close();
});

test('first run: a wrong key is explained, a good one shows the balance and opens the app', async () => {
  const { page, errors, close } = await openApp({ backend: { key: { set: false, hint: null, storage: 'none' } } });
  await page.waitForSelector(`${byTestId('first-run')}:not([hidden])`);
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'api-key-input');
  await shoot(page, 'first-run');

  await page.click(byTestId('get-key'));
  assert.deepEqual((await calls(page, 'open_help')).map((c) => c.args.topic), ['get_key']);

  await page.fill(byTestId('api-key-input'), 'sk-clé-abcdef123456');
  await page.click(byTestId('api-key-save'));
  await page.waitForSelector(`${byTestId('key-error')}:not([hidden])`);
  assert.match(await page.textContent(byTestId('key-error')), literally(t('problem.invalid_key')));
  assert.equal(await page.isVisible(byTestId('key-session-only')), false);

  await page.fill(byTestId('api-key-input'), 'sk-abcdef123456');
  await page.press(byTestId('api-key-input'), 'Enter');
  await page.waitForSelector(`${byTestId('first-run')}[hidden]`, { state: 'attached' });
  assert.equal(await page.textContent(byTestId('balance')), strings.balance(1234.5));
  assert.match(await page.textContent(byTestId('toast')), literally(strings.keyWorks(1234.5)));
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'prompt');
  noErrors(errors);
  await close();
});

test('first run without a keychain offers to keep the key for this session only', async () => {
  const { page, errors, close } = await openApp({ backend: { key: { set: false, hint: null, storage: 'none' }, keychain: false } });
  await page.fill(byTestId('api-key-input'), 'sk-abcdef123456');
  await page.click(byTestId('api-key-save'));
  await page.waitForSelector(byTestId('key-session-only'), { state: 'visible' });
  assert.match(await page.textContent(byTestId('key-error')), literally(t('problem.keychain_unavailable')));
  await shoot(page, 'first-run-no-keychain');
  await page.click(byTestId('key-session-only'));
  await page.waitForSelector(`${byTestId('first-run')}[hidden]`, { state: 'attached' });
  const saves = await calls(page, 'set_key');
  assert.deepEqual(saves.map((c) => c.args.session_only), [false, true]);
  noErrors(errors);
  await close();
});

test('the demo is one click away, labelled everywhere, and can be left', async () => {
  const { page, errors, close } = await openApp({ backend: { key: { set: false, hint: null, storage: 'none' } } });
  await page.click(byTestId('demo-start'));
  await page.waitForSelector(`${byTestId('first-run')}[hidden]`, { state: 'attached' });
  await until(page, (words) => document.querySelector('[data-testid="balance"]').textContent === words, strings.demoBadge);
  assert.equal(await page.isVisible(byTestId('demo-leave')), true);
  await page.fill(byTestId('prompt'), 'A tiny robot watering plants');
  await until(page, (words) => document.querySelector('[data-testid="estimate"]').textContent === words, strings.estimateDemo(23.04));
  assert.equal(await page.isEnabled(byTestId('generate')), true, 'the demo needs no key');
  await page.evaluate(() => globalThis.__fake.emitTasks([
    { id: 'd1', prompt: 'A tiny robot watering plants', state: 'done', ago: 30 },
    { id: 'd2', prompt: 'A koi pond in the rain', state: 'generating', progress: 60, ago: 50 },
  ]));
  await page.waitForSelector(`${byTestId('task-card')}[data-task-id="d1"]`);
  await shoot(page, 'demo');
  await page.click(`${byTestId('task-card')}[data-task-id="d1"]`);
  assert.equal(await page.isVisible(`${byTestId('detail')} .demo-tag`), true, 'the detail view says Demo too');
  await page.keyboard.press('Escape');
  await page.click(byTestId('demo-leave'));
  // Leaving the demo without a key brings the welcome screen back.
  await page.waitForSelector(`${byTestId('first-run')}:not([hidden])`);
  assert.equal(await page.isVisible(byTestId('balance')), false);
  assert.deepEqual((await calls(page, 'set_demo')).map((c) => c.args.on), [true, false]);
  noErrors(errors);
  await close();
});

test('a backend failure is shown in plain words, not swallowed', async () => {
  const { page, close } = await openApp({
    backend: { fail: { app_info: { code: 'internal', message: 'boom', retryable: false } } },
    ready: false,
  });
  await page.waitForSelector(`${byTestId('app-info')}.error`);
  assert.match(await page.textContent(byTestId('app-info')), literally(strings.backendUnavailable));
  await close();
});
