// The compose panel's reading of model entries, checked against the app's real manifest
// (crates/models/models.json), so a new or changed model is covered without touching this file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import {
  accepts, acceptsDuration, badges, fitChoices, groupByFamily, hasExactFrames, isRange, lastSlotOpen, pictureDecidesShape,
  pictureRoles, promptLimit, requestChoices, shapeBox, startingModel, orientationOf,
} from '../../ui/js/models.js';
import { useLanguage } from '../support/words.mjs';
import { strings } from '../../ui/js/strings.js';

// These tests check the English words, whatever the run's language.
useLanguage('en');

const manifest = JSON.parse(readFileSync(new URL('../../crates/models/models.json', import.meta.url), 'utf8'));
const model = (id) => manifest.models.find((m) => m.id === id);
const listed = (unavailable = {}) => ({
  ...manifest,
  models: manifest.models.map((m) => ({ ...m, available: !(m.id in unavailable), unavailable_reason: unavailable[m.id] ?? null })),
});

const sora = model('sora-2-preview');
const kling = model('kling-v3');
const wan = model('wan3.0');
const minimax = model('minimax-h3');

test('every model’s defaults are choices it accepts', () => {
  for (const m of manifest.models) {
    const { choices, changed } = fitChoices(m);
    assert.deepEqual(changed, [], m.id);
    for (const [field, value] of Object.entries(choices)) assert.ok(accepts(m, field, value), `${m.id} ${field}=${value}`);
  }
});

test('lengths are a set or a range, with the model’s own "let it choose" value', () => {
  assert.equal(isRange(sora), false);
  assert.equal(isRange(kling), true);
  assert.equal(acceptsDuration(sora, 8), true);
  assert.equal(acceptsDuration(sora, 10), false);
  assert.equal(acceptsDuration(kling, 3), true);
  assert.equal(acceptsDuration(kling, 16), false);
  assert.equal(acceptsDuration(kling, 7.5), false);
  assert.equal(acceptsDuration(wan, wan.duration.auto.value), true);
  assert.equal(acceptsDuration(kling, -1), false);
});

test('switching model keeps what still fits, else the remembered choice, else the default, and says what changed', () => {
  const fromKling = { duration: 10, quality: '1080p', aspect: '1:1', audio: true };
  const toSora = fitChoices(sora, fromKling);
  assert.deepEqual(toSora.choices, { duration: 4, aspect: '16:9' });
  assert.deepEqual(toSora.changed, [
    { field: 'aspect', from: '1:1', to: '16:9' },
    { field: 'duration', from: 10, to: 4 },
    { field: 'quality', from: '1080p', to: null },
    { field: 'audio', from: true, to: null },
  ]);
  const remembered = fitChoices(sora, fromKling, { duration: 12, aspect: '9:16' });
  assert.deepEqual(remembered.choices, { duration: 12, aspect: '9:16' });
  // Kling takes 10 s, 1080p and sound: all kept; Sora's shape is Kling's too.
  const back = fitChoices(kling, { duration: 10, aspect: '16:9', quality: '1080p', audio: true });
  assert.deepEqual(back, { choices: { aspect: '16:9', duration: 10, quality: '1080p', audio: true }, changed: [] });
  // A remembered choice the model no longer takes is not used.
  assert.equal(fitChoices(kling, {}, { quality: '8k' }).choices.quality, kling.quality.default);
});

test('choices sent are only those the model has; a seed must be a whole number in its range', () => {
  const veo = model('veo-3.1-fast-generate-preview');
  assert.deepEqual(requestChoices(sora, { duration: 8, aspect: '16:9', audio: true }, { seed: '7', negative_prompt: 'blur' }),
    { choices: { duration: 8, aspect: '16:9' }, problem: null });
  assert.deepEqual(requestChoices(veo, { duration: 6, aspect: '9:16', quality: '4k', audio: false }, { seed: ' 42 ', negative_prompt: ' blur ' }),
    { choices: { aspect: '9:16', duration: 6, quality: '4k', audio: false, seed: 42, negative_prompt: 'blur' }, problem: null });
  assert.deepEqual(requestChoices(veo, { duration: 4 }, { seed: '0' }).problem, { field: 'seed' }, 'Veo’s seeds start at 1');
  assert.deepEqual(requestChoices(veo, { duration: 4 }, { seed: '4.5' }).problem, { field: 'seed' });
  assert.equal(requestChoices(wan, { duration: 4 }, { seed: '0' }).choices.seed, 0);
});

test('a last frame goes with a first picture, or alone where the model allows it', () => {
  assert.deepEqual(pictureRoles(sora, { first: true, last: true }), { first: true, last: false });
  assert.deepEqual(pictureRoles(kling, { first: true, last: true }), { first: true, last: true });
  assert.deepEqual(pictureRoles(kling, { first: false, last: true }), { first: false, last: false });
  assert.deepEqual(pictureRoles(minimax, { first: false, last: true }), { first: false, last: true });
  assert.equal(lastSlotOpen(kling, false), false);
  assert.equal(lastSlotOpen(kling, true), true);
  assert.equal(lastSlotOpen(minimax, false), true);
  assert.equal(lastSlotOpen(sora, true), false);
});

test('pictures decide the shape where the model leaves the shape out with pictures', () => {
  assert.equal(pictureDecidesShape(kling, true), true);
  assert.equal(pictureDecidesShape(kling, false), false);
  assert.equal(pictureDecidesShape(sora, true), false);
  assert.equal(hasExactFrames(sora), true);
  assert.equal(hasExactFrames(kling), false);
});

test('the picker’s badges and groups come from the entries', () => {
  assert.deepEqual(badges(sora), { sound: true, lastFrame: false, longest: 12, best: null });
  assert.deepEqual(badges(kling), { sound: true, lastFrame: true, longest: 15, best: '4k' });
  assert.deepEqual(badges(minimax), { sound: false, lastFrame: true, longest: 15, best: '2k' });
  assert.equal(badges(wan).longest, 30);
  const groups = groupByFamily(manifest.families, manifest.models);
  assert.deepEqual(groups.map((g) => g.family.id), manifest.families.map((f) => f.id));
  assert.equal(groups.flatMap((g) => g.models).length, manifest.models.length, 'every model is in a group');
  assert.equal(promptLimit(kling), 2500);
  assert.equal(promptLimit(model('grok-imagine-video-1.0')), null);
});

test('compose opens on the wanted model, or the default when it is not available, and says so', () => {
  assert.equal(startingModel(listed(), 'kling-v3').model.id, 'kling-v3');
  const off = startingModel(listed({ 'kling-v3': 'Not offered to your key.' }), 'kling-v3');
  assert.equal(off.model.id, manifest.default);
  assert.equal(off.fellBack, true);
  assert.equal(off.wanted.id, 'kling-v3');
  assert.equal(startingModel(listed(), 'a-model-long-gone').model.id, manifest.default);
  assert.equal(startingModel(listed(), null).fellBack, false);
  const noDefault = startingModel(listed({ [manifest.default]: 'Retired.' }), manifest.default);
  assert.notEqual(noDefault.model.id, manifest.default);
  assert.equal(noDefault.model.available, true);
});

test('shapes are drawn to their ratio; "auto" has none', () => {
  assert.deepEqual(shapeBox('16:9'), { width: 22, height: 12 });
  assert.deepEqual(shapeBox('9:16'), { width: 12, height: 22 });
  assert.deepEqual(shapeBox('1:1'), { width: 22, height: 22 });
  assert.equal(shapeBox('adaptive'), null);
  assert.equal(orientationOf('21:9'), 'landscape');
  assert.equal(orientationOf('3:4'), 'portrait');
});

test('every shape, quality and length of every model reads as words', () => {
  for (const m of manifest.models) {
    for (const aspect of m.aspect.values) {
      assert.ok(strings.aspectName(aspect), `${m.id} ${aspect}`);
      assert.ok(strings.aspectDetail(aspect), `${m.id} ${aspect}`);
    }
    for (const q of m.quality?.values ?? []) assert.match(strings.qualityName(q), /^\d+(p|K)$/, `${m.id} ${q}`);
  }
  assert.equal(strings.lengthsInWords(sora.duration), '4, 8 or 12 s');
  assert.equal(strings.lengthsInWords(kling.duration), '3 to 15 s');
  assert.equal(strings.qualityName('4k'), '4K');
  assert.equal(strings.switched.duration('Sora 2', '4, 8 or 12 s', '4 s'), 'Sora 2 makes 4, 8 or 12 s: length set to 4 s.');
  assert.equal(strings.switched.qualityGone('Sora 2'), 'Quality is not a choice for Sora 2.');
});
