import { test } from 'node:test';
import assert from 'node:assert/strict';

import { cellPosition, contentHeight, gridLayout, pageOffsets, scrollToReveal, visibleRange } from '../../ui/js/vgrid.js';
import { centredCrop, isMovable, keyStep, moveCrop, regionToCrop, roundCrop } from '../../ui/js/crop.js';

test('columns follow the width and cards share it', () => {
  const wide = gridLayout({ width: 800, minCardWidth: 220, gap: 16, infoHeight: 60 });
  assert.equal(wide.columns, 3);
  assert.equal(wide.cardWidth, 256);
  assert.equal(wide.cardHeight, 144 + 60);
  assert.equal(wide.rowHeight, 220);
  assert.equal(gridLayout({ width: 100 }).columns, 1);
  assert.equal(gridLayout({ width: 0 }).columns, 1);
});

test('only the rows in view, plus one either side, are drawn', () => {
  const layout = gridLayout({ width: 800, minCardWidth: 220, gap: 16, infoHeight: 60 });
  assert.deepEqual(visibleRange({ scrollTop: 0, viewportHeight: 500, total: 10000, layout }), { first: 0, last: 12 });
  const middle = visibleRange({ scrollTop: 220 * 1000, viewportHeight: 500, total: 10000, layout });
  assert.deepEqual(middle, { first: 2997, last: 3012 });
  const rows = Math.ceil(10000 / 3);
  const end = visibleRange({ scrollTop: contentHeight(10000, layout) - 500, viewportHeight: 500, total: 10000, layout });
  assert.equal(end.last, 10000);
  assert.ok(end.last - end.first <= 15);
  assert.equal(contentHeight(10000, layout), rows * 220 - 16);
  assert.equal(contentHeight(0, layout), 0);
  assert.deepEqual(visibleRange({ scrollTop: 0, viewportHeight: 500, total: 0, layout }), { first: 0, last: 0 });
});

test('cells are placed on the grid and revealed with the least scrolling', () => {
  const layout = gridLayout({ width: 800, minCardWidth: 220, gap: 16, infoHeight: 60 });
  assert.deepEqual(cellPosition(4, layout), { x: 272, y: 220 });
  assert.equal(scrollToReveal(4, { scrollTop: 0, viewportHeight: 500, layout }), null);
  assert.equal(scrollToReveal(9, { scrollTop: 0, viewportHeight: 500, layout }), 660 + 204 - 500);
  assert.equal(scrollToReveal(0, { scrollTop: 300, viewportHeight: 500, layout }), 0);
  assert.deepEqual(pageOffsets(150, 420, 100), [100, 200, 300, 400]);
  assert.deepEqual(pageOffsets(0, 0, 100), []);
});

test('the crop window is a fraction of the upright picture and stays inside it', () => {
  const source = { upright_width: 4032, upright_height: 3024 };
  const crop = regionToCrop({ x: 0, y: 378, width: 4032, height: 2268 }, source);
  assert.deepEqual(roundCrop(crop), { x: 0, y: 0.125, width: 1, height: 0.75 });
  assert.equal(isMovable(crop), true);
  assert.equal(isMovable({ x: 0, y: 0, width: 1, height: 1 }), false);
  assert.deepEqual(roundCrop(moveCrop(crop, 0.5, -0.05)), { x: 0, y: 0.075, width: 1, height: 0.75 });
  assert.deepEqual(roundCrop(moveCrop(crop, 0, 0.9)), { x: 0, y: 0.25, width: 1, height: 0.75 });
  assert.deepEqual(keyStep('ArrowUp', false), { dx: 0, dy: -0.02 });
  assert.deepEqual(keyStep('ArrowRight', true), { dx: 0.1, dy: 0 });
  assert.equal(keyStep('Enter', false), null);
});

test('a centred crop fills the frame of either shape', () => {
  assert.deepEqual(roundCrop(centredCrop(4032, 3024, 16 / 9)), { x: 0, y: 0.125, width: 1, height: 0.75 });
  assert.deepEqual(roundCrop(centredCrop(1920, 1080, 9 / 16)), { x: 0.3418, y: 0, width: 0.3164, height: 1 });
});
