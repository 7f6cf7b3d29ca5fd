// Demo mode in the real app: no key, no server from outside. The built-in fake EvoLink runs
// inside the app, a video is made and plays, "Demo" is shown, and leaving the demo brings the
// welcome screen back with the real (empty) library.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';

import { byTestId, cardState, enterDemo, firstCard, launch, newProfile, shoot, shown, textOf } from './harness.mjs';
import { words } from '../support/words.mjs';

test('the demo makes a video with no key and no outside server, clearly marked', { timeout: 120000 }, async (t) => {
  const profile = newProfile('demo');
  // Nowhere to reach: the demo must need nothing but itself.
  const app = await launch(profile, {
    env: { SORA_DESK_API_BASE: 'http://127.0.0.1:9', SORA_DESK_FILES_BASE: 'http://127.0.0.1:9' },
  });
  t.after(() => app.close());
  const { session } = app;

  await enterDemo(session);
  const balance = await session.waitForText(byTestId('balance'), (text) => text.toLowerCase() === words('demoBadge').toLowerCase());
  // WebDriver reads the text as drawn: the badge is in capitals.
  assert.equal(balance.toLowerCase(), words('demoBadge').toLowerCase(), 'the header says Demo instead of a balance');
  const info = await session.execute('return window.__TAURI__.core.invoke("app_info");');
  assert.equal(info.demo, true);
  assert.ok(info.library_dir.startsWith(profile.dataDir), `the demo keeps its own folder: ${info.library_dir}`);

  await session.type(await session.find(byTestId('prompt')), 'A hot air balloon over green hills at sunrise');
  await session.clickSteady(byTestId('generate'));
  const { id } = await firstCard(session);
  await cardState(session, id, (state) => state === 'done', { timeoutMs: 90000, what: 'the demo video to be done' });
  // Its card shows the still made in Rust from the demo's clip (the sea, for a sunrise).
  await session.waitFor(`
    const img = document.querySelector('[data-testid="task-card"][data-task-id=${JSON.stringify(id)}] img.poster');
    return Boolean(img && img.complete && img.naturalWidth > 0);`, { timeoutMs: 30000, what: 'the card\'s still' });
  await session.execute(`return (async () => { await document.querySelector('img.poster').decode(); return true; })();`);
  await shoot(session, 'demo-done-light');
  // And the player, once it shows a frame.
  await session.execute(`document.querySelector('[data-testid="task-card"] .card-open').click(); return true;`);
  await session.waitFor(`const v = document.querySelector('[data-testid="task-video"]'); return Boolean(v && v.readyState >= 2);`,
    { timeoutMs: 30000, what: 'the demo video playing in the detail view' });
  await shoot(session, 'demo-player-light');
  await session.execute(`document.querySelector('[data-testid="detail-close"]').click(); return true;`);
  const video = await session.execute(`return window.__TAURI__.core.invoke("get_task", { id: ${JSON.stringify(id)} });`);
  assert.ok(existsSync(video.video_path), `the demo video was saved: ${video.video_path}`);
  assert.ok(video.video_path.startsWith(info.library_dir));

  // Leaving the demo: the real world has no key, so the welcome screen is back.
  await session.execute('return window.__TAURI__.core.invoke("set_demo", { on: false });');
  await session.waitForVisible(byTestId('first-run'));
  assert.equal(await shown(session, 'first-run'), true);
  const real = await session.execute('return window.__TAURI__.core.invoke("list_tasks", { query: {} });');
  assert.equal(real.total, 0, 'the demo video stays in the demo');
  assert.ok(await textOf(session, 'app-version'));
});
