// Updates: the daily look at start (quiet unless it finds something, never when turned off),
// "Check for updates" in Settings, the dialog with the release's notes as plain text, and
// "Install and restart" telling each stage, or why nothing was installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { byTestId, calls, literally, noErrors, openApp, shoot, strings, t, until, useBrowser } from './helpers.mjs';

useBrowser();

const NEWER = {
  version: '0.2.0',
  notes: 'Videos open faster.\nA new model: Veo 3.1 Fast.\n<img src=x onerror="globalThis.__pwned = 1">',
  date: '2026-12-01T10:00:00Z',
};

test('the daily look finds a newer version: the header says so, the notes show as text, Later waits', async () => {
  const { page, errors, close } = await openApp({ backend: { update: NEWER } });
  await page.waitForSelector(byTestId('update-ready'), { state: 'visible' });
  assert.equal(await page.textContent(byTestId('update-ready')), strings.updateReady('0.2.0'));
  assert.deepEqual((await calls(page, 'check_for_update')).map((c) => c.args), [{ automatic: true }]);
  assert.equal(await page.isVisible(byTestId('update-dialog')), false, 'nothing opens by itself');

  await page.click(byTestId('update-ready'));
  await page.waitForSelector(byTestId('update-dialog'), { state: 'visible' });
  assert.equal(await page.textContent('#update-title'), strings.updateTitle('0.2.0'));
  assert.equal(await page.textContent(byTestId('update-meta')), strings.updateMeta('0.1.0', NEWER.date));
  assert.equal(await page.textContent(byTestId('update-notes')), NEWER.notes);
  assert.equal(await page.$$eval(`${byTestId('update-notes')} *`, (all) => all.length), 0, 'the notes are never markup');
  assert.equal(await page.evaluate(() => globalThis.__pwned), undefined);
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'update-install');
  await shoot(page, 'update-dialog');

  await page.click(byTestId('update-later'));
  await page.waitForSelector(byTestId('update-dialog'), { state: 'hidden' });
  assert.equal((await calls(page, 'install_update')).length, 0, 'Later installs nothing');
  assert.equal(await page.isVisible(byTestId('update-ready')), true, 'the offer stays in the header');
  noErrors(errors);
  await close();
});

test('Install and restart tells each stage', async () => {
  const { page, errors, close } = await openApp({ backend: { update: NEWER, hold: ['install_update'] } });
  await page.click(byTestId('update-ready'));
  await page.click(byTestId('update-install'));
  assert.equal(await page.isDisabled(byTestId('update-install')), true);
  assert.equal(await page.textContent(byTestId('update-progress')), strings.updateDownloading(null, null), 'no figure before the first bytes');
  // What the download says on the way, from the page's own words.
  assert.equal(await page.evaluate(async () => {
    const { strings } = await import('/js/strings.js');
    return strings.updateDownloading(25, strings.size(12_400_000));
  }), strings.updateDownloading(25, strings.size(12_400_000)));
  assert.equal(await page.isDisabled(byTestId('update-later')), true, 'no way out while it installs');
  await page.keyboard.press('Escape');
  assert.equal(await page.isVisible(byTestId('update-dialog')), true, 'Escape does not hide an install');
  await page.evaluate(() => globalThis.__fake.release('install_update'));
  await until(page, (words) => document.querySelector('[data-testid="update-progress"]').textContent === words, strings.updateRestarting);
  await shoot(page, 'update-restarting');
  assert.equal((await calls(page, 'install_update')).length, 1);
  noErrors(errors);
  await close();
});

test('an update that fails its signature check says so, and can be tried again', async () => {
  const message = "The downloaded update is not signed by Sora Desk's makers, so it was not installed. Try again later; if this keeps happening, download Sora Desk from where you got it.";
  const { page, errors, close } = await openApp({
    backend: { update: NEWER, fail: { install_update: { code: 'update_unverified', message, retryable: true } } },
  });
  await page.click(byTestId('update-ready'));
  await page.click(byTestId('update-install'));
  await page.waitForSelector(byTestId('update-error'), { state: 'visible' });
  // What went wrong, then what to do.
  assert.equal(await page.textContent(byTestId('update-error')), strings.problem({ code: 'update_unverified', message: { key: 'problem.update_unverified' } }));
  assert.equal(await page.isDisabled(byTestId('update-install')), false);
  assert.equal(await page.isDisabled(byTestId('update-later')), false);
  await shoot(page, 'update-unverified');
  noErrors(errors);
  await close();
});

test('Settings: Check for updates says when this is the newest, and the daily look can be turned off', async () => {
  const { page, errors, close } = await openApp();
  await page.click(byTestId('settings-open'));
  assert.equal(await page.isChecked(byTestId('auto-update')), true);
  await page.click(byTestId('update-check'));
  await until(page, (words) => document.querySelector('[data-testid="update-status"]').textContent === words, strings.updateNone('0.1.0'));
  await page.$eval(byTestId('settings'), (d) => { d.querySelector('#settings-updates').scrollIntoView(); });
  await shoot(page, 'settings-updates');
  await page.click(byTestId('auto-update'));
  const saved = (await calls(page, 'set_settings')).map((c) => c.args.changes);
  assert.deepEqual(saved, [{ auto_update_check: false }]);

  // A newer version appears; the person's own look finds it and opens its notes.
  await page.evaluate((update) => globalThis.__fake.offerUpdate(update), NEWER);
  await page.click(byTestId('update-check'));
  await page.waitForSelector(byTestId('update-dialog'), { state: 'visible' });
  assert.equal(await page.textContent(byTestId('update-status')), strings.updateFound('0.2.0'));
  assert.deepEqual((await calls(page, 'check_for_update')).map((c) => c.args.automatic), [true, false, false]);
  noErrors(errors);
  await close();
});

test('with the daily look turned off, starting the app finds nothing', async () => {
  const { page, errors, close } = await openApp({ backend: { update: NEWER, settings: { auto_update_check: false } } });
  await until(page, () => globalThis.__fake.callsTo('check_for_update').length === 1);
  await page.waitForTimeout(200);
  assert.equal(await page.isVisible(byTestId('update-ready')), false);
  noErrors(errors);
  await close();
});
