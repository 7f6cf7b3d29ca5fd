// The golden path in the real app, against the fake EvoLink server: first run, a key kept in the
// real keychain, a prompt and a dropped picture, Generate, the card living through its states
// to done, the video playing in the detail view, the file and its recipe in the library, and
// everything still there after the app is closed and opened again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import {
  LIFECYCLE, byTestId, cardState, connectKey, dropFiles, filesBelow, firstCard, forgetKeys, launch, logFile,
  makePicture, newProfile, repo, shoot, shown, startMock, statesSeen, storedKeys, textOf, watchCardStates,
} from './harness.mjs';
import { words } from '../support/words.mjs';

// Distinctive, so a leak would be found (scripts/test-all looks for sk-...distinctive in output).
const KEY = 'sk-app-distinctive-7f3a9c2e51d84b06';
const PROMPT = 'A paper boat drifting down a rainy street at dusk, reflections in the puddles';
const SAMPLE = join(repo, 'crates/evolink-mock/assets/landscape.mp4');

/** Reads the player of the open detail view. */
const PLAYER = `
  const video = document.querySelector('[data-testid="detail"][open] [data-testid="task-video"]');
  return video ? { readyState: video.readyState, duration: video.duration, width: video.videoWidth,
    height: video.videoHeight, error: video.error && video.error.code, src: video.currentSrc } : null;`;

async function openDetailAndPlay(session, id) {
  await session.click(await session.find(`${byTestId('task-card')}[data-task-id="${id}"]`));
  await session.waitForVisible(byTestId('detail'));
  // WebKit can reach readyState 4 a moment before its video sink reports the frame's size (seen
  // once, under load: readyState 4 and 0x0), so the size is waited for too.
  const ready = 'video.readyState >= 3 && video.videoWidth > 0';
  const player = await session.waitFor(`${PLAYER.replace('return video ?', `return video && ((${ready}) || video.error) ?`)}`, {
    timeoutMs: 20000, what: 'the video to have data to play and its size (readyState >= 3, videoWidth > 0)',
  });
  assert.equal(player.error, null, `the player failed with MediaError code ${player.error} on ${player.src}`);
  assert.ok(player.readyState >= 3, `readyState ${player.readyState}`);
  // Show a frame from inside the clip rather than the first, black-edged one.
  await session.execute(`
    const video = document.querySelector('[data-testid="task-video"]');
    return new Promise((done) => { video.addEventListener('seeked', () => done(true), { once: true }); video.currentTime = 1.5; });`);
  return player;
}

test('first run, a video from a prompt and a dropped picture, and it is all there after a restart', { timeout: 150000 }, async (t) => {
  forgetKeys();
  const mock = await startMock(['--key', KEY, '--balance', '1234.5', '--time-scale', '40']);
  t.after(() => mock.stop());
  t.after(() => forgetKeys());
  const profile = newProfile('golden');
  const picture = makePicture(profile.home);
  let app = await launch(profile, { mock });
  t.after(() => app.close());
  const { session } = app;

  // First run: the welcome screen, the rest of the window out of reach behind it.
  await session.waitForVisible(byTestId('first-run'));
  assert.equal(await session.execute('return document.querySelector("main").inert;'), true);
  await shoot(session, 'first-run-light');

  // The key is checked with a real balance call and kept in the keychain.
  assert.equal(await connectKey(session, KEY, words('balance', { credits: 1234.5 })), words('balance', { credits: 1234.5 }));
  const status = await session.execute('return window.__TAURI__.core.invoke("key_status");');
  assert.equal(status.set, true);
  assert.equal(status.storage, 'keychain');
  assert.equal(status.hint, `sk-…${KEY.slice(-4)}`);
  assert.equal(storedKeys().length, 1, 'one item in the Secret Service');

  // The prompt, then a picture dropped on the window.
  await session.type(await session.find(byTestId('prompt')), PROMPT);
  assert.equal(await session.waitForText(byTestId('prompt-counter'), (text) => text.startsWith(`${PROMPT.length} `)), `${PROMPT.length} / 5,000`);
  await dropFiles(session, [picture]);
  await session.waitForVisible(byTestId('image-preview'));
  const summary = await session.waitForText(byTestId('image-summary'), (text) => /1280\s*[x×]\s*720/.test(text));
  assert.match(summary, /1600\s*[x×]\s*1200/, 'the summary says what the picture was');
  const preview = await session.waitFor(`
    const img = document.querySelector('[data-testid="image-preview"]');
    return img.complete && img.naturalWidth > 0 ? { w: img.naturalWidth, h: img.naturalHeight, src: img.src.slice(0, 11) } : null;`,
  { what: 'the after-preview to load' });
  assert.equal(preview.src, 'data:image/');
  assert.ok(Math.abs(preview.w / preview.h - 16 / 9) < 0.02, `the after-preview is 16:9 (${preview.w}x${preview.h})`);
  assert.equal(await shown(session, 'image-error'), false);
  await shoot(session, 'picture-light');

  // Generate: a card appears and lives through its states to done.
  await watchCardStates(session);
  await session.waitFor('return !document.querySelector(\'[data-testid="generate"]\').disabled;', { what: 'Generate to be enabled' });
  await session.clickSteady(byTestId('generate'));
  const { id } = await firstCard(session);
  await cardState(session, id, (s) => s === 'generating', { timeoutMs: 30000, what: 'the card to show generating' });
  await shoot(session, 'generating-light');
  await cardState(session, id, (s) => s === 'done' || s === 'failed' || s === 'expired' || s === 'outcome_unknown', {
    timeoutMs: 60000, what: 'the task to end',
  });
  const seen = await statesSeen(session, id);
  console.log(`states seen on the card of ${id}: ${seen.join(' → ')}`);
  assert.equal(seen.at(-1), 'done', `the task ended ${seen.at(-1)}: ${await textOf(session, 'task-error')}`);
  assert.ok(seen.includes('generating'), 'the card showed generating');
  const order = seen.map((s) => LIFECYCLE.indexOf(s));
  assert.ok(order.every((i) => i >= 0), `only happy-path states: ${seen}`);
  assert.deepEqual(order, [...order].sort((a, b) => a - b), `states in lifecycle order: ${seen}`);
  // The header follows the balance: 4 s at 5.76 credits a second were charged.
  await session.waitForText(byTestId('balance'), (text) => text === words('balance', { credits: 1211.46 }));
  const oneVideo = words('stats', { videos: 1, total: 0, recent: 0 }).split(' · ')[0];
  await session.waitFor(`return document.querySelector('[data-testid="gallery-stats"]').textContent.startsWith(${JSON.stringify(oneVideo)});`, { what: 'the gallery stats' });
  await shoot(session, 'done-light');

  // The detail view plays the saved video: the mock's 4 s, 1280x720 sample.
  const player = await openDetailAndPlay(session, id);
  console.log(`player: readyState ${player.readyState}, duration ${player.duration} s, ${player.width}x${player.height}`);
  assert.ok(Math.abs(player.duration - 4) <= 0.2, `duration ${player.duration} s`);
  assert.deepEqual([player.width, player.height], [1280, 720]);
  assert.match(player.src, /^http:\/\/127\.0\.0\.1:\d+\//, 'played from the loopback media server');
  assert.equal(await textOf(session, 'detail-prompt'), PROMPT);
  await shoot(session, 'detail-light');

  // The library folder has the video (the bytes EvoLink served) and its recipe.
  const videoPath = await textOf(session, 'detail-path');
  assert.ok(videoPath.startsWith(profile.libraryDir), `saved in the library: ${videoPath}`);
  assert.ok(videoPath.endsWith('.mp4'));
  const sha = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');
  assert.equal(sha(videoPath), sha(SAMPLE), 'the saved video is the one served');
  const recipePath = videoPath.replace(/\.mp4$/, '.json');
  assert.ok(existsSync(recipePath), `a recipe beside the video: ${recipePath}`);
  const recipe = JSON.parse(readFileSync(recipePath, 'utf8'));
  assert.equal(recipe.prompt, PROMPT);
  assert.equal(recipe.task_id, id);
  assert.equal(recipe.duration_seconds, 4);
  assert.equal(recipe.first_frame, picture);
  assert.equal(recipe.model_name, 'Sora 2');
  assert.equal(recipe.sha256, sha(videoPath));
  assert.ok(statSync(videoPath).size > 0);

  // Closing the window ends the app.
  await session.click(await session.find(byTestId('detail-close')));
  assert.equal(await app.close(), true, 'the app quit when its window closed');

  // Opened again (in a dark desktop), with the same folders: no first run, the video is there.
  app = await launch(profile, { mock, env: { GTK_THEME: 'Adwaita:dark' } });
  const again = app.session;
  await again.waitForText(byTestId('balance'), (text) => text === words('balance', { credits: 1211.46 }));
  assert.equal(await shown(again, 'first-run'), false, 'the key is still set: no first-run screen');
  const card = await firstCard(again);
  assert.deepEqual(card, { id, state: 'done' });
  assert.equal(await again.execute('return document.querySelectorAll(\'[data-testid="task-card"]\').length;'), 1);
  // The poster frame grabbed in the first session is shown on the card.
  const poster = await again.waitFor(`
    const img = document.querySelector('[data-testid="task-card"] img.poster');
    return img && img.complete && img.naturalWidth > 0 ? img.naturalWidth + 'x' + img.naturalHeight : null;`,
  { timeoutMs: 10000, what: 'the card to show its poster frame' });
  console.log(`poster frame on the card after the restart: ${poster}`);
  await shoot(again, 'restarted-dark');
  const replay = await openDetailAndPlay(again, id);
  assert.ok(Math.abs(replay.duration - 4) <= 0.2, `duration after the restart ${replay.duration} s`);
  await shoot(again, 'detail-dark');
  await again.click(await again.find(byTestId('detail-close')));
  assert.equal(await app.close(), true, 'the app quit when its window closed');

  // The key never reached a file: not the store, logs, caches, nor the test logs.
  for (const file of [...filesBelow(profile.home), logFile]) {
    assert.equal(readFileSync(file).includes(KEY), false, `the key is written in ${file}`);
  }
});
