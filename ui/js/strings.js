// Every word the UI shows, read from the catalogue of the current language (ui/i18n/<tag>/
// page.json, through i18n.js) at the moment it is asked for. Functions take the values they need
// and give them to the message as parameters; a word without parameters is read straight from the
// catalogue: `strings.welcomeTitle` is the message `welcomeTitle`, `strings.facts.model` the
// message `facts.model`. Logic (lists, shape names, durations) stays here; every word of it, the
// list's joiners included, comes from the catalogue. Nothing else in ui/ writes user-facing words.

import { bytes, dateTime, familyNames, has, hasFamily, number, say, t } from './i18n.js';

/** "a, b or c": the joiners are the language's ("a、b或c"). */
const either = (items) => (items.length < 2
  ? items.join('')
  : t('list.or', { head: items.slice(0, -1).join(t('list.separator')), last: items.at(-1) }));

// Shapes in words, by the aspect value a model takes (`aspect.16:9`...); an unknown one shows as it is.
const isAuto = (value) => value === 'adaptive' || value === 'auto';
const aspectName = (value) => (isAuto(value) ? t('aspect.auto') : has(`aspect.${value}`) ? t(`aspect.${value}`) : value);
/** "4k" reads "4K", "1080p" stays. */
const qualityName = (value) => (/^\d+k$/i.test(value) ? value.toUpperCase() : value);
const seconds = (n) => t('seconds', { n });
/** A model's lengths in words, from its `duration`: "4, 8 or 12 s", "3 to 15 s". */
const lengthsInWords = ({ values, min, max }) => (Array.isArray(values)
  ? t('seconds', { n: either(values.map((v) => number(v))) })
  : t('durationRange', { min, max }));

/** The words of a problem (an error from ipc.js): what went wrong, then what to do about it. */
function problem(error) {
  if (error == null) return '';
  if (typeof error !== 'object') return String(error);
  const what = say(error.message);
  // The advice's sentences the message does not already say (the backend's words often say part).
  const next = adviceFor(error.code).split(/(?<=[.!?。！？])\s*/).filter((sentence) => sentence && !what.includes(sentence)).join(t('sentenceJoiner'));
  return what && next ? t('problemWithAdvice', { message: what, advice: next }) : what || next || t('advice.other');
}

// What to do next when a picture cannot be used, by the backend's code: every code of
// crates/preflight (PreflightError::CODES) and of the service's pictures.rs (a test checks), as
// the key of its words under `imageNext.` (several codes share words). `cancelled` needs none.
const IMAGE_NEXT = {
  ...Object.fromEntries(['empty', 'not_an_image', 'heic', 'heic_too_large', 'avif', 'unsupported_format', 'truncated', 'corrupt']
    .map((code) => [code, 'format'])),
  ...Object.fromEntries(['file_too_large', 'too_many_pixels', 'too_much_memory', 'output_too_large'].map((code) => [code, 'size'])),
  too_small: 'too_small',
  read_failed: 'read_failed',
  file_missing: 'file_missing',
  picture_unknown: 'picture_unknown',
  internal: 'internal',
  cancelled: null,
  other: 'other',
};
const imageNext = Object.defineProperties({}, Object.fromEntries(Object.entries(IMAGE_NEXT).map(([code, key]) => [code, {
  enumerable: true,
  get: () => (key ? t(`imageNext.${key}`) : ''),
}])));

/**
 * What to do next after a problem with `code`: its advice, else a picture's next step, else ''
 * (the code-to-words test keeps every code the backend sends covered).
 */
const adviceFor = (code) => {
  if (!code) return '';
  if (has(`advice.${code}`)) return t(`advice.${code}`);
  return Object.hasOwn(IMAGE_NEXT, code) ? imageNext[code] : '';
};

// The strings that need parameters or logic. Everything else is served from the catalogue by
// `view` below; nested objects are families of keys (`switched.duration`).
const functions = {
  balance: (credits) => t('balance', { credits }),
  todaySpend: (spent, limit) => (limit == null ? t('todaySpend', { spent }) : t('todaySpendLimit', { spent, limit })),
  keyRefused: (message) => t('keyRefused', { message: say(message) }),
  keyWorks: (credits) => (credits == null ? t('keyWorks') : t('keyWorksCredits', { credits })),

  counter: (used, limit) => t('counter', { used, limit }),
  counterNoLimit: (used) => t('counterNoLimit', { used }),
  promptTokens: (max) => t('promptTokens', { max }),
  imageReady: (summary) => t('imageReady', { summary: say(summary) }),
  aspectName,
  /** The small line under a shape's name: its ratio, or what "auto" does. */
  aspectDetail: (value) => (isAuto(value) ? t('aspectDetail.auto') : value),
  seconds,
  lengthsInWords,
  durationRange: (min, max) => t('durationRange', { min, max }),
  durationAutoHint: (holds) => t('durationAutoHint', { seconds: holds }),
  qualityName,
  seedHint: (min, max) => t('seedHint', { min, max }),
  seedInvalid: (min, max) => t('seedInvalid', { min, max }),
  lastFrameAside: (name) => t('lastFrameAside', { name }),
  estimate: (credits, takes = 1) => (takes > 1 ? t('estimateTakes', { credits, takes }) : t('estimate', { credits })),
  estimateDemo: (credits, takes = 1) => (takes > 1 ? t('estimateDemoTakes', { credits, takes }) : t('estimateDemo', { credits })),

  modelsFailed: (message) => t('modelsFailed', { message: say(message) }),
  modelFrom: (credits) => t('modelFrom', { credits }),
  modelMaker: (maker) => t('modelMaker', { maker }),
  modelChosen: (name) => t('modelChosen', { name }),
  badges: {
    longest: (s) => t('badges.longest', { length: seconds(s) }),
  },
  // What changed when another model was picked, one sentence each.
  switched: {
    duration: (name, lengths, to) => t('switched.duration', { name, lengths, to }),
    quality: (name, from, to) => t('switched.quality', { name, from: qualityName(from), to: qualityName(to) }),
    qualityGone: (name) => t('switched.qualityGone', { name }),
    aspect: (name, from, to) => t('switched.aspect', { name, fromName: aspectName(from), from, to: aspectName(to) }),
    soundAlways: (name) => t('switched.soundAlways', { name }),
    soundGone: (name) => t('switched.soundGone', { name }),
    seed: (name) => t('switched.seed', { name }),
    negativePrompt: (name) => t('switched.negativePrompt', { name }),
    lastFrame: (name) => t('switched.lastFrame', { name }),
    prompt: (name, max) => t('switched.prompt', { name, max }),
  },
  defaultUnavailable: (name, instead) => t('defaultUnavailable', { name, instead }),
  modelUnavailableReason: (name) => t('modelUnavailableReason', { name }),
  offerTitle: (name) => t('offerTitle', { name }),
  shortcut: (mac) => (mac ? t('shortcutMac') : t('shortcut')),
  promptTooLong: (over) => t('promptTooLong', { over }),
  submitted: (n = 1) => t('submitted', { n }),
  submittedWaiting: (n = 1) => t('submittedWaiting', { n }),
  submitFailed: (message) => t('submitFailed', { message: say(message) }),

  batchFromFile: (name) => t('batchFromFile', { name }),
  batchMadeWith: (parts) => t('batchMadeWith', { settings: parts.join(t('list.dot')) }),
  batchTakes: (n) => t('batchTakes', { n }),
  batchSummary: ({ lines, takes, count, credits, demo }) => {
    const cost = demo ? t('batchCostDemo') : t('batchCost', { credits });
    return takes > 1 ? t('batchSummaryTakes', { lines, takes, count, cost }) : t('batchSummary', { count, cost });
  },
  batchProblemsTitle: (n) => t('batchProblemsTitle', { n }),
  batchProblem: (line, message) => t('batchProblem', { line, message: say(message) }),
  batchConfirm: (count, credits) => t('batchConfirm', { count, credits }),
  batchConfirmDemo: (count) => t('batchConfirmDemo', { count }),
  batchQueued: (n) => t('batchQueued', { n }),
  batchChanged: (message) => t('batchChanged', { message: say(message) }),
  batchPlanFailed: (message) => t('batchPlanFailed', { message: say(message) }),
  batchFailed: (message) => t('batchFailed', { message: say(message) }),

  queueToday: (spent, limit) => (limit == null ? t('queueToday', { spent }) : t('queueTodayLimit', { spent, limit })),
  queueShow: (n) => t('queueShow', { n }),
  waitingCount: (n) => t('waitingCount', { n }),
  runTitle: (label, finished) => (finished ? t('runTitleFinished', { label }) : label),
  runLabel: (label) => t('runLabel', { label }),
  /** A run's figures (runs.js runFigures): "8 of 30 done · 1 failed · 18 waiting · 92 credits so far". */
  runProgress: (figures, finished = false) => figures.map(({ key, n, total }) => {
    switch (key) {
      case 'done': return t(finished ? 'runProgress.made' : 'runProgress.done', { n, total });
      case 'failed': return t('runProgress.failed', { n });
      case 'waiting': return t('runProgress.waiting', { n });
      default: return t(finished ? 'runProgress.credits' : 'runProgress.creditsSoFar', { n });
    }
  }).join(t('list.dot')),
  // Why a waiting video has not started, in the queue's list.
  queueReason: {
    waiting_for_slot: (active) => t('queueReason.waiting_for_slot', { active }),
  },
  queuePlace: (n) => t('queuePlace', { n }),
  moveUp: (prompt) => t('moveUp', { prompt }),
  moveDown: (prompt) => t('moveDown', { prompt }),
  queueMoved: (n) => t('queueMoved', { n }),

  stopTitle: (n) => t('stopTitle', { n }),
  stopBody: (n) => t('stopBody', { n }),
  stopKeep: (n) => t('stopKeep', { n }),
  stopDiscard: (n) => t('stopDiscard', { n }),
  stoppedRemoved: (n) => t('stoppedRemoved', { n }),
  stoppedKeep: (n) => t('stoppedKeep', { n }),
  stoppedDiscard: (n) => t('stoppedDiscard', { n }),
  stopFailed: (n, message) => t('stopFailed', { n, message: say(message) }),

  selectVideo: (prompt) => t('selectVideo', { prompt }),
  selectedCount: (n) => t('selectedCount', { n }),
  bulkRetry: (n) => t('bulkRetry', { n }),
  bulkStop: (n) => t('bulkStop', { n }),
  bulkDeleteTitle: (n) => t('bulkDeleteTitle', { n }),
  bulkDeleteUnqueue: (n) => t('bulkDeleteUnqueue', { n }),
  bulkDeleteSkip: (n) => t('bulkDeleteSkip', { n }),
  bulkDeleteYes: (n) => t('bulkDeleteYes', { n }),
  bulkNothingToDelete: (n) => t('bulkNothingToDelete', { n }),
  bulkDeleted: (done, left) => (left > 0 ? t('bulkDeletedLeft', { done, left }) : t('bulkDeleted', { done })),
  bulkRetryTitle: (n) => t('bulkRetryTitle', { n }),
  bulkRetryBody: (credits) => (credits == null ? t('bulkRetryBody') : t('bulkRetryBodyCredits', { credits })),
  bulkRetryYes: (n) => t('bulkRetryYes', { n }),
  bulkRetried: (n) => t('bulkRetried', { n }),
  bulkProblems: (n, message) => t('bulkProblems', { n, message: say(message) }),

  clearFailedTitle: (n) => t('clearFailedTitle', { n }),
  clearedFailed: (n) => t('clearedFailed', { n }),

  stats: (s) => t('stats', { videos: s.videos, total: s.credits_used_total, recent: s.credits_used_30_days }),
  spend: (s) => t('spend', { total: s.credits_used_total, recent: s.credits_used_30_days }),
  libraryWhere: (dir) => t('libraryWhere', { dir }),
  loadFailed: (message) => t('loadFailed', { message: say(message) }),

  generatingPercent: (p) => t('generatingPercent', { percent: p }),
  take: (n, total) => (total ? t('takeOf', { n, total }) : t('take', { n })),
  elapsed: (clock) => t('elapsed', { clock }),
  remaining: (clock) => t('remaining', { clock }),
  stillTrying: (message) => t('stillTrying', { message: say(message) }),
  linkLasts: (time, left) => t('linkLasts', { time, left }),
  timeLeft: { hours: (n) => t('timeLeft.hours', { n }), minutes: (n) => t('timeLeft.minutes', { n }) },
  clockTime: (s) => dateTime(s, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
  keepOpen: (time) => t('keepOpen', { time }),
  cardLabel: (prompt, state) => t('cardLabel', { prompt, state }),
  credits: (n) => t('credits', { n }),
  creditsReserved: (n) => t('creditsReserved', { n }),
  creditsIfStarted: (n) => t('creditsIfStarted', { n }),
  creditsAbout: (n) => t('creditsAbout', { n }),
  creditsWhenStarted: (n) => t('creditsWhenStarted', { n }),
  meta: { seconds },
  age: {
    minutes: (n) => t('age.minutes', { n }),
    hours: (n) => t('age.hours', { n }),
    days: (n) => t('age.days', { n }),
    date: (s) => dateTime(s, { day: 'numeric', month: 'short', year: 'numeric' }),
  },

  problem,
  adviceFor,
  imageNext,

  pictureUsed: (framing) => (framing === 'fit' ? t('pictureUsed.fit') : t('pictureUsed.fill')),
  shapeFact: (aspect) => (aspectName(aspect) === aspect ? aspect : t('shapeFact', { name: aspectName(aspect), aspect })),
  madeAt: (s) => dateTime(s, { dateStyle: 'medium', timeStyle: 'short' }),
  retryConfirmCost: (credits) => t('retryConfirmCost', { credits }),
  savedCopy: (path) => t('savedCopy', { path }),

  announce: {
    done: (prompt) => t('announce.done', { prompt }),
    failed: (prompt, message) => t('announce.failed', { prompt, message: say(message) }),
    started: (prompt) => t('announce.started', { prompt }),
    results: (n) => t('announce.results', { n }),
    selected: (n) => t('announce.selected', { n }),
  },

  keyHintText: (hint) => t('keyHintText', { hint }),
  inflightChange: (n) => t('inflightChange', { n }),
  inflightRemove: (n) => t('inflightRemove', { n }),
  defaultModelOption: (name, available) => (available ? name : t('defaultModelUnavailable', { name })),
  version: (v) => t('version', { version: v }),
  updateNone: (v) => t('updateNone', { version: v }),
  updateFound: (v) => t('updateFound', { version: v }),
  updateReady: (v) => t('updateReady', { version: v }),
  updateTitle: (v) => t('updateTitle', { version: v }),
  updateMeta: (current, when) => (when
    ? t('updateMetaDate', { current, date: dateTime(Date.parse(when) / 1000, { dateStyle: 'long' }) })
    : t('updateMeta', { current })),
  /** `percent` of `size` (strings.size), either unknown (null) before the first bytes. */
  updateDownloading: (percent, size) => {
    if (size == null) return t('updateDownloading');
    return percent == null ? t('updateDownloadingSize', { size }) : t('updateDownloadingPercent', { percent, size });
  },
  dataDir: (dir) => t('dataDir', { dir }),

  closeTitle: (active) => t('closeTitle', { active }),
  closeBody: (active) => t('closeBody', { active }),

  appInfo: (info) => t('libraryWhere', { dir: info.library_dir }),
  /** A size in bytes, 1000-based: "12 MB". */
  size: (n) => bytes(n),
};

/**
 * `functions` under `prefix`, with every other name read from the catalogue at access time: a
 * message for a key, or a family (an object of its own) for a prefix of keys.
 */
function view(prefix, own) {
  const keyOf = (name) => `${prefix}${name}`;
  return new Proxy(own, {
    get(target, name) {
      if (typeof name !== 'string') return undefined;
      if (Object.hasOwn(target, name)) {
        const value = target[name];
        return value && typeof value === 'object' ? view(`${keyOf(name)}.`, value) : value;
      }
      if (has(keyOf(name))) return t(keyOf(name));
      if (hasFamily(keyOf(name))) return view(`${keyOf(name)}.`, {});
      return undefined;
    },
    has(target, name) {
      return typeof name === 'string' && (Object.hasOwn(target, name) || has(keyOf(name)) || hasFamily(keyOf(name)));
    },
    ownKeys(target) {
      return [...new Set([...Reflect.ownKeys(target), ...familyNames(prefix.slice(0, -1))])];
    },
    getOwnPropertyDescriptor(target, name) {
      if (Object.hasOwn(target, name)) return Reflect.getOwnPropertyDescriptor(target, name);
      return this.has(target, name) ? { configurable: true, enumerable: true, writable: false, value: this.get(target, name) } : undefined;
    },
  });
}

export const strings = view('', functions);
