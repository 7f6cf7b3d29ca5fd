// What the real-app tests share: a throwaway profile, the fake EvoLink server as a process,
// launching the built app through tauri-driver with that profile, closing it for good, the
// keychain entry, and pictures to drop. Not a test file itself (no `.test.` in the name).
//
// Needs SORA_DESK_BIN (absolute path of the built sora-desk) and SCREENSHOT_DIR; the fake
// server is the evolink-mock binary beside it (or EVOLINK_MOCK_BIN). scripts/test-all builds
// both and runs these tests inside `with_desktop` (Xvfb, a private D-Bus session, an unlocked
// gnome-keyring).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

import { spawnFakeEvoLink } from '../support/fake-evolink.mjs';
import { assertDrawn, regionsOnShow } from '../support/regions.mjs';
import { clippedText } from '../support/layout.mjs';
import { Session, alive, descendants, screenshotDisplay, startDriver } from '../support/webdriver.mjs';
import { inLanguage, testLanguage } from '../support/words.mjs';

export const repo = fileURLToPath(new URL('../../', import.meta.url));
export const binary = process.env.SORA_DESK_BIN;
export const shots = process.env.SCREENSHOT_DIR;
assert.ok(binary, 'SORA_DESK_BIN must point at the built sora-desk binary');
assert.ok(shots, 'SCREENSHOT_DIR must be set');
mkdirSync(shots, { recursive: true });
export const mockBinary = process.env.EVOLINK_MOCK_BIN ?? join(dirname(binary), 'evolink-mock');
/** Where tauri-driver, WebKitWebDriver and the fake servers write (beside the screenshots). */
export const logFile = join(shots, '..', `${inLanguage('app-tests')}.log`);

export const byTestId = (id) => `[data-testid="${id}"]`;

/** The happy life of a task, in order (docs/IPC.md). */
export const LIFECYCLE = ['preparing', 'waiting', 'uploading', 'submitting', 'queued', 'generating', 'downloading', 'done'];

const profiles = [];
// Profiles go when the test file ends (KEEP_APP_PROFILES=1 keeps them, to look into a failure).
// When a test failed, the end of each launch's own log is printed first: CI keeps nothing else
// of what the app did.
process.on('exit', (code) => {
  if (code !== 0) {
    for (const home of profiles) {
      const lines = appLog({ home }).trimEnd().split('\n').slice(-40);
      if (lines[0]) process.stderr.write(`--- the app's log in ${home}, its last ${lines.length} lines:\n${lines.join('\n')}\n`);
    }
  }
  if (process.env.KEEP_APP_PROFILES) return;
  for (const home of profiles) rmSync(home, { recursive: true, force: true });
});

/** What the app wrote to its log with `profile` (lib.rs log_plugin), empty before it has. */
export function appLog(profile) {
  const path = join(profile.home, '.local', 'share', 'app.soradesk.desktop', 'logs', 'sora-desk.log');
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

/** A fresh HOME with the app's data and library folders inside it. */
export function newProfile(name = 'profile') {
  const home = mkdtempSync(join(tmpdir(), `sora-desk-e2e-${name}-`));
  profiles.push(home);
  return { home, dataDir: join(home, 'data'), libraryDir: join(home, 'Videos', 'Sora Desk') };
}

/**
 * Starts the fake EvoLink server (evolink-mock) on a free port. `args` are its flags
 * (crates/evolink-mock/README.md). Returns { url, stop }.
 */
export async function startMock(args = []) {
  assert.ok(existsSync(mockBinary), `the fake EvoLink server is not built: ${mockBinary}`);
  const mock = await spawnFakeEvoLink(mockBinary, args, logFile);
  assert.match(mock.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  return mock;
}

/**
 * Opens the app with `profile`'s folders, pointed at `mock` (if any). `env` adds to (or, with
 * undefined values, removes from) the app's environment. Returns the session, the app's
 * process id, when it was started, and close().
 */
export async function launch(profile, { mock = null, env = {} } = {}) {
  const appEnv = {
    ...process.env,
    HOME: profile.home,
    // The app's log (and anything else of the OS's data folder) in the profile, apart from
    // other launches, so a failing test can show what the app did: appLog(profile).
    XDG_DATA_HOME: join(profile.home, '.local', 'share'),
    SORA_DESK_DATA_DIR: profile.dataDir,
    SORA_DESK_LIBRARY_DIR: profile.libraryDir,
    SORA_DESK_POLL_MS: '300',
    // The system's language as the app sees it (SORA_DESK_TEST_LANG: the run's language).
    SORA_DESK_LANG: testLanguage,
  };
  // A key from the environment would skip the first-run screen and the keychain.
  delete appEnv.EVOLINK_API_KEY;
  if (mock) Object.assign(appEnv, { SORA_DESK_API_BASE: mock.url, SORA_DESK_FILES_BASE: mock.url });
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete appEnv[name];
    else appEnv[name] = value;
  }
  const driver = await startDriver({ driver: process.env.TAURI_DRIVER ?? 'tauri-driver', log: logFile, env: appEnv });
  const requestedAt = Date.now();
  let session;
  try {
    session = await Session.start(driver.url, binary);
  } catch (error) {
    driver.stop();
    throw error;
  }
  const sessionAt = Date.now();
  const app = descendants(driver.pid).find((p) => p.exe === binary || p.comm === 'sora-desk');
  assert.ok(app, 'the app process was not found below tauri-driver');
  let closed = false;
  return {
    session,
    pid: app.pid,
    requestedAt,
    sessionAt,
    /** When the kernel started the app process (ms since the epoch, 10 ms resolution). */
    startedAt: processStartedAt(app.pid),
    /** The webview's web content process (WebKitWebProcess), a child of the app. */
    webProcess: () => descendants(app.pid).find((p) => p.comm.startsWith('WebKitWebProces'))?.pid ?? null,
    /** WebKit's network process (WebKitNetworkProcess), a child of the app. */
    networkProcess: () => descendants(app.pid).find((p) => p.comm.startsWith('WebKitNetworkP'))?.pid ?? null,
    /**
     * Ends the session (WebKitWebDriver closes the window, so the app quits as a person
     * closing it would), then makes sure the app is gone. Returns whether it quit by itself.
     */
    async close() {
      if (closed) return true;
      closed = true;
      await session.end();
      const deadline = Date.now() + 15000;
      while (alive(app.pid) && Date.now() < deadline) await sleep(50);
      const quit = !alive(app.pid);
      driver.stop();
      if (!quit) {
        try {
          process.kill(app.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      for (let i = 0; i < 100 && alive(app.pid); i++) await sleep(50);
      assert.equal(alive(app.pid), false, `the app (pid ${app.pid}) is still running`);
      return quit;
    },
  };
}

/** The start time of a process as ms since the epoch, from /proc (clock ticks since boot). */
function processStartedAt(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  const hz = Number(execFileSync('getconf', ['CLK_TCK']).toString()) || 100;
  const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  const bootAt = Date.now() - uptime * 1000;
  return bootAt + (ticks / hz) * 1000;
}

// The keychain: the app keeps the key in the Secret Service of the session, which every test
// file of a run shares, so tests that start from "no key" remove what an earlier one saved.

/** Keychain services of the app (debug builds use their own). */
const KEY_SERVICES = ['app.soradesk.desktop.dev', 'app.soradesk.desktop'];

// gnome-keyring now and then refuses a call with the D-Bus code for an unknown method ("Method
// SearchItems is not implemented", once in a whole CI run, under load): its handler gives up
// when it has no store session for the caller, and GDBus answers for it. Only that refusal is
// asked again, up to four times 200 ms apart; one that lasts still fails the test.
const KEYRING_HICCUP = 'org.freedesktop.DBus.Error.UnknownMethod';

function secretCall(path, method, ...args) {
  const call = () => execFileSync('gdbus', ['call', '--session', '--dest', 'org.freedesktop.secrets',
    '--object-path', path, '--method', method, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  for (let attempt = 1; ; attempt++) {
    try {
      return call();
    } catch (error) {
      if (attempt === 5 || !String(error.stderr).includes(KEYRING_HICCUP)) throw error;
      console.error(`# gnome-keyring refused ${method} (attempt ${attempt}): ${String(error.stderr).trim()}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
}

/** Object paths of the app's keychain items. */
export function storedKeys() {
  const items = [];
  for (const service of KEY_SERVICES) {
    const answer = secretCall('/org/freedesktop/secrets', 'org.freedesktop.Secret.Service.SearchItems', `{'service': '${service}'}`);
    items.push(...[...answer.matchAll(/'(\/org\/freedesktop\/secrets\/collection\/[^']+)'/g)].map((m) => m[1]));
  }
  return items;
}

/** Removes the app's key from the keychain, as if this computer never had one. */
export function forgetKeys() {
  for (const item of storedKeys()) secretCall(item, 'org.freedesktop.Secret.Item.Delete');
  assert.deepEqual(storedKeys(), [], 'the keychain still holds a key of the app');
}

// Pictures

/** A 1600x1200 photo-like JPEG (ImageMagick's plasma, seeded) in `dir`; returns its path. */
export function makePicture(dir, name = 'holiday.jpg', size = '1600x1200') {
  const path = join(dir, name);
  execFileSync('/usr/bin/convert', ['-seed', '7', '-size', size, 'plasma:fractal', '-blur', '0x2', '-quality', '88', path]);
  return path;
}

/** Drops files on the window as development builds allow (docs/IPC.md, "How tests add a picture"). */
export async function dropFiles(session, paths) {
  const outcome = await session.execute(
    `return window.__TAURI__.event.emit('test-drop', { paths: arguments[0] })
       .then(() => 'emitted', (e) => 'refused: ' + e);`,
    [paths],
  );
  assert.equal(outcome, 'emitted');
}

// Page helpers

/** Text of an element, read from the DOM (also when an overlay covers it). */
export function textOf(session, testid) {
  return session.execute(`const el = document.querySelector('[data-testid="${testid}"]'); return el ? el.textContent : null;`);
}

/** Whether an element is shown: present, not `hidden`, and (a dialog) open. */
export function shown(session, testid) {
  return session.execute(`const el = document.querySelector('[data-testid="${testid}"]');
    return Boolean(el && !el.closest('[hidden]') && !(el.tagName === 'DIALOG' && !el.open));`);
}

/**
 * Saves a screenshot of the display as `app-<moment>.png` (`app-<moment>-zh-CN.png` in a Chinese
 * run) and returns its path, after checking region by region that the window was drawn
 * (tests/support/regions.mjs) and that the words on show fit (tests/support/layout.mjs).
 */
export async function shoot(session, moment) {
  const path = join(shots, `app-${inLanguage(moment)}.png`);
  await screenshotDisplay(session, path);
  assertDrawn(path, await session.execute(`return (${regionsOnShow})(true);`), moment);
  assert.deepEqual(await session.execute(`return (${clippedText})();`), [], `${moment}: words that do not fit`);
  return path;
}

/** Polls `probe` until it returns something truthy (every 100 ms, at most `timeoutMs`). */
export async function until(probe, what, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await probe();
    if (last) return last;
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/** From the welcome screen into demo mode, which needs no key; returns once the welcome has gone. */
export async function enterDemo(session) {
  await session.waitForVisible(byTestId('first-run'));
  await session.click(await session.find(byTestId('demo-start')));
  await session.waitFor(`return document.querySelector('[data-testid="first-run"]').hidden ? true : null;`,
    { what: 'the welcome screen to go away' });
}

/** Connects `key` on the first-run screen and waits until the header shows the balance. */
export async function connectKey(session, key, balanceText) {
  await session.waitForVisible(byTestId('first-run'));
  await session.type(await session.find(byTestId('api-key-input')), key);
  await session.click(await session.find(byTestId('api-key-save')));
  const balance = await session.waitForText(byTestId('balance'), (text) => text === balanceText);
  await session.waitFor(`return document.querySelector('[data-testid="first-run"]').hidden;`, { what: 'the first-run screen to close' });
  return balance;
}

/**
 * Records every data-state a task card takes, from the page itself (the grid redraws cards
 * in animation frames, faster than WebDriver polls). Read with `statesSeen`.
 */
export async function watchCardStates(session) {
  await session.execute(`
    window.__statesSeen = {};
    const note = (card) => {
      const { taskId, state } = card.dataset;
      if (!taskId || !state) return;
      const seen = (window.__statesSeen[taskId] ??= []);
      if (seen[seen.length - 1] !== state) seen.push(state);
    };
    const grid = document.querySelector('.gallery-grid');
    new MutationObserver(() => grid.querySelectorAll('[data-testid="task-card"]').forEach(note))
      .observe(grid, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state', 'data-task-id'] });
    return true;`);
}

export function statesSeen(session, id) {
  return session.execute('return (window.__statesSeen ?? {})[arguments[0]] ?? [];', [id]);
}

/** Waits for the first task card and returns { id, state }. */
export function firstCard(session, timeoutMs = 15000) {
  return session.waitFor(`
    const card = document.querySelector('[data-testid="task-card"][data-task-id]');
    return card ? { id: card.dataset.taskId, state: card.dataset.state } : null;`, { timeoutMs, what: 'a task card' });
}

/**
 * Waits until the card of task `id` is in a state `accept` takes (checked every 100 ms);
 * returns that state. On timeout the error names the states the card went through.
 */
export async function cardState(session, id, accept, { timeoutMs = 60000, what = 'the card state' } = {}) {
  try {
    return await session.waitFor(`
      const card = document.querySelector('[data-testid="task-card"][data-task-id="' + arguments[0] + '"]');
      const state = card?.dataset.state;
      return state && (${accept.toString()})(state) ? state : null;`, { args: [id], timeoutMs, what });
  } catch (error) {
    const seen = await statesSeen(session, id).catch(() => []);
    const now = await session.execute(`return document.querySelector('[data-testid="task-card"][data-task-id="' + arguments[0] + '"]')?.dataset.state ?? null;`, [id]);
    const shot = await shoot(session, `stuck-${id}`).catch(() => 'no screenshot');
    error.message += `; the card shows ${now} (states seen: ${seen.join(' → ') || 'not watched'}; ${shot})`;
    throw error;
  }
}

/** Every file below `dir` (for the no-key-in-files check), skipping what cannot be read. */
export function filesBelow(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...filesBelow(path));
    else if (entry.isFile() && statSync(path).size < 64 * 1024 * 1024) found.push(path);
  }
  return found;
}
