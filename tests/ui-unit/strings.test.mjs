import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';

import { useLanguage } from '../support/words.mjs';
import { strings } from '../../ui/js/strings.js';

// These tests check the English words, whatever the run's language.
useLanguage('en');

const dir = new URL('../../ui/js/', import.meta.url);
const sources = readdirSync(dir).map((name) => ({ name, text: readFileSync(new URL(name, dir), 'utf8') }));

test('every data-i18n key in the page has a string', () => {
  const html = readFileSync(new URL('../../ui/index.html', import.meta.url), 'utf8');
  const keys = [...html.matchAll(/data-i18n(?:-label|-placeholder|-alt|-title)?="([^"]+)"/g)].map((m) => m[1]);
  assert.ok(keys.length > 50, 'the page uses translatable text');
  for (const key of keys) assert.equal(typeof strings[key], 'string', `missing string ${key}`);
});

test('every strings.<key> the modules use exists', () => {
  for (const { name, text } of sources) {
    if (name === 'strings.js') continue;
    for (const [, key] of text.matchAll(/\bstrings\.([A-Za-z_]+)/g)) {
      if (key === 'js') continue; // the file name, in imports and comments
      assert.ok(key in strings, `${name} uses strings.${key}, which does not exist`);
    }
  }
});

test('only ipc.js touches the Tauri global', () => {
  const touching = sources.filter(({ text }) => text.includes('__TAURI__')).map(({ name }) => name);
  assert.deepEqual(touching, ['ipc.js']);
});

test('no module writes HTML from strings or inline styles the CSP would block', () => {
  for (const { name, text } of sources) {
    assert.doesNotMatch(text, /\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML/, `${name} builds HTML from text`);
    assert.doesNotMatch(text, /setAttribute\(\s*['"]style['"]/, `${name} sets a style attribute`);
  }
  const html = readFileSync(new URL('../../ui/index.html', import.meta.url), 'utf8');
  assert.doesNotMatch(html, /\sstyle="|<style|<script(?![^>]*\ssrc=)/, 'no inline styles or scripts in the page');
});

test('every state, next step and advice has words', () => {
  for (const state of ['preparing', 'uploading', 'submitting', 'queued', 'generating', 'downloading', 'done', 'failed', 'outcome_unknown', 'expired']) {
    assert.equal(typeof strings.state[state], 'string', state);
  }
  for (const action of ['edit_prompt', 'choose_image', 'top_up', 'check_key', 'retry', 'look_again', 'restore_key']) {
    assert.equal(typeof strings.actions[action], 'string', action);
  }
  for (const advice of ['moderation_blocked', 'image_rejected', 'no_credits', 'bad_key', 'rate_limited', 'server_trouble',
    'network_down', 'model_unavailable', 'outcome_unknown', 'expired', 'other', 'checking', 'storage', 'key_missing', 'task_trouble']) {
    assert.equal(typeof strings.advice[advice], 'string', advice);
  }
});

test('counter, estimate and balance read as plain words', () => {
  assert.equal(strings.counter(1234, 5000), '1,234 / 5,000');
  assert.equal(strings.estimate(46.08), 'About 46.08 credits (estimate)');
  assert.equal(strings.balance(1234.5), '1,234.5 credits');
  assert.equal(strings.stats({ videos: 1, credits_used_total: 46.08, credits_used_30_days: 46.08 }), '1 video · 46.08 credits spent, 46.08 in the last 30 days');
});

test('link lifetime, in-flight notes and the paid-again question read as plain words', () => {
  assert.equal(strings.linkLasts('18:40', strings.timeLeft.hours(23)), 'Made; saving it. The link lasts until 18:40 (23 h left)');
  assert.equal(strings.inflightChange(3), '3 videos are being made with the current key and address. They finish there; only new videos use the new ones.');
  assert.match(strings.inflightChange(1), /^1 video is being made/);
  assert.equal(strings.retryConfirmRisk, 'If EvoLink did start the first one after all, you will pay for both.');
  // The app checks so nobody pays twice only where that is what happens: the automatic check.
  const said = readFileSync(new URL('../../ui/i18n/en/page.json', import.meta.url), 'utf8');
  assert.equal(said.match(/charged twice|pay twice/g)?.length, 1);
  assert.match(strings.advice.checking, /same video, so you are not charged twice/);
});

test('every code a picture can be refused with has advice on what to do next', () => {
  const rust = (path) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
  const preflight = rust('crates/preflight/src/error.rs');
  const list = /pub const CODES: &'static \[&'static str\] = &\[([^\]]*)\]/.exec(preflight);
  assert.ok(list, 'PreflightError::CODES is where the test looks for it');
  const codes = [...list[1].matchAll(/"([a-z_]+)"/g)].map((m) => m[1]);
  const service = [...rust('crates/service/src/pictures.rs').matchAll(/Problem::new\(\s*"([a-z_]+)"/g)].map((m) => m[1]);
  assert.ok(codes.length >= 15 && service.length >= 3, `${codes} ${service}`);
  for (const code of [...codes, ...service]) {
    assert.ok(strings.imageNext[code], `no advice for the picture code ${code}`);
  }
});
