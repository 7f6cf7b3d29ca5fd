// The real app: the built sora-desk binary in a real window (run under Xvfb with its own D-Bus
// session), driven through tauri-driver and WebKitWebDriver.
//
// Needs SORA_DESK_BIN (absolute path of the binary) and SCREENSHOT_DIR; scripts/test-all sets both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Session, screenshotDisplay, startDriver } from '../support/webdriver.mjs';

const binary = process.env.SORA_DESK_BIN;
const shots = process.env.SCREENSHOT_DIR;
assert.ok(binary, 'SORA_DESK_BIN must point at the built sora-desk binary');
assert.ok(shots, 'SCREENSHOT_DIR must be set');
mkdirSync(shots, { recursive: true });

/** Opens the app with its own temporary folders; `env` adds to the app's environment. */
async function launch(env = {}) {
  const home = mkdtempSync(join(tmpdir(), 'sora-desk-e2e-'));
  const folders = { dataDir: join(home, 'data'), libraryDir: join(home, 'Videos', 'Sora Desk') };
  const driver = await startDriver({
    driver: process.env.TAURI_DRIVER ?? 'tauri-driver',
    log: join(shots, '..', 'app-tests.log'),
    env: { ...process.env, SORA_DESK_DATA_DIR: folders.dataDir, SORA_DESK_LIBRARY_DIR: folders.libraryDir, ...env },
  });
  try {
    const session = await Session.start(driver.url, binary);
    return { session, ...folders, close: async () => { await session.end(); driver.stop(); } };
  } catch (error) {
    driver.stop();
    throw error;
  }
}

const bodyBackground = 'return getComputedStyle(document.body).backgroundColor;';

test('the window shows the shell and the backend answer', async (t) => {
  const app = await launch();
  t.after(app.close);
  const { session } = app;
  assert.equal(await session.title(), 'Sora Desk');
  const version = await session.waitForText('[data-testid="app-version"]');
  assert.match(version, /^Version \d+\.\d+\.\d+$/);
  const info = await session.waitForText('[data-testid="app-info"]');
  assert.ok(info.includes(app.dataDir), `footer names the data folder: ${info}`);
  const library = await session.waitForText('[data-testid="library-dir"]');
  assert.ok(library.includes(app.libraryDir), `empty gallery names the library: ${library}`);
  assert.match(await session.text(await session.find('[data-testid="gallery"]')), /No videos yet/);
  assert.equal(await session.execute(bodyBackground), 'rgb(245, 246, 250)');
  await screenshotDisplay(session, join(shots, 'app-shell-light.png'));

  await t.test('typing in the real window updates the counter', async () => {
    await session.type(await session.find('[data-testid="prompt"]'), 'A paper boat on a rainy street');
    const counter = await session.waitForText('[data-testid="prompt-counter"]', (text) => text.startsWith('30 '));
    assert.equal(counter, '30 / 5,000');
  });

  await t.test('the page runs under the app CSP with a frozen prototype', async () => {
    assert.equal(await session.execute('return Object.isFrozen(Object.prototype);'), true);
    // The CSP only allows IPC: a remote origin cannot be reached from the page.
    const outcome = await session.execute(
      "return fetch('https://example.com/').then(() => 'reached', (e) => 'blocked: ' + e.name);",
    );
    assert.match(String(outcome), /^blocked/);
  });
});

test('the window follows a dark system theme', async (t) => {
  const app = await launch({ GTK_THEME: 'Adwaita:dark' });
  t.after(app.close);
  await app.session.waitForText('[data-testid="app-version"]');
  assert.equal(await app.session.execute(bodyBackground), 'rgb(17, 18, 25)');
  await screenshotDisplay(app.session, join(shots, 'app-shell-dark.png'));
});
