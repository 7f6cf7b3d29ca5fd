import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { render, webviewLanguage } from '../../ui/js/i18n.js';

const cases = JSON.parse(readFileSync(new URL('../contract/render-cases.json', import.meta.url)));

test('the page renders the shared cases as Rust does', () => {
  assert.ok(cases.length > 10);
  for (const { lang, message, params, expected } of cases) assert.equal(render(message, params, lang), expected, message);
});

test('without the backend, the page speaks the first of the webview\'s languages it knows', () => {
  assert.equal(webviewLanguage(['zh-CN', 'en-US']), 'zh-CN');
  assert.equal(webviewLanguage(['zh']), 'zh-CN');
  assert.equal(webviewLanguage(['zh-Hans-CN']), 'zh-CN');
  assert.equal(webviewLanguage(['fr-FR', 'zh-SG', 'en']), 'zh-CN');
  assert.equal(webviewLanguage(['en-GB', 'zh-CN']), 'en');
  // Traditional Chinese is not Simplified: English, the fallback, rather than the wrong script.
  assert.equal(webviewLanguage(['zh-TW']), 'en');
  assert.equal(webviewLanguage(['de-DE']), 'en');
  assert.equal(webviewLanguage([]), 'en');
});
