import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dateTime, render, webviewLanguage } from '../../ui/js/i18n.js';

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

test('dates are written as the language writes them, each style kept apart', () => {
  const at = Date.UTC(2026, 11, 3, 4, 7) / 1000;
  const clock = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC' };
  const day = { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' };
  assert.equal(dateTime(at, clock, 'en'), '04:07');
  assert.equal(dateTime(at, day, 'en'), 'Dec 3, 2026');
  assert.equal(dateTime(at, day, 'zh-CN'), '2026年12月3日');
  // The same style again, and another moment: the kept format is the one of that language and style.
  assert.equal(dateTime(at + 86400, day, 'en'), 'Dec 4, 2026');
  assert.equal(dateTime(at, clock, 'en'), '04:07');
});
