// The installed app updates itself (layer 6 of scripts/test-all, after the .deb is installed):
// its daily look at start asks the update server on loopback, which offers the newer .deb the
// layer packaged and signed with a test key (that build of the app trusts that key). "Install and
// restart" downloads it, checks the signature, installs it with the system's package manager and
// starts the new version.
//
// Needs SORA_DESK_BIN=/usr/bin/sora-desk, SCREENSHOT_DIR, TAURI_DRIVER, and UPDATE_PORT (the
// port the build was given), UPDATE_DIR (what the server serves: latest.json, written by
// scripts/update-manifest.mjs, and the newer package), UPDATE_VERSION.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createServer } from 'node:http';

import { byTestId, enterDemo, forgetKeys, launch, newProfile, shoot, textOf, until } from '../app/harness.mjs';

const port = Number(process.env.UPDATE_PORT);
const served = process.env.UPDATE_DIR;
const version = process.env.UPDATE_VERSION;
assert.ok(port && served && version, 'UPDATE_PORT, UPDATE_DIR and UPDATE_VERSION must be set');

const installedVersion = () => execFileSync('dpkg-query', ['-W', '-f', '${Version}', 'sora-desk'], { encoding: 'utf8' });
function running() {
  try {
    return execFileSync('pgrep', ['-x', 'sora-desk'], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when none runs
  }
}

test('the installed app finds the newer version, installs it and restarts into it', async (t) => {
  const asked = [];
  const server = createServer((request, response) => {
    asked.push(request.url);
    const file = join(served, basename(decodeURIComponent(request.url)));
    if (request.method === 'GET' && existsSync(file)) {
      response.end(readFileSync(file));
    } else {
      response.statusCode = 404;
      response.end();
    }
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  t.after(() => server.close());

  const before = installedVersion();
  assert.notEqual(before, version);
  forgetKeys();
  const app = await launch(newProfile('update'));
  t.after(async () => {
    await app.close().catch(() => {});
    for (const pid of running()) process.kill(pid, 'SIGTERM');
  });
  const { session } = app;
  // The demo needs no key; the header is then in reach.
  await enterDemo(session);
  await session.waitForVisible(byTestId('update-ready'), 30000);
  assert.equal(await textOf(session, 'update-ready'), `Update to ${version}`);
  assert.deepEqual(asked, ['/latest.json'], 'the daily look at start asked once, and downloaded nothing');
  await session.clickSteady(byTestId('update-ready'));
  await session.waitForVisible(byTestId('update-dialog'));
  assert.equal(await session.text(await session.find('#update-title')), `Sora Desk ${version} is ready`);
  await shoot(session, 'installed-update-offer');

  const first = app.pid;
  await session.clickSteady(byTestId('update-install'));
  await until(() => installedVersion() === version, `the package manager to install ${version}`, 120000);
  assert.ok(asked.some((url) => url.endsWith('.deb')), `the package was downloaded: ${asked}`);
  // The app restarts into the new binary: a new process, not running a deleted file.
  const restarted = await until(() => running().find((pid) => pid !== first), 'the app to restart', 60000);
  await until(() => !running().includes(first), 'the old process to end', 30000);
  assert.equal(readlinkSync(`/proc/${restarted}/exe`), '/usr/bin/sora-desk');
});
