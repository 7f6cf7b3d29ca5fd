// The page's half of the words: the catalogue of one language (ui/i18n/<tag>/page.json, the
// page's own words, and backend.json, the words for what Rust sends as a key and parameters)
// and the renderer of its message syntax. crates/words renders the same syntax for Rust; both
// are checked against tests/contract/render-cases.json. The syntax:
//   {name}                                 a parameter; numbers written for the language
//   {name, bytes}                          a size in bytes: "12 MB"
//   {name, plural, one {…} other {…}}      chosen by the number; # inside is the number
//   {{ and }}                              literal braces

import { byteParts } from './format.js';

/** The languages the app speaks; the first is the fallback. */
export const LANGUAGES = ['en', 'zh-CN'];

let current = 'en';
let messages = {};

/**
 * The first of the webview's languages (the system's) the app speaks, else the fallback: for
 * when the backend cannot say which to use. Chinese written in Simplified characters (zh, zh-CN,
 * zh-Hans…, zh-SG) is zh-CN; any English is en.
 */
export function webviewLanguage(tags = globalThis.navigator?.languages ?? []) {
  for (const tag of tags) {
    const lower = String(tag).toLowerCase();
    const found = LANGUAGES.find((lang) => lang.toLowerCase() === lower);
    if (found) return found;
    if (/^zh(-hans\b.*|-cn|-sg)?$/.test(lower)) return 'zh-CN';
    if (/^en\b/.test(lower)) return 'en';
  }
  return LANGUAGES[0];
}

/** Loads `tag`'s catalogue; everything rendered after this is in that language. */
export async function loadLanguage(tag) {
  const lang = LANGUAGES.includes(tag) ? tag : LANGUAGES[0];
  const parts = await Promise.all(['page', 'backend'].map(async (part) => {
    const response = await fetch(new URL(`../i18n/${lang}/${part}.json`, import.meta.url));
    if (!response.ok) throw new Error(`The ${lang} words could not be loaded (${response.status}).`);
    return response.json();
  }));
  useCatalogue(lang, Object.assign({}, ...parts));
}

/** Uses an already loaded catalogue (the unit tests give theirs directly). */
export function useCatalogue(lang, catalogue) {
  current = lang;
  messages = catalogue;
  if (typeof document !== 'undefined') document.documentElement.lang = lang;
}

/** The language the page speaks now (a BCP 47 tag, for Intl). */
export const language = () => current;

/** Whether the catalogue has `key`. */
export const has = (key) => Object.hasOwn(messages, key);

/** Whether the catalogue has keys under `prefix.` (a family such as `advice`). */
export const hasFamily = (prefix) => Object.keys(messages).some((key) => key.startsWith(`${prefix}.`));

/** The names under `prefix.` (one level: `advice.bad_key` gives `bad_key`). */
export const familyNames = (prefix) => [...new Set(Object.keys(messages)
  .filter((key) => key.startsWith(`${prefix}.`))
  .map((key) => key.slice(prefix.length + 1).split('.')[0]))];

/** The message `key` with `params`, in the current language; a missing key shows as itself. */
export function t(key, params = {}) {
  const message = messages[key];
  return message == null ? key : render(message, params, current);
}

/**
 * Words from Rust ({ key, params }) in the current language. Text already written (an older
 * backend, a file name) is shown as it is.
 */
export function say(words) {
  if (words == null) return '';
  if (typeof words === 'string') return words;
  return typeof words.key === 'string' ? t(words.key, words.params ?? {}) : '';
}

// One number format, date format and set of plural rules per language (and style): making one
// is far slower than using it, and every card writes numbers (its credits, its length) and dates.
const numberFormats = new Map();
const dateFormats = new Map();
const pluralRules = new Map();
const once = (cache, key, make) => {
  if (!cache.has(key)) cache.set(key, make());
  return cache.get(key);
};

/** A number as the language writes it, at most two decimals. */
export function number(n, lang = current) {
  return once(numberFormats, lang, () => new Intl.NumberFormat(lang, { maximumFractionDigits: 2 })).format(Number(n));
}

/** A moment (seconds since 1970) as the language writes it; `style`: Intl.DateTimeFormat's options. */
export function dateTime(seconds, style, lang = current) {
  const format = once(dateFormats, `${lang} ${JSON.stringify(style)}`, () => new Intl.DateTimeFormat(lang, style));
  return format.format(new Date(seconds * 1000));
}

/** A size in bytes, 1000-based: "3.4 MB". */
export function bytes(n, lang = current) {
  const { value, unit } = byteParts(n);
  return `${number(value, lang)} ${unit}`;
}

/** The index of the `}` closing the `{` at `start`, or -1. */
function closing(text, start) {
  let depth = 0;
  for (let i = start; i < text.length; i += 1) {
    if (text[i] === '{') depth += 1;
    else if (text[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

/** `message` with `params` filled in for `lang` (exported for the unit tests). */
export function render(message, params, lang) {
  let out = '';
  let i = 0;
  while (i < message.length) {
    const c = message[i];
    if ((c === '{' || c === '}') && message[i + 1] === c) {
      out += c;
      i += 2;
    } else if (c === '{') {
      const end = closing(message, i);
      if (end < 0) return out + message.slice(i);
      out += placeholder(message.slice(i + 1, end), params, lang);
      i = end + 1;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

function placeholder(inner, params, lang) {
  const first = inner.indexOf(',');
  const name = (first < 0 ? inner : inner.slice(0, first)).trim();
  const rest = first < 0 ? '' : inner.slice(first + 1);
  const second = rest.indexOf(',');
  const kind = (second < 0 ? rest : rest.slice(0, second)).trim();
  if (!Object.hasOwn(params, name) || params[name] === undefined) return `{${name}}`;
  const value = params[name];
  if (kind === 'bytes' && typeof value === 'number') return bytes(value, lang);
  if (kind === 'plural') return render(hashToNumber(choose(rest.slice(second + 1), Number(value), lang), Number(value), lang), params, lang);
  if (typeof value === 'number') return number(value, lang);
  return value == null ? '' : String(value);
}

/** The branch of `one {…} other {…} =0 {…}` for `n`: exact first, then the category, then other. */
function choose(options, n, lang) {
  const branches = new Map();
  let i = 0;
  while (i < options.length) {
    const open = options.indexOf('{', i);
    if (open < 0) break;
    const end = closing(options, open);
    if (end < 0) break;
    branches.set(options.slice(i, open).trim(), options.slice(open + 1, end));
    i = end + 1;
  }
  return branches.get(`=${n}`) ?? branches.get(once(pluralRules, lang, () => new Intl.PluralRules(lang)).select(n)) ?? branches.get('other') ?? '';
}

/** `#` outside nested braces is the number. */
function hashToNumber(branch, n, lang) {
  let depth = 0;
  let out = '';
  for (const c of branch) {
    if (c === '{') depth += 1;
    if (c === '}') depth = Math.max(0, depth - 1);
    out += c === '#' && depth === 0 ? number(n, lang) : c;
  }
  return out;
}
