// Launch of Sora Desk against the floor: a bare Tauri app (benches/bare-tauri, one window, one
// static page) launched beside it, alternately, by the same method. Run by
// scripts/bench-launch.sh inside `with_desktop` (Xvfb, a private D-Bus session); not a test.
//
// Each launch: a fresh tauri-driver starts the app through WebKitWebDriver; the app's process
// start is read from /proc/<pid>/stat; WebDriver then polls the page every 10 ms (its commands
// do not wait for the page to load, so the polls run from the first document on) for the
// element that means "painted" (the bare page's text, or Sora Desk's first task card) and, once
// it is there, waits two animation frames, so the frame holding it has been drawn. Times are
// read on the page's own clock (performance.timeOrigin + performance.now()), so the answer's way
// back to this process is not counted. Both apps get the same probe, the same display, the same
// environment (their own fresh HOME each) and one unmeasured first launch.
//
// Where the time goes: the same polls note when Sora Desk's page reaches each step of its start
// (marks below); at the painted moment the CPU time of the app's processes is read from /proc,
// by thread; and one more launch of each app, not counted, runs under strace to time the
// process's own steps (X display, store opened, media server, web processes started).
//
// Environment: SORA_DESK_BIN, BARE_TAURI_BIN, EVOLINK_MOCK_BIN (absolute paths),
// BENCH_DATA_DIR and BENCH_LIBRARY_DIR (a seeded store and its library), BENCH_RUNS (launches
// of each app, default 7), BENCH_LOG (where tauri-driver and the fake server write),
// BENCH_JSON (optional: every figure as JSON), BENCH_TRACE=0 (skip the strace launches).
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { spawnFakeEvoLink } from '../support/fake-evolink.mjs';
import { Session, alive, descendants, rssMiB, startDriver } from '../support/webdriver.mjs';

const TARGET_RATIO = 1.2;
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const POLL_MS = 10;
// The key comes from the environment (no first-run screen, no keychain), as in the app tests.
const KEY = 'sk-bench-launch-0f3a9c51d2e87b64';

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set (scripts/bench-launch.sh sets it)`);
  return value;
}

const ours = required('SORA_DESK_BIN');
const bare = required('BARE_TAURI_BIN');
const mockBin = required('EVOLINK_MOCK_BIN');
const dataDir = required('BENCH_DATA_DIR');
const libraryDir = required('BENCH_LIBRARY_DIR');
const log = required('BENCH_LOG');
const trace = process.env.BENCH_TRACE !== '0';

const median = (values) => {
  const sorted = values.filter((v) => v != null && !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const ms = (value) => (value == null || Number.isNaN(value) ? 'n/a' : `${Math.round(value)}`);
const load = () => loadavg().map((n) => n.toFixed(2)).join(' ');

// Clocks. /proc/<pid>/stat gives a process's start in clock ticks since boot; /proc/uptime is
// the same clock in hundredths of a second. Reading the uptime just after it changes pins boot
// time on the wall clock to about a millisecond, so a start is known to one tick (10 ms).
const HZ = Number(execFileSync('getconf', ['CLK_TCK']).toString());
const uptime = () => Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
function bootTime() {
  const first = uptime();
  let now = first;
  while (now === first) now = uptime();
  return Date.now() - now * 1000;
}
const bootAt = bootTime();

function startedAt(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  return bootAt + (ticks / HZ) * 1000;
}

/**
 * The probe, the same for both apps: the page's time, which of `marks` hold (function bodies,
 * inlined: the page's CSP forbids building functions from strings), and whether `selector`
 * matches; once it does, two animation frames later, when that frame was drawn.
 */
const probeScript = (marks) => `
  const selector = arguments[0];
  const marks = [${marks.map((body) => `() => { ${body} }`).join(', ')}];
  const now = () => performance.timeOrigin + performance.now();
  const at = now();
  const held = marks.map((mark) => { try { return Boolean(mark()); } catch { return false; } });
  if (!document.querySelector(selector)) return { at, held, found: false };
  const count = document.querySelectorAll(selector).length;
  return new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    done({
      at, held, found: true, count,
      paintedAt: now(),
      navigationStart: performance.timeOrigin,
      fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
      domContentLoaded: nav?.domContentLoadedEventEnd ?? null,
      firstImage: performance.getEntriesByType('resource').find((r) => r.initiatorType === 'img')?.startTime ?? null,
    });
  })));`;

const byTestId = (id) => `document.querySelector('[data-testid="${id}"]')`;
/**
 * Steps of Sora Desk's start as its page shows them (ui/js/app.js, loadAll): each is noted at
 * the first poll that sees it, so it is late by up to a poll (and by any time the page was busy).
 */
const OUR_MARKS = [
  ['app_info answered (version shown)', `return !${byTestId('app-version')}.hidden`],
  ['key and settings answered (library shown)', `return ${byTestId('app-info')}.textContent !== ''`],
  ['library_stats answered (stats shown)', `return ${byTestId('gallery-stats')}.textContent !== ''`],
  ['refresh_balance answered (credits shown)', `return /\\d/.test(${byTestId('balance')}.textContent)`],
];

/** Whether every done card in view shows its poster frame (for the unmeasured first launch). */
const POSTERS_DONE = `
  const done = [...document.querySelectorAll('[data-testid="task-card"][data-state="done"]')];
  return done.length > 0 && done.every((card) => { const img = card.querySelector('img.poster'); return img && img.complete && img.naturalWidth > 0; });`;

const work = mkdtempSync(join(tmpdir(), 'sora-desk-bench-'));
const profile = (name) => mkdtempSync(join(work, `${name}-`));

/** Starts the fake EvoLink server, which Sora Desk talks to instead of EvoLink. */
const startMock = () => spawnFakeEvoLink(mockBin, ['--key', KEY], log);

/**
 * CPU time (ms, user + system) a process has used so far, by thread name (threads named
 * alike, e.g. llvmpipe-0 and llvmpipe-1, counted together), or null when it is gone.
 */
function cpuByThread(pid) {
  const byName = {};
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/[-:]?\d+$/, '');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const used = ((Number(fields[11]) + Number(fields[12])) / HZ) * 1000;
      byName[name] = (byName[name] ?? 0) + used;
    }
  } catch {
    return null;
  }
  return byName;
}

const total = (byName) => (byName ? Object.values(byName).reduce((a, b) => a + b, 0) : null);

/**
 * A WebDriver session on `application` whose commands do not wait for the page to load
 * (pageLoadStrategy "none"), so the polls run while it loads and see each step as it comes.
 */
async function startSession(driverUrl, application) {
  const response = await fetch(`${driverUrl}/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ capabilities: { alwaysMatch: { browserName: 'wry', pageLoadStrategy: 'none', 'tauri:options': { application } } } }),
  });
  const { value } = await response.json();
  if (!response.ok || value?.error) throw new Error(`WebDriver new session: ${value?.error ?? response.status}: ${value?.message ?? ''}`);
  return new Session(`${driverUrl}/session/${value.sessionId}`);
}

/** Polls until the app's element is there; notes when each mark first held. */
async function probe(session, app) {
  const marks = (app.marks ?? []).map(([, body]) => body);
  const script = probeScript(marks);
  const firstHeld = marks.map(() => null);
  const polls = [];
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    let seen;
    try {
      seen = await session.execute(script, [app.selector]);
    } catch {
      // the page is being replaced (about:blank, then the app's page): ask again
      await sleep(POLL_MS);
      continue;
    }
    polls.push(seen.at);
    seen.held.forEach((held, i) => {
      if (held && firstHeld[i] == null) firstHeld[i] = seen.at;
    });
    if (seen.found) return { ...seen, firstHeld, polls };
    await sleep(POLL_MS);
  }
  throw new Error(`${app.name}: ${app.selector} did not appear within 30 s`);
}

/**
 * One launch of `app`: starts it through tauri-driver (through `launcher` if given, e.g.
 * strace), measures, closes it. Returns the figures in ms from the process start.
 */
async function launchOnce(app, { warmUp = false, launcher = app.binary } = {}) {
  const driver = await startDriver({ driver: process.env.TAURI_DRIVER ?? 'tauri-driver', env: app.env, log });
  let session;
  let pid = null;
  try {
    session = await startSession(driver.url, launcher);
    const sessionAt = Date.now();
    pid = descendants(driver.pid).find((p) => p.exe === app.binary)?.pid ?? null;
    if (!pid) throw new Error(`${app.name}: its process was not found below tauri-driver`);
    const start = startedAt(pid);
    const seen = await probe(session, app);
    // What the app's processes used to get there (the exited threads of a process still count).
    const web = descendants(pid).find((p) => p.comm.startsWith('WebKitWebProces'))?.pid;
    const network = descendants(pid).find((p) => p.comm.startsWith('WebKitNetworkPr'))?.pid;
    const cpu = { app: cpuByThread(pid), web: web ? cpuByThread(web) : null, network: network ? cpuByThread(network) : null };
    const fromStart = (pageMs) => (pageMs == null ? null : seen.navigationStart + pageMs - start);
    const figures = {
      painted: seen.paintedAt - start,
      seen: seen.at - start,
      session: sessionAt - start,
      navigation: seen.navigationStart - start,
      fcp: fromStart(seen.fcp),
      domContentLoaded: fromStart(seen.domContentLoaded),
      firstImage: fromStart(seen.firstImage),
      marks: seen.firstHeld.map((at) => (at == null ? null : at - start)),
      polls: seen.polls.map((at) => Math.round(at - start)),
      cpu,
      cpuApp: total(cpu.app),
      cpuWeb: total(cpu.web),
      cpuNetwork: total(cpu.network),
      count: seen.count,
      // Memory once painted: the bare app's is the floor any Tauri page starts from here.
      webMiB: web ? rssMiB(web) : null,
      appMiB: rssMiB(pid),
    };
    if (warmUp && app.warmUp) await session.waitFor(app.warmUp, { timeoutMs: 30000, what: `${app.name}: warm-up` }).catch(() => {});
    return figures;
  } finally {
    if (session) await session.end();
    for (let i = 0; pid && alive(pid) && i < 300; i++) await sleep(50);
    driver.stop();
    if (pid && alive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    // Let the web process and the file system settle before the next launch.
    await sleep(1000);
  }
}

// The process's own steps, from one launch under strace (which slows it: read the gaps, not
// the totals). Each is the first system call that shows it, in ms after the app's execve.
const STEPS = [
  ['first thread started', (pid, main, call) => pid === main && call.startsWith('clone3(')],
  ['X display connected', (pid, main, call) => pid === main && call.includes('/tmp/.X11-unix/')],
  ['store opened', (pid, main, call) => call.startsWith('openat(') && call.includes('.sqlite3"')],
  ['media server listening', (pid, main, call) => call.startsWith('bind(') && call.includes('sin_port=htons(0)')],
  ['engine lock taken', (pid, main, call) => call.startsWith('flock(')],
  ['WebKitNetworkProcess started', (pid, main, call) => call.startsWith('execve(') && call.includes('WebKitNetworkProcess')],
  ['WebKitWebProcess started', (pid, main, call) => call.startsWith('execve(') && call.includes('WebKitWebProcess')],
  ['first call to the (fake) EvoLink', (pid, main, call, app) => call.startsWith('connect(') && app.mockPort && call.includes(`htons(${app.mockPort})`)],
  ['first poster file read', (pid, main, call) => call.startsWith('openat(') && call.includes('/posters/')],
];

async function tracedLaunch(app) {
  const out = join(work, `${app.name}.strace`);
  const wrapper = join(work, `${app.name}-traced.sh`);
  writeFileSync(wrapper, `#!/bin/sh\nexec strace -f -ttt --seccomp-bpf -e trace=execve,openat,flock,bind,connect,clone3 -o '${out}' '${app.binary}' "$@"\n`);
  chmodSync(wrapper, 0o755);
  const figures = await launchOnce(app, { launcher: wrapper });
  const lines = readFileSync(out, 'utf8').split('\n').map((line) => /^(\d+)\s+([\d.]+)\s+(.*)$/.exec(line)).filter(Boolean);
  const exec = lines.find(([, , , call]) => call.startsWith(`execve("${app.binary}"`));
  const main = exec[1];
  const t0 = Number(exec[2]);
  const steps = {};
  for (const [, pid, time, call] of lines) {
    for (const [name, test] of STEPS) {
      if (!(name in steps) && test(pid, main, call, app)) steps[name] = (Number(time) - t0) * 1000;
    }
  }
  return { steps, figures };
}

async function main() {
  const mock = await startMock();
  const base = { ...process.env };
  delete base.EVOLINK_API_KEY;
  const apps = [
    {
      name: 'bare',
      binary: bare,
      selector: '[data-testid="painted"]',
      env: { ...base, HOME: profile('bare') },
    },
    {
      name: 'ours',
      binary: ours,
      selector: '[data-testid="task-card"][data-task-id]',
      marks: OUR_MARKS,
      warmUp: POSTERS_DONE,
      mockPort: new URL(mock.url).port,
      env: {
        ...base,
        HOME: profile('ours'),
        SORA_DESK_DATA_DIR: dataDir,
        SORA_DESK_LIBRARY_DIR: libraryDir,
        EVOLINK_API_KEY: KEY,
        SORA_DESK_API_BASE: mock.url,
        SORA_DESK_FILES_BASE: mock.url,
      },
    },
  ];
  const results = { bare: [], ours: [] };
  const traced = {};
  const loadBefore = load();
  let loadAfter;
  try {
    // One unmeasured launch each: the first launch of a profile sets up WebKit's folders, and
    // Sora Desk grabs the poster frames of the cards in view once (then reads them from disk).
    for (const app of apps) {
      const first = await launchOnce(app, { warmUp: true });
      console.log(`first launch ${app.name}: painted ${ms(first.painted)} ms (not counted)`);
    }
    for (let run = 1; run <= RUNS; run++) {
      // Alternate, and alternate which goes first, so a burst of load elsewhere hits both.
      const order = run % 2 ? apps : [...apps].reverse();
      for (const app of order) {
        const figures = await launchOnce(app);
        results[app.name].push(figures);
        console.log(`run ${run} ${app.name.padEnd(4)}: painted ${ms(figures.painted)} ms (seen ${ms(figures.seen)}, ` +
          `navigation ${ms(figures.navigation)}, first contentful paint ${ms(figures.fcp)}, ` +
          `DOMContentLoaded ${ms(figures.domContentLoaded)}; ${figures.count} matching) load ${load()}`);
      }
    }
    loadAfter = load();
    if (trace) {
      for (const app of apps) traced[app.name] = await tracedLaunch(app);
    }
  } finally {
    mock.stop();
    rmSync(work, { recursive: true, force: true });
  }

  const pick = (name, key) => results[name].map((r) => r[key]);
  const medianOf = (name, key) => median(pick(name, key));
  const bareMs = medianOf('bare', 'painted');
  const oursMs = medianOf('ours', 'painted');
  const ratio = oursMs / bareMs;
  const met = ratio <= TARGET_RATIO;
  const strictBare = medianOf('bare', 'fcp');
  console.log('');
  console.log(`FIGURE bare Tauri, process start to page painted: median ${ms(bareMs)} ms (${pick('bare', 'painted').map(ms).join(', ')})`);
  console.log(`FIGURE Sora Desk, process start to gallery painted with cards: median ${ms(oursMs)} ms (${pick('ours', 'painted').map(ms).join(', ')})`);
  console.log(`FIGURE ratio ours / bare: ${ratio.toFixed(2)}x; target at most ${TARGET_RATIO}x: ${met ? 'met' : 'NOT met'}`);
  console.log(`FIGURE cross-check: element seen (no frame wait) ${ms(medianOf('ours', 'seen'))} / ${ms(medianOf('bare', 'seen'))} ms = ${(medianOf('ours', 'seen') / medianOf('bare', 'seen')).toFixed(2)}x; ` +
    `bare at its first contentful paint (${ms(strictBare)} ms): ${(oursMs / strictBare).toFixed(2)}x`);
  console.log(`FIGURE load average (1, 5, 15 min) before ${loadBefore}, after ${loadAfter} (${cpus().length} CPUs)`);
  console.log('');
  console.log('Medians, ms from process start          bare   ours');
  const row = (label, bareValue, oursValue) => console.log(`  ${label.padEnd(38)} ${ms(bareValue).padStart(5)}  ${ms(oursValue).padStart(5)}`);
  row('WebDriver session ready', medianOf('bare', 'session'), medianOf('ours', 'session'));
  row('navigation start', medianOf('bare', 'navigation'), medianOf('ours', 'navigation'));
  row('first contentful paint', medianOf('bare', 'fcp'), medianOf('ours', 'fcp'));
  row('DOMContentLoaded end (scripts ran)', medianOf('bare', 'domContentLoaded'), medianOf('ours', 'domContentLoaded'));
  OUR_MARKS.forEach(([label], i) => row(label, null, median(results.ours.map((r) => r.marks[i]))));
  row('first card image asked (cards built)', null, medianOf('ours', 'firstImage'));
  row('element seen', medianOf('bare', 'seen'), medianOf('ours', 'seen'));
  row('element painted (two frames later)', bareMs, oursMs);
  console.log('');
  console.log('CPU time used by then (ms, user + system; medians)   bare   ours');
  const cpuRow = (label, key) => console.log(`  ${label.padEnd(50)} ${ms(medianOf('bare', key)).padStart(5)}  ${ms(medianOf('ours', key)).padStart(5)}`);
  cpuRow('the app process (Rust, GTK, IPC)', 'cpuApp');
  cpuRow('its WebKitWebProcess (page: scripts, layout, paint)', 'cpuWeb');
  cpuRow('its WebKitNetworkProcess', 'cpuNetwork');
  const threads = new Set(results.ours.flatMap((r) => Object.keys(r.cpu.web ?? {})));
  for (const thread of threads) {
    const value = (name) => median(results[name].map((r) => r.cpu.web?.[thread] ?? 0));
    if (Math.max(value('bare'), value('ours')) >= 20) {
      console.log(`    ${`web process threads "${thread}"`.padEnd(48)} ${ms(value('bare')).padStart(5)}  ${ms(value('ours')).padStart(5)}`);
    }
  }
  console.log('');
  console.log('Memory once painted (RSS, MiB; medians)                bare   ours');
  cpuRow('the app process', 'appMiB');
  cpuRow('its WebKitWebProcess', 'webMiB');
  if (trace) {
    console.log('');
    console.log('One more launch of each under strace, not counted (ms after execve; strace slows all)');
    for (const [name] of STEPS) {
      if (name in traced.bare.steps || name in traced.ours.steps) row(name, traced.bare.steps[name], traced.ours.steps[name]);
    }
    row('navigation start', traced.bare.figures.navigation, traced.ours.figures.navigation);
    row('element painted', traced.bare.figures.painted, traced.ours.figures.painted);
  }
  if (process.env.BENCH_JSON) {
    writeFileSync(process.env.BENCH_JSON, JSON.stringify({ runs: RUNS, target: TARGET_RATIO, bareMs, oursMs, ratio, met, loadBefore, loadAfter, marks: OUR_MARKS.map(([label]) => label), results, traced }, null, 2));
  }
}

await main();
