// ipc.js and the browser tests' fake backend offer the same exports (docs/IPC.md), so the UI
// tested against the fake is the UI that runs against the app.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const exportsOf = (path) => {
  const text = readFileSync(new URL(path, import.meta.url), 'utf8');
  return [...text.matchAll(/^export (?:const|async function|function) (\w+)/gm)].map((m) => m[1]).sort();
};

test('the fake backend has every export of ipc.js, and no other command or event', () => {
  const real = exportsOf('../../ui/js/ipc.js');
  const fake = exportsOf('../browser/fake-ipc.js').filter((name) => name !== 'makeTask');
  assert.deepEqual(fake, real);
  for (const name of ['openBatchFile', 'planBatch', 'submitBatch', 'queueStatus', 'pauseQueue', 'reorderQueue', 'stopTask', 'clearFailed', 'onQueueChanged']) {
    assert.ok(real.includes(name), name);
  }
});
