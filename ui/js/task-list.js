// The gallery's model: a sparse, paged window onto the backend's task list for one query
// (filter, search, favourites), kept current by the live `tasks-changed` events. Pure (no DOM,
// no backend), so it is tested with `node --test`; gallery.js does the fetching and drawing.

import { isOlder, matchesQuery, newerFirst } from './tasks.js';

export class TaskList {
  constructor(pageSize = 100) {
    this.pageSize = pageSize;
    this.reset({});
  }

  /** Starts over for a new query: nothing loaded, size unknown. */
  reset(query) {
    this.query = query;
    this.items = []; // sparse: a hole is an item not loaded yet
    this.total = null;
    this.pending = new Set();
    this.generation = (this.generation ?? 0) + 1;
    // Copies heard (changes, deletions) while a page was being fetched: that page's answer may
    // have been read before them and must not undo them. `clock` orders them against requests.
    this.heard = new Map(); // id → { task (null once deleted), clock }
    this.clock = 0;
  }

  get loaded() {
    return this.total !== null;
  }

  get(index) {
    return this.items[index];
  }

  indexOf(id) {
    return this.items.findIndex((task) => task?.id === id);
  }

  /** Offsets of the pages that hold [first, last). */
  pagesOf(first, last) {
    const offsets = [];
    for (let page = Math.floor(first / this.pageSize) * this.pageSize; page < last; page += this.pageSize) offsets.push(page);
    return offsets;
  }

  /** Offsets of the pages that hold a missing item in [first, last) and are not being fetched. */
  missingPages(first, last) {
    if (this.total === null) return this.pending.size > 0 ? [] : this.pagesOf(first, first + 1);
    const end = Math.min(last, this.total);
    return this.pagesOf(first, end).filter((page) => {
      if (this.pending.has(page)) return false;
      for (let i = Math.max(page, first); i < Math.min(page + this.pageSize, end); i += 1) {
        if (!(i in this.items)) return true;
      }
      return false;
    });
  }

  /** Notes that a page is being fetched; returns a token to hand back to `setPage`. */
  request(offset) {
    this.pending.add(offset);
    return { offset, generation: this.generation, clock: this.clock };
  }

  /** Stores an answer of listTasks; an answer for an older query is dropped. Returns whether it was used. */
  setPage(token, { tasks, total }) {
    if (token.generation !== this.generation) return false;
    this.pending.delete(token.offset);
    this.total = total;
    if (this.items.length > total) this.items.length = total;
    tasks.forEach((answered, i) => {
      const index = token.offset + i;
      if (index >= total) return;
      // A copy heard since this page was asked for (an event, or the answer to the person's own
      // change) is newer than the answer's, which may have been read before it. If the task
      // has left the list since, its place stays empty: it is fetched again, and that answer
      // knows where everything is now.
      const heard = this.heard.get(answered.id);
      const since = heard && heard.clock > token.clock;
      if (since && !(heard.task && matchesQuery(heard.task, this.query))) return;
      const task = since ? heard.task : answered;
      const elsewhere = this.indexOf(task.id);
      if (elsewhere !== -1 && elsewhere !== index) delete this.items[elsewhere];
      this.items[index] = task;
    });
    if (this.pending.size === 0) this.heard.clear();
    return true;
  }

  /** Keeps a change for the answers still on their way (see setPage). */
  hear(id, task) {
    this.clock += 1;
    if (this.pending.size > 0) this.heard.set(id, { task, clock: this.clock });
  }

  /**
   * Forgets the loaded tasks more than `margin` places away from [first, last): a long scroll
   * through a big library keeps only what is near the view (the rest is fetched again if it comes
   * back), so the page's memory stays flat however far the person scrolls.
   */
  forgetFar(first, last, margin = this.pageSize * 2) {
    const from = first - margin;
    const to = last + margin;
    for (const key of Object.keys(this.items)) {
      const index = Number(key);
      if (index < from || index >= to) delete this.items[index];
    }
  }

  /** Forgets a failed fetch so it is tried again. */
  failPage(token) {
    if (token.generation !== this.generation) return;
    this.pending.delete(token.offset);
    if (this.pending.size === 0) this.heard.clear();
  }

  /**
   * Applies tasks as they now are: known ones are updated in place (or leave the list when they
   * no longer match its query), new matching ones go where the newest-first order puts them.
   * Returns { changed, stale }: `stale` means a task belongs somewhere not loaded yet, so the
   * caller should fetch the visible pages again.
   */
  apply(tasks) {
    let changed = false;
    let stale = false;
    if (!this.loaded) {
      for (const task of tasks) this.hear(task.id, task);
      return { changed, stale: tasks.length > 0 };
    }
    for (const task of tasks) {
      const index = this.indexOf(task.id);
      // An answer and an event can cross: never let an older copy undo a newer one.
      if (index !== -1 && isOlder(task, this.items[index])) continue;
      this.hear(task.id, task);
      const belongs = matchesQuery(task, this.query);
      if (index !== -1) {
        if (belongs) this.items[index] = task;
        else this.removeAt(index);
        changed = true;
      } else if (belongs) {
        const at = this.insertionPoint(task);
        if (at === null) stale = true;
        else {
          this.items.splice(at, 0, task);
          this.total += 1;
          changed = true;
        }
      }
    }
    return { changed, stale };
  }

  /** Replaces a task that the person changed (favourite, poster), keeping its place. */
  replace(task) {
    return this.apply([task]).changed;
  }

  /** Takes a deleted task out. */
  remove(id) {
    this.hear(id, null);
    const index = this.indexOf(id);
    if (index === -1) return false;
    this.removeAt(index);
    return true;
  }

  removeAt(index) {
    this.items.splice(index, 1);
    this.total -= 1;
  }

  /** Where a new task goes among the loaded run at the top of the list, or null when unknown. */
  insertionPoint(task) {
    for (let i = 0; i <= this.total; i += 1) {
      if (i === this.total) return i;
      if (!(i in this.items)) return null;
      if (newerFirst(task, this.items[i]) < 0) return i;
    }
    return null;
  }
}
