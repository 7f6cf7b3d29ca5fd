// Selecting videos in the gallery for bulk actions: which click means what, and the set of
// selected ids with the anchor a Shift-click extends from. Pure (no DOM, no backend), tested with
// `node --test`; gallery.js wires it to the cards.

/**
 * What a click on a card means: 'range' (Shift), 'toggle' (Ctrl or Cmd, or any click once
 * something is selected, so a selection grows by clicking), or 'open' (the detail view).
 */
export function clickIntent({ shift = false, toggle = false, selecting = false } = {}) {
  if (shift) return 'range';
  if (toggle || selecting) return 'toggle';
  return 'open';
}

/** The ids of the loaded tasks between two indices of `items` (either order, both included). */
export function idsBetween(items, a, b) {
  const ids = [];
  for (let i = Math.min(a, b); i <= Math.max(a, b); i += 1) {
    if (items[i]) ids.push(items[i].id);
  }
  return ids;
}

export class Selection {
  constructor() {
    this.ids = new Set();
    this.anchor = null; // the id a Shift-click extends from: the last one toggled
  }

  get size() {
    return this.ids.size;
  }

  has(id) {
    return this.ids.has(id);
  }

  toggle(id) {
    if (this.ids.has(id)) this.ids.delete(id);
    else this.ids.add(id);
    this.anchor = id;
  }

  /**
   * Shift-click on the task at `index` of `items`: selects every loaded task from the anchor to it.
   * Without an anchor still in the list, it selects that one task (and it becomes the anchor).
   */
  extend(items, index) {
    const from = this.anchor == null ? -1 : items.findIndex((task) => task?.id === this.anchor);
    if (from === -1) {
      const id = items[index]?.id;
      if (id != null) {
        this.ids.add(id);
        this.anchor = id;
      }
      return;
    }
    for (const id of idsBetween(items, from, index)) this.ids.add(id);
  }

  /** Forgets ids (deleted or gone from the list); the anchor too if it was one of them. */
  remove(...ids) {
    for (const id of ids) {
      this.ids.delete(id);
      if (this.anchor === id) this.anchor = null;
    }
  }

  clear() {
    this.ids.clear();
    this.anchor = null;
  }
}
