// The app's words for every kind of test, from the same catalogues (ui/i18n/<lang>/page.json and
// backend.json) and renderer (ui/js/i18n.js) the page uses, so a test can say what a person should
// read without writing English into it. The one reader of ui/i18n for the tests: the unit tests
// (tests/ui-unit), the browser tests (tests/browser/helpers.mjs) and the real-app tests (tests/app).
//
// A run speaks the language of SORA_DESK_TEST_LANG (en, the default, or zh-CN): importing this
// makes strings.js speak it, as the page does after loadLanguage.
import { readFileSync } from 'node:fs';
import { LANGUAGES, render, useCatalogue } from '../../ui/js/i18n.js';

export { LANGUAGES };

/** The language of this test run: SORA_DESK_TEST_LANG, English unless set. */
export const testLanguage = process.env.SORA_DESK_TEST_LANG || 'en';
if (!LANGUAGES.includes(testLanguage)) {
  throw new Error(`SORA_DESK_TEST_LANG=${testLanguage} is not one of ${LANGUAGES.join(', ')}`);
}

/** ui/i18n/<lang>/<name>.json (`page` or `backend`). */
export function part(lang, name) {
  return JSON.parse(readFileSync(new URL(`../../ui/i18n/${lang}/${name}.json`, import.meta.url), 'utf8'));
}

const catalogues = new Map();
/** The whole catalogue of `lang`: page.json and backend.json, merged as loadLanguage merges them. */
export function catalogue(lang) {
  if (!catalogues.has(lang)) catalogues.set(lang, { ...part(lang, 'page'), ...part(lang, 'backend') });
  return catalogues.get(lang);
}

/** Makes strings.js (and i18n.js's `t` and `say`) speak `lang`, as the page does. */
export function useLanguage(lang = testLanguage) {
  useCatalogue(lang, catalogue(lang));
}

/** The message `key` with `params`, as the page shows it in `lang` (the run's language). */
export function words(key, params = {}, lang = testLanguage) {
  const message = catalogue(lang)[key];
  if (message == null) throw new Error(`no words for ${key} in ${lang}`);
  return render(message, params, lang);
}

/** `name` with the language appended when it is not English: screenshots of both runs coexist. */
export const inLanguage = (name) => (testLanguage === 'en' ? name : `${name}-${testLanguage}`);

useLanguage(testLanguage);
