// Closing the window while a paid video is being made, in the real app against the fake EvoLink
// server. The window is closed the way a window manager's close button closes it, the page asks,
// and then either the app keeps working in the background (the window hides, a tray icon counts
// the videos, the video is saved and a notification says so, the tray opens the window again) or
// a second close quits, and the video is saved at the next start.
//
// A headless session has no window manager, notification server or tray: tests/app/desktop.py
// stands in for them on the test's own X display and D-Bus session (docs in that file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  byTestId, cardState, connectKey, firstCard, forgetKeys, launch, newProfile, repo, shoot, startMock, until,
} from './harness.mjs';
import { alive } from '../support/webdriver.mjs';
import { words } from '../support/words.mjs';

const KEY = 'sk-app-distinctive-b4c2e97a10d65f83';
const PROMPT = 'A lighthouse keeper climbing the stairs at night, lantern swinging, storm outside';
const SAMPLE = join(repo, 'crates/evolink-mock/assets/landscape.mp4');
// Queued for 15 s and generating for 160 s of the fake server's time, ten times faster: the
// video is still being made for about 16 s after the card shows "generating", several times
// what closing and answering take on a busy machine.
const SLOW = ['--time-scale', '10', '--pending-secs', '15', '--generation-secs', '160'];
// Debian's python3, which has the D-Bus, GObject and X11 modules (a python3 earlier on PATH may not).
const PYTHON = '/usr/bin/python3';
const DESKTOP = join(repo, 'tests/app/desktop.py');

function desktop(...args) {
  return JSON.parse(execFileSync(PYTHON, [DESKTOP, ...args], { encoding: 'utf8' }));
}

/** The notification server and tray host, writing what they receive to `log` (JSON lines). */
async function startDesktopServices(log) {
  const child = spawn(PYTHON, [DESKTOP, 'services', log], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('desktop.py services did not start within 10 s')), 10000);
    child.once('exit', (code) => reject(new Error(`desktop.py services exited with ${code}`)));
    child.stdout.once('data', (chunk) => {
      clearTimeout(timer);
      if (String(chunk).startsWith('ready')) resolve();
      else reject(new Error(`desktop.py services said ${chunk}`));
    });
  });
  return { stop: () => child.kill('SIGKILL') };
}

function received(log, event) {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line)).filter((e) => e.event === event);
}

/** Finished videos in the library folder (no hidden .part downloads). */
const videosIn = (dir) => (existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.mp4') && !n.startsWith('.')) : []);
const sha = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');
const focused = (session) => session.execute('return document.activeElement?.dataset.testid ?? null;');

/** Opens the app on `profile` with the key connected and starts one video; returns its id once it is generating. */
async function generating(t, profile, { env = {} } = {}) {
  const mock = await startMock(['--key', KEY, '--balance', '500', ...SLOW]);
  t.after(() => mock.stop());
  const app = await launch(profile, { mock, env });
  t.after(() => app.close());
  const { session } = app;
  await connectKey(session, KEY, words('balance', { credits: 500 }));
  await session.type(await session.find(byTestId('prompt')), PROMPT);
  await session.waitFor('return !document.querySelector(\'[data-testid="generate"]\').disabled;', { what: 'Generate to be enabled' });
  await session.clickSteady(byTestId('generate'));
  const { id } = await firstCard(session);
  await cardState(session, id, (s) => s === 'generating', { timeoutMs: 20000, what: 'the card to show generating' });
  return { app, mock, id };
}

/** Closes the window as a window manager would, and waits for the page's question. */
async function closeAndWaitForQuestion(app) {
  desktop('close', app.pid);
  await app.session.waitForVisible(byTestId('close-dialog'), 10000);
}

test('closing while a video is made: keep working in the background, the video is saved, a notification, the tray opens the window', { timeout: 90000 }, async (t) => {
  forgetKeys();
  t.after(() => forgetKeys());
  const profile = newProfile('background');
  const desktopLog = join(profile.home, 'desktop.jsonl');
  const services = await startDesktopServices(desktopLog);
  t.after(() => services.stop());
  const { app, id } = await generating(t, profile);
  const { session } = app;

  // The close button: the window stays and the page asks, the safe answer first.
  await closeAndWaitForQuestion(app);
  assert.equal(await session.execute('return document.getElementById("close-title").textContent;'), words('closeTitle', { active: 1 }));
  assert.equal(await focused(session), 'close-background', 'keeping on is the default');
  assert.equal(desktop('window', app.pid).viewable, true, 'the window stays open while asking');
  await shoot(session, 'close-dialog-light');

  // Keep working in the background: the window hides, the app lives on, a tray icon counts.
  await session.click(await session.find(byTestId('close-background')));
  await until(() => !desktop('window', app.pid).viewable, 'the window to hide');
  assert.equal(alive(app.pid), true, 'the app is still running');
  const tray = await until(() => {
    const now = desktop('tray');
    return now.present && now;
  }, 'the tray icon');
  assert.deepEqual(tray.items.map((i) => [i.label, i.enabled]), [
    [words('tray.status', { count: 1 }), false], [words('tray.open'), true], [words('tray.quit'), true],
  ]);

  // The video is made and saved with no window: the very bytes EvoLink served.
  const [video] = await until(() => videosIn(profile.libraryDir).length > 0 && videosIn(profile.libraryDir), 'the video in the library folder', 40000);
  assert.equal(sha(join(profile.libraryDir, video)), sha(SAMPLE), 'the saved video is the one served');
  assert.equal(desktop('window', app.pid).viewable, false, 'saved while the window was hidden');
  const [note] = await until(() => received(desktopLog, 'notify').length > 0 && received(desktopLog, 'notify'), 'a notification', 10000);
  console.log(`notification: ${JSON.stringify(note)}`);
  assert.equal(note.summary, words('notify.video_ready'));
  assert.equal(note.body, PROMPT.slice(0, 80) + (PROMPT.length > 80 ? '…' : ''));
  await until(() => desktop('tray').items?.[0]?.label === words('tray.status', { count: 0 }), 'the tray to say nothing is in progress', 10000);

  // "Open Sora Desk" in the tray menu: the window is back, the page shows the saved video, and
  // the icon goes (it stands for working without a window).
  desktop('tray-click', words('tray.open'));
  await until(() => desktop('window', app.pid).viewable, 'the window to show again');
  assert.equal(await cardState(session, id, (s) => s === 'done', { timeoutMs: 5000 }), 'done');
  await session.waitFor('return document.visibilityState === "visible";', { what: 'the page to be visible' });
  await until(() => !desktop('tray').present, 'the tray icon to go');
  assert.equal(alive(app.pid), true);
  await shoot(session, 'back-from-background-light');

  // Nothing in progress any more: closing quits at once, without a question.
  desktop('close', app.pid);
  await until(() => !alive(app.pid), 'the app to quit', 10000);
});

test('Escape keeps the window and the next close asks again; Quit quits, and the video is saved at the next start', { timeout: 90000 }, async (t) => {
  forgetKeys();
  t.after(() => forgetKeys());
  const profile = newProfile('quit-while-making');
  const dark = { GTK_THEME: 'Adwaita:dark' };
  const { app, mock, id } = await generating(t, profile, { env: dark });
  const { session } = app;
  await closeAndWaitForQuestion(app);
  await shoot(session, 'close-dialog-dark');

  // Escape: the window stays, and the app is asked again on the next close (not quit at once).
  // A real key press (WebDriver's Escape key): a scripted event would not cancel a dialog.
  await session.type(await session.find(byTestId('close-background')), '\uE00C');
  await session.waitFor('return !document.querySelector(\'[data-testid="close-dialog"]\').open;', { what: 'the question to close' });
  await sleep(500);
  assert.equal(alive(app.pid), true);
  assert.equal(desktop('window', app.pid).viewable, true);
  await closeAndWaitForQuestion(app);

  // Quit: the app quits before the video is ready... The click's own answer can be lost with the
  // window it was made in (WebKitWebDriver then says "unknown error"), so what counts is that the
  // app quits; should it not, the click's error, if any, is the one to report.
  const click = session.click(await session.find(byTestId('close-quit'))).then(() => null, (error) => error);
  await until(() => !alive(app.pid), 'the app to quit', 15000).catch(async (timeout) => {
    throw (await click) ?? timeout;
  });
  assert.deepEqual(videosIn(profile.libraryDir), [], 'quit before the video was ready');

  // ...and, opened again, takes the task up where it was and saves the video.
  const again = await launch(profile, { mock, env: dark });
  t.after(() => again.close());
  assert.equal((await firstCard(again.session)).id, id, 'the same task, not a new one');
  await cardState(again.session, id, (s) => s === 'done', { timeoutMs: 30000, what: 'the video to be saved after the restart' });
  const [video] = videosIn(profile.libraryDir);
  assert.ok(video, 'the video is in the library folder');
  assert.equal(sha(join(profile.libraryDir, video)), sha(SAMPLE));
});

test('a page that does not answer cannot keep the window open: a second close quits', { timeout: 60000 }, async (t) => {
  forgetKeys();
  t.after(() => forgetKeys());
  const profile = newProfile('unanswered');
  const { app } = await generating(t, profile);
  // The page stops listening, as a blank or hung page would not answer either.
  await app.session.execute('document.querySelector(\'[data-testid="close-dialog"]\').remove(); return true;');
  desktop('close', app.pid);
  await sleep(1500);
  assert.equal(alive(app.pid), true, 'the first close waits for an answer');
  assert.equal(desktop('window', app.pid).viewable, true);
  desktop('close', app.pid);
  await until(() => !alive(app.pid), 'the app to quit', 15000);
});
