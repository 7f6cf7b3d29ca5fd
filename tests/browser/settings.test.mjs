// Settings and the account: key, library, theme, notifications, the default model, advanced addresses;
// a refused key, balance updates and switching modes from the backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { LANG, byTestId, calls, choose, literally, noErrors, openApp, schemeSettled, shoot, shots, strings, t, until, useBrowser } from './helpers.mjs';
import { join } from 'node:path';

useBrowser();

const theme = async (page) => {
  await schemeSettled(page);
  return page.evaluate(() => [document.documentElement.dataset.theme, getComputedStyle(document.body).backgroundColor]);
};

test('settings show the key and library, and the theme applies at once', async () => {
  const { page, errors, close } = await openApp({ backend: { tasks: [{ prompt: 'A fox', state: 'done', ago: 100 }] } });
  await page.click(byTestId('settings-open'));
  await page.waitForSelector(byTestId('settings'), { state: 'visible' });
  assert.equal(await page.textContent(byTestId('key-hint')), strings.keyHintText('sk-…9f3a'));
  assert.equal(await page.textContent(byTestId('key-storage')), strings.keyStorage.keychain);
  assert.equal(await page.textContent(byTestId('settings-library')), '/home/ada/Videos/Sora Desk');
  await until(page, (words) => document.querySelector('[data-testid="spend"]').textContent === words,
    strings.spend({ credits_used_total: 46.08, credits_used_30_days: 46.08 }));
  await shoot(page, 'settings');

  assert.deepEqual(await theme(page), ['system', 'rgb(245, 246, 250)']);
  await choose(page, 'theme-dark');
  assert.deepEqual(await theme(page), ['dark', 'rgb(17, 18, 25)']);
  await page.screenshot({ path: join(shots, `browser-theme-dark-chosen${LANG === 'en' ? '' : `-${LANG}`}-dark.png`) });
  await choose(page, 'theme-light');
  await page.emulateMedia({ colorScheme: 'dark' });
  assert.deepEqual(await theme(page), ['light', 'rgb(245, 246, 250)'], 'an explicit theme beats the system one');
  await choose(page, 'theme-system');
  assert.deepEqual(await theme(page), ['system', 'rgb(17, 18, 25)']);
  await page.emulateMedia({ colorScheme: 'light' });

  await page.click(byTestId('notifications'));
  assert.equal(await page.inputValue(byTestId('settings-default-model')), 'sora-2-preview');
  await page.selectOption(byTestId('settings-default-model'), 'kling-v3');
  await page.click(byTestId('library-change'));
  await until(page, () => document.querySelector('[data-testid="settings-library"]').textContent === '/home/ada/Movies/Sora Desk');
  await page.click(byTestId('library-open'));
  const saved = (await calls(page, 'set_settings')).map((c) => c.args.changes);
  assert.deepEqual(saved, [{ theme: 'dark' }, { theme: 'light' }, { theme: 'system' }, { notifications: false }, { default_model: 'kling-v3' }]);
  assert.equal((await calls(page, 'open_library')).length, 1);
  await page.keyboard.press('Escape');
  await page.waitForSelector(byTestId('settings'), { state: 'hidden' });
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'settings-open', 'focus returns');
  noErrors(errors);
  await close();
});

test('a webhook that is not https is refused beside the field, a good one is saved', async () => {
  const { page, errors, close } = await openApp();
  await page.click(byTestId('settings-open'));
  await page.click(`${byTestId('advanced')} summary`);
  await page.fill(byTestId('webhook'), 'http://example.com/hook');
  await page.press(byTestId('webhook'), 'Enter');
  await page.waitForSelector(byTestId('webhook-error'), { state: 'visible' });
  assert.equal(await page.textContent(byTestId('webhook-error')), t('problem.invalid_input.callback_not_https'));
  await page.$eval(byTestId('settings'), (d) => { d.querySelector('.settings-body').scrollTop = 1e6; });
  await shoot(page, 'settings-webhook-error');
  await page.fill(byTestId('webhook'), 'https://example.com/hook');
  await page.press(byTestId('webhook'), 'Enter');
  await page.waitForSelector(byTestId('webhook-error'), { state: 'hidden' });
  await page.fill(byTestId('webhook'), '');
  await page.press(byTestId('webhook'), 'Enter');
  const saved = (await calls(page, 'set_settings')).map((c) => c.args.changes);
  assert.deepEqual(saved, [{ callback_url: 'http://example.com/hook' }, { callback_url: 'https://example.com/hook' }, { callback_url: null }]);
  noErrors(errors);
  await close();
});

test('the key can be replaced and removed (with a question first)', async () => {
  const { page, errors, close } = await openApp();
  await page.click(byTestId('settings-open'));
  await page.click(byTestId('key-replace'));
  await page.fill(byTestId('settings-key-input'), 'sk-newkey987654');
  await page.click(byTestId('settings-key-save'));
  await until(page, (words) => document.querySelector('[data-testid="key-hint"]').textContent === words, strings.keyHintText('sk-…7654'));
  await page.click(byTestId('key-remove'));
  await page.waitForSelector(byTestId('key-remove-confirm'), { state: 'visible' });
  await page.click(byTestId('key-remove-yes'));
  await until(page, (words) => document.querySelector('[data-testid="key-hint"]').textContent === words, strings.keyNone);
  assert.equal((await calls(page, 'clear_key')).length, 1);
  await page.keyboard.press('Escape');
  assert.equal(await page.isVisible(byTestId('balance')), false, 'no key, no balance');
  await page.fill(byTestId('prompt'), 'A fox');
  assert.equal(await page.textContent(byTestId('generate-reason')), strings.needKey);
  noErrors(errors);
  await close();
});

test('a refused key shows a banner and opens the key settings; balance and mode follow the backend', async () => {
  const { page, errors, close } = await openApp();
  await page.evaluate(() => globalThis.__fake.emitBalance({ credits: 987.25, demo: false }));
  await until(page, (words) => document.querySelector('[data-testid="balance"]').textContent === words, strings.balance(987.25));
  await page.evaluate(() => globalThis.__fake.emitKeyRefused({ message: 'EvoLink did not accept your key.' }));
  await page.waitForSelector(byTestId('key-banner'), { state: 'visible' });
  await page.waitForSelector(byTestId('settings'), { state: 'visible' });
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'key-replace');
  await page.keyboard.press('Escape');
  await shoot(page, 'key-refused');
  await page.evaluate(() => globalThis.__fake.emitMode({ demo: true }));
  await until(page, (words) => document.querySelector('[data-testid="balance"]').textContent === words, strings.demoBadge);
  assert.ok((await calls(page, 'app_info')).length >= 2, 'everything reloads after a mode change');
  noErrors(errors);
  await close();
});

test('the language is chosen in Settings, and the page comes back in it', async () => {
  const other = LANG === 'en' ? 'zh-CN' : 'en';
  const { page, errors, close } = await openApp();
  const lang = () => page.evaluate(() => document.documentElement.lang);
  assert.equal(await lang(), LANG, 'the language app_info resolved');
  assert.match(await page.textContent(byTestId('generate')), literally(strings.generate));
  await page.click(byTestId('settings-open'));
  assert.equal(await page.inputValue(byTestId('language')), 'system');
  // Each language is named in itself, whatever the page speaks.
  const names = await page.$$eval(`${byTestId('language')} option`, (options) => options.map((o) => [o.value, o.textContent]));
  assert.deepEqual(names, [['system', strings.languageSystem], ['en', 'English'], ['zh-CN', '简体中文']]);
  await Promise.all([page.waitForEvent('load'), page.selectOption(byTestId('language'), other)]);
  await page.waitForFunction(() => document.querySelector('[data-testid="app-version"]:not([hidden])'));
  assert.equal(await lang(), other);
  assert.deepEqual((await calls(page, 'set_settings')).map((c) => c.args.changes), [], 'the fake starts afresh after the reload');
  assert.doesNotMatch(await page.textContent(byTestId('generate')), literally(strings.generate), 'the words are the other language\'s');
  await page.click(byTestId('settings-open'));
  assert.equal(await page.inputValue(byTestId('language')), other);
  await shoot(page, `settings-language-${other}`);
  // Back to the system's language.
  await Promise.all([page.waitForEvent('load'), page.selectOption(byTestId('language'), 'system')]);
  await page.waitForFunction(() => document.querySelector('[data-testid="app-version"]:not([hidden])'));
  assert.equal(await lang(), LANG);
  assert.match(await page.textContent(byTestId('generate')), literally(strings.generate));
  noErrors(errors);
  await close();
});
