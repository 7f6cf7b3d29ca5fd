// Updates in the real app, as built from source: tauri.conf.json carries the public key and no
// update address (the release workflow adds it), so the app says it cannot update itself, and
// the daily look at start finds nothing to show. The update itself is tested on the installed
// .deb (tests/installed/update.test.mjs, layer 6) and against a local server in
// src-tauri/tests/updates.rs.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { byTestId, enterDemo, forgetKeys, launch, newProfile, shoot, shown } from './harness.mjs';
import { words } from '../support/words.mjs';

test('a build from source says it does not update itself', async (t) => {
  forgetKeys();
  const app = await launch(newProfile('updates'));
  t.after(() => app.close());
  const { session } = app;
  await enterDemo(session);
  await session.clickSteady(byTestId('settings-open'));
  await session.waitForVisible(byTestId('settings'));
  assert.equal(await session.execute(`return document.querySelector('[data-testid="auto-update"]').checked;`), true);
  await session.execute(`document.querySelector('#settings-updates').scrollIntoView();`);
  await session.clickSteady(byTestId('update-check'));
  const said = await session.waitForText(byTestId('update-status'), (text) => text !== '' && text !== words('updateChecking'));
  assert.equal(said, words('problem.updates_not_built_in'));
  await shoot(session, 'settings-updates');
  assert.equal(await shown(session, 'update-ready'), false, 'the daily look at start found nothing to offer');
});
