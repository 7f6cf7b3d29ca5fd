// The real app: the built sora-desk binary in a real window (run under Xvfb with its own D-Bus
// session), driven through tauri-driver and WebKitWebDriver. A fresh profile on a computer
// without a key opens on the welcome screen; the page runs under the app's CSP with a frozen
// prototype, in the system's light or dark theme.
//
// Needs SORA_DESK_BIN (absolute path of the binary) and SCREENSHOT_DIR; scripts/test-all sets both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import { byTestId, forgetKeys, launch, newProfile, shoot, shown, textOf } from './harness.mjs';
import { words } from '../support/words.mjs';

const bodyBackground = 'return getComputedStyle(document.body).backgroundColor;';
/** A process's environment, as `NAME=value` lines. */
const environmentOf = (pid) => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');

test('a fresh profile opens on the welcome screen, with the shell and the backend behind it', async (t) => {
  forgetKeys();
  const profile = newProfile('shell');
  const app = await launch(profile);
  t.after(() => app.close());
  const { session } = app;
  assert.equal(await session.title(), 'Sora Desk');
  await session.waitForVisible(byTestId('first-run'));
  assert.equal(await session.text(await session.find('#first-run-title')), words('welcomeTitle'));
  assert.equal(await session.execute('return document.activeElement.dataset.testid;'), 'api-key-input', 'ready to paste a key');
  // What is behind the welcome screen answered from the backend, but cannot be reached.
  assert.match(await textOf(session, 'app-version'), new RegExp(`^${words('version', { version: String.raw`\d+\.\d+\.\d+` })}$`));
  assert.equal(await textOf(session, 'app-info'), words('libraryWhere', { dir: profile.libraryDir }));
  assert.equal(await textOf(session, 'library-dir'), words('libraryWhere', { dir: profile.libraryDir }));
  await session.waitFor(`return !document.querySelector('[data-testid="gallery-empty"]').hidden;`, { what: 'the empty gallery' });
  assert.equal(await shown(session, 'balance'), false, 'no balance without a key');
  assert.equal(await session.execute('return document.querySelector("main").inert && document.querySelector("header").inert;'), true);
  assert.equal(await session.execute(bodyBackground), 'rgb(245, 246, 250)');
  await shoot(session, 'shell-light');

  await t.test('an empty key is refused in plain words', async () => {
    await session.click(await session.find(byTestId('api-key-save')));
    assert.equal(await session.waitForText(byTestId('key-error')), words('keyEmpty'));
  });

  await t.test('the panels fit their width: nothing scrolls sideways', async () => {
    const overflow = await session.execute(`
      return ['.compose', '[data-testid="gallery"]', '.first-run-card'].map((css) => {
        const el = document.querySelector(css);
        return { css, scrollWidth: el.scrollWidth, clientWidth: el.clientWidth };
      }).filter((p) => p.scrollWidth > p.clientWidth);`);
    assert.deepEqual(overflow, []);
  });

  await t.test('without a GPU, the page is painted on the CPU rather than through emulated OpenGL', async () => {
    // The same reading of the machine as src-tauri/painting.rs; a value set beforehand is kept.
    const renderNode = existsSync('/dev/dri') && readdirSync('/dev/dri').some((name) => name.startsWith('renderD'));
    const gpu = (renderNode || existsSync('/dev/nvidiactl')) && !/^(1|true|y|yes)$/i.test(process.env.LIBGL_ALWAYS_SOFTWARE ?? '');
    const switches = ['WEBKIT_DISABLE_COMPOSITING_MODE', 'WEBKIT_SKIA_ENABLE_CPU_RENDERING'];
    const web = app.webProcess();
    const environment = environmentOf(web).filter((v) => v.startsWith('WEBKIT_'));
    for (const name of switches) {
      const preset = process.env[name];
      const expected = preset !== undefined ? `${name}=${preset}` : gpu ? undefined : `${name}=1`;
      assert.equal(environment.find((v) => v.startsWith(`${name}=`)), expected, environment.join(' '));
    }
    // What WebKit made of it: without a GPU, none of the web process's threads draws with
    // Mesa's emulated GPU (llvmpipe) or paints for it (Skia's GPU worker).
    if (!gpu && switches.every((name) => process.env[name] === undefined)) {
      const threads = readdirSync(`/proc/${web}/task`).map((id) => readFileSync(`/proc/${web}/task/${id}/comm`, 'utf8').trim());
      assert.deepEqual(threads.filter((name) => name.startsWith('llvmpipe') || name === 'SkiaGPUWorker'), [], threads.join(', '));
    }
  });

  await t.test("WebKit's processes are told to hand freed memory back to the system", async () => {
    // src-tauri/allocation.rs: glibc's two switches for every WebKit process, unless set beforehand.
    const expected = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' };
    for (const pid of [app.webProcess(), app.networkProcess()]) {
      const environment = environmentOf(pid);
      for (const [name, value] of Object.entries(expected)) {
        assert.equal(environment.find((v) => v.startsWith(`${name}=`)), `${name}=${process.env[name] ?? value}`, `process ${pid}`);
      }
    }
  });

  await t.test('the page runs under the app CSP with a frozen prototype', async () => {
    assert.equal(await session.execute('return Object.isFrozen(Object.prototype);'), true);
    // The CSP only lets the page talk to IPC, and show pictures and videos from the app's own
    // media server. Another server on this very computer, which the page could otherwise
    // reach, sees no request, and the page sees the policy say no.
    let hits = 0;
    const server = createServer((request, response) => {
      hits += 1;
      response.setHeader('Access-Control-Allow-Origin', '*');
      response.end('reached');
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${server.address().port}/`;
    const outcome = await session.execute(`
      const violations = [];
      document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective));
      const picture = new Promise((done) => {
        const img = new Image();
        img.onload = () => done('shown');
        img.onerror = () => done('blocked');
        img.src = arguments[0] + 'still.jpg';
      });
      const video = new Promise((done) => {
        const player = document.createElement('video');
        player.onloadedmetadata = () => done('played');
        player.onerror = () => done('blocked');
        player.src = arguments[0] + 'video.mp4';
      });
      return Promise.all([
        fetch(arguments[0]).then((r) => r.text(), (e) => 'blocked: ' + e.name),
        picture,
        video,
      ]).then(([result, picture, video]) =>
        new Promise((done) => setTimeout(() => done({ result, picture, video, violations }), 200)));`, [url])
      .finally(() => server.close());
    assert.match(String(outcome.result), /^blocked/, JSON.stringify(outcome));
    assert.equal(outcome.picture, 'blocked', JSON.stringify(outcome));
    assert.equal(outcome.video, 'blocked', JSON.stringify(outcome));
    for (const directive of ['connect-src', 'img-src', 'media-src']) {
      assert.ok(outcome.violations.some((d) => d.startsWith(directive)), `${directive}: ${JSON.stringify(outcome)}`);
    }
    assert.equal(hits, 0, 'the local server was never reached');
  });
});

test('the window follows a dark system theme', async (t) => {
  forgetKeys();
  const app = await launch(newProfile('shell-dark'), { env: { GTK_THEME: 'Adwaita:dark' } });
  t.after(() => app.close());
  await app.session.waitForVisible(byTestId('first-run'));
  await app.session.waitFor(`return !document.querySelector('[data-testid="app-version"]').hidden;`, { what: 'the version' });
  assert.equal(await app.session.execute(bodyBackground), 'rgb(17, 18, 25)');
  await shoot(app.session, 'shell-dark');
});
