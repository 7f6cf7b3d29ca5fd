import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { strings } from '../../ui/js/strings.js';

test('every data-i18n key in the page has a string', () => {
  const html = readFileSync(new URL('../../ui/index.html', import.meta.url), 'utf8');
  const keys = [...html.matchAll(/data-i18n="([^"]+)"/g)].map((m) => m[1]);
  assert.ok(keys.length > 5, 'the page uses translatable text');
  for (const key of keys) assert.equal(typeof strings[key], 'string', `missing string ${key}`);
});

test('only ipc.js touches the Tauri global', async () => {
  const { readdirSync } = await import('node:fs');
  const dir = new URL('../../ui/js/', import.meta.url);
  const touching = readdirSync(dir).filter((name) => readFileSync(new URL(name, dir), 'utf8').includes('__TAURI__'));
  assert.deepEqual(touching, ['ipc.js']);
});

test('counter and estimate read as plain words', () => {
  assert.equal(strings.counter(1234, 5000), '1,234 / 5,000');
  assert.equal(strings.estimate(46.08), 'About 46.08 credits (estimate)');
});
