// The page's catalogues (ui/i18n/<lang>/page.json): complete in every language, with the same
// parameters, every key used by the page, and words plus a next step for every problem code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';

import { LANGUAGES, catalogue, part, useLanguage } from '../support/words.mjs';
import { strings } from '../../ui/js/strings.js';
import { ACTIVE_STATES, ENDED_BADLY, QUEUE_CODES, WAITING_CODES } from '../../ui/js/tasks.js';

// strings.js speaks English here, as the English catalogue is the one the others are checked against.
useLanguage('en');

const read = (path) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const js = readdirSync(new URL('../../ui/js/', import.meta.url)).filter((name) => name.endsWith('.js'))
  .map((name) => ({ name, text: read(`ui/js/${name}`) }));
const html = read('ui/index.html');
const page = Object.fromEntries(LANGUAGES.map((lang) => [lang, part(lang, 'page')]));
const english = page[LANGUAGES[0]];

/** The index of the `}` closing the `{` at 0 of `text`, or -1. */
function closing(text) {
  let depth = 0;
  for (let i = 0; i < text.length; i += 1) {
    if (text[i] === '{') depth += 1;
    else if (text[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

/** The parameters a message asks for, plural branches included (crates/words parameter_names). */
export function parameterNames(message) {
  const names = new Set();
  let rest = message;
  for (let i = rest.indexOf('{'); i >= 0; i = rest.indexOf('{')) {
    const tail = rest.slice(i);
    if (tail.startsWith('{{')) {
      rest = tail.slice(2);
      continue;
    }
    const end = closing(tail);
    if (end < 0) break;
    const [name, kind, ...more] = tail.slice(1, end).split(',');
    names.add(name.trim());
    if (kind?.trim() === 'plural') {
      let options = more.join(',');
      for (let open = options.indexOf('{'); open >= 0; open = options.indexOf('{')) {
        const close = closing(options.slice(open));
        if (close < 0) break;
        for (const inner of parameterNames(options.slice(open + 1, open + close))) names.add(inner);
        options = options.slice(open + close + 1);
      }
    }
    rest = tail.slice(end + 1);
  }
  return names;
}

/** The branches of every plural in `message` (`one`, `other`, `=0`...), for the check of `other`. */
const pluralsOf = (message) => [...message.matchAll(/\{\s*\w+\s*,\s*plural\s*,/g)].length;

test('the parameter parser finds names in placeholders and plural branches', () => {
  assert.deepEqual([...parameterNames('{a} {{b}} {n, plural, one {# of {c}} other {{d, bytes}}}')].sort(), ['a', 'c', 'd', 'n']);
});

test('every language has every key of the page, with the same parameters, keys sorted', () => {
  const keys = Object.keys(english);
  assert.ok(keys.length > 400, `${keys.length} keys`);
  for (const lang of LANGUAGES) {
    const mine = page[lang];
    assert.deepEqual(Object.keys(mine), [...Object.keys(mine)].sort(), `${lang}/page.json is sorted`);
    assert.deepEqual(Object.keys(mine).filter((k) => !Object.hasOwn(english, k)), [], `${lang} has keys English lacks`);
    for (const key of keys) {
      assert.equal(typeof mine[key], 'string', `${lang} lacks ${key}`);
      assert.deepEqual([...parameterNames(mine[key])].sort(), [...parameterNames(english[key])].sort(), `${lang} ${key}: parameters`);
      if (english[key].trim() !== '') assert.equal(mine[key] === '', english[key] === '', `${lang} ${key}: empty in one language only`);
      if (pluralsOf(mine[key]) > 0) assert.match(mine[key], /other\s*\{/, `${lang} ${key}: a plural needs "other"`);
    }
    // A key in both parts would be decided by the order they are merged in.
    const backend = part(lang, 'backend');
    assert.deepEqual(Object.keys(mine).filter((k) => Object.hasOwn(backend, k)), [], `${lang}: keys in both page.json and backend.json`);
  }
});

test('Chinese is written in Chinese, and names stay as they are', () => {
  const zh = page['zh-CN'];
  const same = Object.keys(english).filter((k) => english[k] !== '' && zh[k] === english[k] && /[a-z]{3}/.test(english[k].replace(/\{[^}]*\}/g, '')));
  // Names, addresses and shortcuts are the same in every language.
  assert.deepEqual(same.filter((k) => !/^(appName|apiBasePlaceholder|filesBasePlaceholder|webhookPlaceholder|shortcut|languageName\.)/.test(k)), []);
  for (const key of Object.keys(zh)) assert.doesNotMatch(zh[key].replace(/\{[^{}]*\}/g, ''), /\bcredits?\b/i, `${key} says credits in English`);
});

// Keys the page reaches through a variable (strings.advice[code]), and the names each may have.
const aspects = new Set(JSON.parse(read('crates/models/models.json')).models.flatMap((m) => m.aspect.values));
const lookups = ['none', 'ambiguous', 'unavailable', 'nothing_found'];
const FAMILIES = {
  aspect: [...aspects],
  state: [...ACTIVE_STATES, 'done', ...ENDED_BADLY],
  waitingTitle: QUEUE_CODES,
  queueReason: QUEUE_CODES,
  keyStorage: ['keychain', 'session_only', 'environment', 'none'],
  'uncertain.found': lookups,
  'uncertain.next': lookups,
  actions: ['edit_prompt', 'choose_image', 'top_up', 'check_key', 'retry', 'look_again', 'restore_key', 'raise_limit', 'resume_queue'],
  stoppedNote: ['keep', 'discard'],
  age: ['now', 'minutes', 'hours', 'days'],
  timeLeft: ['hours', 'minutes'],
  languageName: LANGUAGES,
  support: null, // every label is used (tasks.js supportDetails)
};

/** The problem codes: those Rust has words for (backend.json's `problem.<code>`) and the page's own. */
const PAGE_CODES = ['no_backend', 'internal'];
const backendCodes = () => [...new Set(Object.keys(part('en', 'backend')).filter((k) => k.startsWith('problem.')).map((k) => k.split('.')[1]))];
/** Every snake_case literal of the backend's Rust sources: a generous list of the codes it can send. */
function rustCodes() {
  const codes = new Set();
  const walk = (dir) => {
    for (const entry of readdirSync(new URL(dir, root), { withFileTypes: true })) {
      if (entry.isDirectory()) walk(`${dir}${entry.name}/`);
      else if (entry.name.endsWith('.rs')) for (const [, code] of readFileSync(new URL(`${dir}${entry.name}`, root), 'utf8').matchAll(/"([a-z_]+)"/g)) codes.add(code);
    }
  };
  for (const dir of ['crates/', 'src-tauri/']) if (existsSync(new URL(dir, root))) walk(dir);
  return codes;
}
const root = new URL('../../', import.meta.url);
const problemCodes = () => [...new Set([...backendCodes(), ...PAGE_CODES])].sort();

test('every key of the page is used by the page', () => {
  const used = new Set();
  const families = new Set();
  const sources = [...js.map(({ text }) => text), html];
  for (const text of sources) {
    // Literals: t('key'), t(cond ? 'a' : 'b'), data-i18n="key", has('key')...
    for (const [, key] of text.matchAll(/['"`]([A-Za-z_][\w:.-]*)['"`]/g)) used.add(key);
    // Templates: t(`aspect.${value}`) uses the family.
    for (const [, family] of text.matchAll(/`([A-Za-z_][\w.]*)\.\$\{/g)) families.add(family);
  }
  for (const { text } of js) {
    for (const [, chain, next] of text.matchAll(/\bstrings\.([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(.?)/g)) {
      const parts = chain.split('.');
      parts.forEach((_, i) => used.add(parts.slice(0, i + 1).join('.')));
      // strings.advice[code], const words = strings.support: the whole family.
      if (next !== '(' && next !== '.') families.add(chain);
    }
  }
  const isUsed = (key) => used.has(key) || [...families].some((f) => key.startsWith(`${f}.`));
  assert.deepEqual(Object.keys(english).filter((key) => !isUsed(key)), [], 'keys nothing in ui/ uses');

  // A family reached through a variable has only the names the page can ask for.
  for (const [family, names] of Object.entries(FAMILIES)) {
    const members = Object.keys(english).filter((k) => k.startsWith(`${family}.`)).map((k) => k.slice(family.length + 1));
    assert.ok(members.length > 0, family);
    if (!names) continue;
    for (const name of members) assert.ok(names.includes(name) || (family === 'aspect' && name === 'auto'), `${family}.${name} is never asked for`);
  }
  // Advice is asked for by problem code and by tasks.js's next steps.
  const tasks = read('ui/js/tasks.js');
  const steps = new Set([...WAITING_CODES, ...[...tasks.matchAll(/'([a-z_]+)'/g)].map((m) => m[1])]);
  // The codes that exist: those with words in backend.json, the page's own, and (while the backend
  // is moving to words) those Rust still writes as literals.
  const codes = new Set([...problemCodes(), ...rustCodes()]);
  const advice = Object.keys(english).filter((k) => k.startsWith('advice.')).map((k) => k.slice('advice.'.length));
  assert.deepEqual(advice.filter((name) => !steps.has(name) && !codes.has(name)), [], 'advice for codes that do not exist');
  // Each picture code's next step is one of imageNext's messages, and each of those is used.
  const shown = new Set(Object.keys(strings.imageNext).map((code) => strings.imageNext[code]));
  for (const key of Object.keys(english).filter((k) => k.startsWith('imageNext.'))) assert.ok(shown.has(english[key]), `${key} is never shown`);
});

test('every problem code has words and a next step in every language', () => {
  const codes = problemCodes();
  const fromBackend = backendCodes();
  if (fromBackend.length === 0) console.log('# ui/i18n/en/backend.json has no problem.* keys yet: only the page\'s own codes are checked');
  try {
    for (const lang of LANGUAGES) {
      useLanguage(lang);
      const all = catalogue(lang);
      for (const code of codes) {
        const words = Object.keys(all).filter((k) => k === `problem.${code}` || k.startsWith(`problem.${code}.`));
        if (fromBackend.length > 0 || PAGE_CODES.includes(code) && Object.hasOwn(page.en, `problem.${code}`)) {
          assert.ok(words.length > 0, `${lang}: no words for the problem ${code}`);
        }
        assert.ok(strings.adviceFor(code).length > 0, `${lang}: no next step for the problem ${code}`);
        // The toast says what went wrong, then what to do, never the same sentence twice.
        const shown = strings.problem({ code, message: { key: `problem.${code}`, params: {} }, retryable: false });
        const sentences = shown.split(/(?<=[.。!?！？])\s*/).filter(Boolean);
        assert.equal(new Set(sentences).size, sentences.length, `${lang} ${code}: ${shown}`);
      }
    }
  } finally {
    useLanguage('en');
  }
});
