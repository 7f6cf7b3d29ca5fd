import { test } from 'node:test';
import assert from 'node:assert/strict';

import { TaskList } from '../../ui/js/task-list.js';

const make = (n, fields = {}) => ({ id: `t${n}`, prompt: `video ${n}`, state: 'done', favourite: false, created_at: n, ...fields });
/** Tasks newest first, like listTasks: t{count-1} … t0. */
const all = (count) => Array.from({ length: count }, (_, i) => make(count - 1 - i));

function loaded(list, count, upTo = count) {
  const token = list.request(0);
  list.setPage(token, { tasks: all(count).slice(0, upTo), total: count });
  return list;
}

test('asks for the first page, then only the pages with missing items in view', () => {
  const list = new TaskList(100);
  assert.deepEqual(list.missingPages(0, 30), [0]);
  const token = list.request(0);
  assert.deepEqual(list.missingPages(0, 30), [], 'a page being fetched is not asked for again');
  list.setPage(token, { tasks: all(1000).slice(0, 100), total: 1000 });
  assert.equal(list.total, 1000);
  assert.deepEqual(list.missingPages(0, 30), []);
  assert.deepEqual(list.missingPages(90, 130), [100]);
  assert.deepEqual(list.missingPages(480, 520), [400, 500]);
  assert.deepEqual(list.missingPages(990, 1200), [900]);
  assert.equal(list.get(0).id, 't999');
});

test('an answer for an old query is dropped', () => {
  const list = new TaskList(100);
  const token = list.request(0);
  list.reset({ search: 'fox' });
  assert.equal(list.setPage(token, { tasks: all(3), total: 3 }), false);
  assert.equal(list.loaded, false);
});

test('a new task appears at once at the top, a changed one updates in place', () => {
  const list = loaded(new TaskList(100), 5);
  const fresh = make(10, { state: 'preparing' });
  assert.deepEqual(list.apply([fresh]), { changed: true, stale: false });
  assert.equal(list.total, 6);
  assert.equal(list.get(0).id, 't10');
  list.apply([{ ...fresh, state: 'generating', progress: 40 }]);
  assert.equal(list.total, 6);
  assert.equal(list.get(0).progress, 40);
  assert.equal(list.get(1).id, 't4');
});

test('a task that no longer matches the filter leaves, one that now matches comes in order', () => {
  const list = new TaskList(100);
  list.reset({ states: ['done'] });
  loaded(list, 5);
  list.apply([make(3, { state: 'failed' })]);
  assert.deepEqual(Array.from({ length: list.total }, (_, i) => list.get(i).id), ['t4', 't2', 't1', 't0']);
  list.apply([make(3)]);
  assert.deepEqual(Array.from({ length: list.total }, (_, i) => list.get(i).id), ['t4', 't3', 't2', 't1', 't0']);
});

test('a task that belongs among pages not loaded yet asks for a refresh instead of guessing', () => {
  const list = loaded(new TaskList(100), 500, 100);
  const older = make(-5);
  assert.deepEqual(list.apply([older]), { changed: false, stale: true });
  assert.equal(list.total, 500);
});

test('favourites, posters and deletions keep everything else in place', () => {
  const list = loaded(new TaskList(100), 4);
  list.replace({ ...list.get(2), favourite: true });
  assert.equal(list.get(2).favourite, true);
  assert.equal(list.remove('t2'), true);
  assert.equal(list.remove('nope'), false);
  assert.deepEqual(Array.from({ length: list.total }, (_, i) => list.get(i).id), ['t3', 't1', 't0']);
  assert.equal(list.indexOf('t0'), 2);
});

test('a late, older copy of a task does not overwrite the newer one', () => {
  const list = loaded(new TaskList(100), 3);
  list.apply([make(3, { state: 'failed', progress: 0 })]);
  assert.equal(list.get(0).state, 'failed');
  // The submit answer ("preparing") arrives after the event that says it failed.
  const { changed } = list.apply([make(3, { state: 'preparing', progress: 0 })]);
  assert.equal(changed, false);
  assert.equal(list.get(0).state, 'failed');
  assert.equal(list.total, 4);
});

test('a long scroll keeps only the tasks near the view, and what it forgot is fetched again', () => {
  const list = new TaskList(100);
  const tasks = all(10000);
  for (let offset = 0; offset < 10000; offset += 100) {
    list.setPage(list.request(offset), { tasks: tasks.slice(offset, offset + 100), total: 10000 });
    list.forgetFar(offset, offset + 20);
  }
  const kept = Object.keys(list.items).map(Number);
  assert.ok(kept.length <= 300, `at most three pages kept (${kept.length})`);
  assert.ok(kept.every((i) => i >= 9700), 'only those near the end');
  assert.equal(list.get(9950).id, tasks[9950].id);
  assert.equal(list.get(0), undefined);
  assert.deepEqual(list.missingPages(0, 30), [0], 'the top is fetched again when it comes back');
  assert.equal(list.total, 10000);
});

test('an answer asked for before a change cannot undo it: the change is newer', () => {
  const list = loaded(new TaskList(100), 3);
  // The page is asked for again; meanwhile the newest video gets its still, and the answer,
  // read before that, comes after it.
  const token = list.request(0);
  list.apply([make(2, { poster_url: 'still-of-t2' })]);
  assert.equal(list.setPage(token, { tasks: all(3), total: 3 }), true);
  assert.equal(list.get(0).poster_url, 'still-of-t2');
  // Once nothing is on its way, the next answer is the newest copy there is.
  list.setPage(list.request(0), { tasks: [make(2, { poster_url: 'again' }), ...all(2)], total: 3 });
  assert.equal(list.get(0).poster_url, 'again');
});

test('a change heard before a page was asked for does not override its answer', () => {
  const list = loaded(new TaskList(100), 3);
  list.apply([make(2, { poster_url: 'first' })]);
  list.setPage(list.request(0), { tasks: [make(2, { poster_url: 'second' }), ...all(2)], total: 3 });
  assert.equal(list.get(0).poster_url, 'second');
});

test('a task deleted while its page was on its way is not brought back; its place is fetched again', () => {
  const list = loaded(new TaskList(100), 3);
  const token = list.request(0);
  list.remove('t1');
  list.setPage(token, { tasks: all(3), total: 3 });
  assert.equal(list.indexOf('t1'), -1);
  assert.deepEqual(list.missingPages(0, 3), [0], 'the emptied place is asked for again');
});

test('a failed fetch, the last on its way, lets go of the changes kept for it', () => {
  const list = loaded(new TaskList(100), 3);
  const token = list.request(0);
  list.apply([make(2, { poster_url: 'still-of-t2' })]);
  assert.equal(list.heard.size, 1);
  list.failPage(token);
  assert.equal(list.heard.size, 0, 'nothing is on its way: nothing to keep changes for');
  assert.deepEqual(list.missingPages(0, 3), [], 'the loaded page stays');
  assert.equal(list.get(0).poster_url, 'still-of-t2');
});

test('a refresh covers every page the view touches', () => {
  const list = new TaskList(100);
  assert.deepEqual(list.pagesOf(0, 1), [0]);
  assert.deepEqual(list.pagesOf(90, 110), [0, 100], 'a view across two pages refreshes both');
  assert.deepEqual(list.pagesOf(250, 420), [200, 300, 400]);
});

test('a page fetched again puts a task that moved in its new place only', () => {
  const list = loaded(new TaskList(5), 5);
  // t3 left: the page fetched again holds the others, each one place earlier.
  const refreshed = all(5).filter((task) => task.id !== 't3');
  assert.equal(list.setPage(list.request(0), { tasks: refreshed, total: 4 }), true);
  assert.deepEqual([0, 1, 2, 3, 4].map((i) => list.get(i)?.id), ['t4', 't2', 't1', 't0', undefined]);
});

test('a change heard before the first page came is kept', () => {
  const list = new TaskList(100);
  const token = list.request(0);
  assert.deepEqual(list.apply([make(2, { state: 'failed' })]), { changed: false, stale: true });
  list.setPage(token, { tasks: all(3), total: 3 });
  assert.equal(list.get(0).state, 'failed');
});
