// A small W3C WebDriver client (the protocol is plain HTTP + JSON), enough to drive the real
// app through tauri-driver + WebKitWebDriver without pulling in a browser-automation stack.
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, openSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts tauri-driver on free ports and waits until the WebDriver behind it says it is ready.
 * It runs in its own process group, so stop() also ends the WebKitWebDriver and the app it
 * launched; its output goes to `log` (a file path) rather than ours, so nothing it leaves
 * behind can hold the test open.
 *
 * A driver that is not ready within 15 s is stopped and started again on other ports (three
 * tries): tauri-driver does not exit when it cannot listen on its port, it waits for a signal,
 * and a port found free a moment earlier can be taken by then on a busy machine.
 */
export async function startDriver({ driver = 'tauri-driver', env = process.env, log } = {}) {
  const failures = [];
  for (let attempt = 1; attempt <= 3; attempt++) {
    const started = await tryStartDriver(driver, env, log);
    if (started.url) return started;
    failures.push(started.failure);
    if (log) appendFileSync(log, `startDriver: try ${attempt} failed: ${started.failure}\n`);
  }
  throw new Error(`tauri-driver did not start, three tries: ${failures.join('; ')}`);
}

async function tryStartDriver(driver, env, log) {
  const port = await freePort();
  let nativePort = await freePort();
  while (nativePort === port) nativePort = await freePort();
  const output = log ? openSync(log, 'a') : 'ignore';
  const child = spawn(driver, ['--port', String(port), '--native-port', String(nativePort)], {
    env,
    detached: true,
    stdio: ['ignore', output, output],
  });
  const stop = () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15000;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return { failure: `tauri-driver exited with ${child.exitCode}` };
    try {
      const response = await fetch(`${url}/status`, { signal: AbortSignal.timeout(2000) });
      const status = await response.json();
      if (status.value?.ready) return { url, stop, pid: child.pid };
      last = `status ${response.status}: ${JSON.stringify(status)}`;
    } catch (error) {
      last = String(error.cause ?? error);
    }
    await sleep(100);
  }
  stop();
  return { failure: `ports ${port}/${nativePort}, not ready within 15 s (last: ${last})` };
}

async function request(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = await response.json();
  if (!response.ok || payload.value?.error) {
    const { error, message } = payload.value ?? {};
    throw new Error(`WebDriver ${method} ${url}: ${error ?? response.status}: ${message ?? ''}`);
  }
  return payload.value;
}

export class Session {
  static async start(driverUrl, application) {
    const value = await request('POST', `${driverUrl}/session`, {
      capabilities: { alwaysMatch: { browserName: 'wry', 'tauri:options': { application } } },
    });
    return new Session(`${driverUrl}/session/${value.sessionId}`);
  }

  constructor(base) {
    this.base = base;
  }

  async find(css) {
    const value = await request('POST', `${this.base}/element`, { using: 'css selector', value: css });
    return value[ELEMENT];
  }

  async findAll(css) {
    const value = await request('POST', `${this.base}/elements`, { using: 'css selector', value: css });
    return value.map((element) => element[ELEMENT]);
  }

  /** Waits until `css` matches a displayed element; returns it. */
  async waitForVisible(css, timeoutMs = 15000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        const element = await this.find(css);
        if (await this.displayed(element)) return element;
      } catch {
        // not there yet
      }
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${css} to be shown`);
  }

  /**
   * Runs `script` (a function body, like execute) until it returns something truthy; returns
   * that. `what` names what is awaited in the error on timeout.
   */
  async waitFor(script, { args = [], timeoutMs = 15000, intervalMs = 100, what = script } = {}) {
    const deadline = Date.now() + timeoutMs;
    let last;
    while (Date.now() < deadline) {
      last = await this.execute(script, args);
      if (last) return last;
      await sleep(intervalMs);
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what} (last: ${JSON.stringify(last)})`);
  }

  async displayed(element) {
    return request('GET', `${this.base}/element/${element}/displayed`);
  }

  async attribute(element, name) {
    return request('GET', `${this.base}/element/${element}/attribute/${encodeURIComponent(name)}`);
  }

  /** Waits until `css` matches an element whose text satisfies `accept`; returns that text. */
  async waitForText(css, accept = (text) => text.length > 0, timeoutMs = 15000) {
    const deadline = Date.now() + timeoutMs;
    let last = '(no element)';
    while (Date.now() < deadline) {
      try {
        last = await this.text(await this.find(css));
        if (accept(last)) return last;
      } catch {
        // not there yet
      }
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${css}; last text: ${last}`);
  }

  async text(element) {
    return request('GET', `${this.base}/element/${element}/text`);
  }

  async type(element, text) {
    return request('POST', `${this.base}/element/${element}/value`, { text });
  }

  async click(element) {
    return request('POST', `${this.base}/element/${element}/click`, {});
  }

  /**
   * Clicks the element `css` names once it has stopped moving: the same place on screen in
   * three reads 100 ms apart. A button whose panel is still settling (an estimate or a reason
   * appearing beside it) would otherwise be clicked where it was, which WebKit refuses.
   */
  async clickSteady(css, timeoutMs = 10000) {
    const place = `const r = document.querySelector(arguments[0])?.getBoundingClientRect();
      return r ? [r.x, r.y, r.width, r.height].map(Math.round).join(',') : null;`;
    const deadline = Date.now() + timeoutMs;
    let last = null;
    let same = 0;
    while (Date.now() < deadline && same < 2) {
      const now = await this.execute(place, [css]);
      same = now !== null && now === last ? same + 1 : 0;
      last = now;
      await sleep(100);
    }
    return this.click(await this.find(css));
  }

  async clear(element) {
    return request('POST', `${this.base}/element/${element}/clear`, {});
  }

  async execute(script, args = []) {
    return request('POST', `${this.base}/execute/sync`, { script, args });
  }

  async title() {
    return request('GET', `${this.base}/title`);
  }

  async end() {
    await request('DELETE', this.base).catch(() => {});
  }
}

/**
 * Saves what is on the X display as a PNG, once the page has really been painted, and returns
 * how many distinct colours the picture has. WebKitWebDriver's own screenshot can return a
 * stale snapshot, and a window can be mapped before its first paint, so this waits for two
 * animation frames and retries until the screen shows more than a flat window.
 */
export async function screenshotDisplay(session, path, { minColours = 100, timeoutMs = 10000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let colours = 0;
  while (Date.now() < deadline) {
    await session.execute(
      'return new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done(true))));',
    );
    await sleep(150);
    execFileSync('/usr/bin/import', ['-window', 'root', path]);
    colours = Number(execFileSync('/usr/bin/identify', ['-format', '%k', path]).toString());
    if (colours >= minColours) return colours;
  }
  throw new Error(`the window still looks blank after ${timeoutMs} ms (${colours} colours in ${path})`);
}

// Processes, read from /proc (Linux): to find the app that WebKitWebDriver started, its web
// content process, and their memory.

/** { pid, ppid, comm } of every process now running. */
function processes() {
  const list = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      list.push({ pid: Number(name), ppid, comm });
    } catch {
      // gone meanwhile
    }
  }
  return list;
}

/** Every process below `pid`, with its executable path when readable. */
export function descendants(pid) {
  const all = processes();
  const found = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift();
    for (const p of all) {
      if (p.ppid !== parent) continue;
      let exe = null;
      try {
        exe = readlinkSync(`/proc/${p.pid}/exe`);
      } catch {
        // not ours to read, or gone
      }
      found.push({ ...p, exe });
      queue.push(p.pid);
    }
  }
  return found;
}

/** Whether a process is still running (a zombie counts as gone). */
export function alive(pid) {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** Resident memory of a process in MiB (VmRSS), or null when it is gone. */
export function rssMiB(pid) {
  try {
    const kib = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
    return kib / 1024;
  } catch {
    return null;
  }
}
