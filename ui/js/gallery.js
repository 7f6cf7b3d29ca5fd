// The gallery: a virtualised grid (only the rows in view are in the DOM) over a paged, live task
// list, with filters, search, favourites, spend totals, poster frames grabbed once per video, and
// a selection of cards for bulk actions (selection.js says what each click means).

import * as ipc from './ipc.js';
import { strings } from './strings.js';
import { $, fill, h, show, unloadPictures } from './dom.js';
import { announce, messageOf, toast } from './announce.js';
import { TaskList } from './task-list.js';
import { FILTERS, phase } from './tasks.js';
import { cellPosition, contentHeight, gridLayout, visibleRange } from './vgrid.js';
import { createCard, placeholderCard, setSelected, timingText, updateCard, linkText } from './card.js';
import { Selection, clickIntent } from './selection.js';
import { takesAround } from './takes.js';
import { askConfirm } from './confirm-dialog.js';

const byTestId = (id) => $(`[data-testid="${id}"]`);
const PAGE = 100;
const now = () => Date.now() / 1000;

export function createGallery({ onOpen, onAction, onStop, onSelectionChange = () => {} }) {
  const ui = {
    scroller: byTestId('gallery'),
    grid: $('.gallery-grid'),
    empty: byTestId('gallery-empty'),
    noMatch: byTestId('gallery-no-match'),
    stats: byTestId('gallery-stats'),
    search: byTestId('search'),
    favourites: byTestId('favourites-only'),
    clearFailed: byTestId('clear-failed'),
  };
  const selection = new Selection();
  let failedCount = 0;
  const list = new TaskList(PAGE);
  const cards = new Map(); // task id or "slot-<index>" → element
  let layout = gridLayout({ width: ui.scroller.clientWidth });
  let frame = 0;
  let searchTimer = 0;
  let statsTimer = 0;
  let announceCount = false;
  let loadError = null;

  function query() {
    return {
      states: FILTERS[$('input[name="filter"]:checked').value],
      search: ui.search.value.trim(),
      favourites_only: ui.favourites.getAttribute('aria-pressed') === 'true',
    };
  }

  // Fetching

  async function fetchPage(offset) {
    const token = list.request(offset);
    try {
      const answer = await ipc.listTasks({ ...list.query, offset, limit: PAGE });
      loadError = null;
      if (list.setPage(token, answer)) schedule();
    } catch (error) {
      list.failPage(token);
      loadError = error;
      schedule();
    }
  }

  function reload({ keepScroll = false } = {}) {
    // A selection is of the videos on show: another filter or search starts a new one.
    if (selection.size > 0) {
      selection.clear();
      selectionChanged();
    }
    list.reset(query());
    for (const element of cards.values()) removeCard(element);
    cards.clear();
    announceCount = true;
    // At the top, the first page is the one wanted: it is asked for now rather than at the
    // next frame's draw, which at start comes only once the rest of the page is drawn.
    if (!keepScroll) {
      ui.scroller.scrollTop = 0;
      fetchPage(0);
    }
    schedule();
  }

  /**
   * Fetches again what is on screen, keeping cards and scroll (after a change we could not
   * place). Each answer puts every task of its page where it now is (setPage moves a task found
   * elsewhere), so nothing needs clearing first.
   */
  function refreshVisible() {
    const { first, last } = range();
    for (const offset of list.pagesOf(first, Math.max(last, first + 1))) fetchPage(offset);
  }

  // Drawing

  function schedule() {
    if (!frame) frame = requestAnimationFrame(() => { frame = 0; draw(); });
  }

  function range() {
    if (!list.loaded) return { first: 0, last: 0 };
    return visibleRange({ scrollTop: ui.scroller.scrollTop, viewportHeight: ui.scroller.clientHeight, total: list.total, layout });
  }

  function draw() {
    const width = ui.grid.clientWidth || ui.scroller.clientWidth;
    layout = gridLayout({ width, minCardWidth: width < 600 ? 180 : 220 });
    ui.scroller.style.setProperty('--card-width', `${layout.cardWidth}px`);
    const total = list.total ?? 0;
    ui.grid.style.height = `${contentHeight(total, layout)}px`;
    const nothing = list.loaded && total === 0;
    const filtered = nothing && (list.query.states.length > 0 || list.query.search || list.query.favourites_only);
    show(ui.empty, nothing && !filtered);
    show(ui.noMatch, Boolean(filtered));
    showLoadError();
    const { first, last } = range();
    for (const offset of list.missingPages(first, Math.max(last, first + 1))) fetchPage(offset);
    placeCards(first, last);
    list.forgetFar(first, last);
    if (announceCount && list.loaded) {
      announceCount = false;
      if (list.query.search || list.query.states.length || list.query.favourites_only) announce(strings.announce.results(total));
    }
  }

  function removeCard(element) {
    unloadPictures(element);
    element.remove();
  }

  function placeCards(first, last) {
    const wanted = new Map();
    const time = now();
    let previous = null;
    for (let index = first; index < last; index += 1) {
      const task = list.get(index);
      const key = task ? task.id : `slot-${index}`;
      let element = cards.get(key);
      if (!element) {
        element = task ? createCard({ onOpen: cardClicked, onSelect: selectClicked, onFavourite: toggleFavourite, onStop: (t) => onStop([t]) }) : placeholderCard();
        element.dataset.index = index;
      }
      if (task) {
        const takes = takesAround(list.items, index);
        if (element.task !== task || element.takes !== takes) {
          element.takes = takes;
          updateCard(element, task, time, onAction, { selected: selection.has(task.id), takes });
        }
      }
      element.setAttribute('aria-posinset', index + 1);
      element.setAttribute('aria-setsize', list.total);
      const { x, y } = cellPosition(index, layout);
      element.style.transform = `translate(${x}px, ${y}px)`;
      element.style.width = `${layout.cardWidth}px`;
      element.style.height = `${layout.cardHeight}px`;
      // Keep DOM order = list order without moving cards already in place (moving blurs them).
      const expected = previous ? previous.nextElementSibling : ui.grid.firstElementChild;
      if (element !== expected) {
        if (previous) previous.after(element);
        else ui.grid.prepend(element);
      }
      previous = element;
      wanted.set(key, element);
    }
    for (const [key, element] of cards) if (!wanted.has(key)) removeCard(element);
    cards.clear();
    for (const [key, element] of wanted) cards.set(key, element);
  }

  function showLoadError() {
    let banner = $('.gallery-error', ui.scroller);
    if (!loadError) {
      banner?.remove();
      return;
    }
    if (!banner) {
      banner = h('div', { class: 'gallery-error', role: 'alert', testid: 'gallery-error' });
      ui.scroller.prepend(banner);
    }
    fill(banner,
      h('p', { text: strings.loadFailed(messageOf(loadError)) }),
      h('button', { type: 'button', class: 'small', text: strings.tryAgain, onclick: () => { loadError = null; reload(); } }));
  }

  /** Updates the elapsed time, time left and link lifetime on visible active cards, once a second. */
  function tick() {
    const time = now();
    for (const element of cards.values()) {
      const task = element.task;
      if (!task || phase(task.state) !== 'active') continue;
      const eta = element.querySelector('[data-testid="task-eta"]');
      if (eta) eta.textContent = timingText(task, time);
      // The link's time left counts down too (and says when it has run out).
      const link = element.querySelector('[data-testid="link-expires"]');
      if (link) link.textContent = linkText(task, time);
    }
  }

  // Selecting

  function cardClicked(task, event) {
    const intent = clickIntent({ shift: event.shiftKey, toggle: event.ctrlKey || event.metaKey, selecting: selection.size > 0 });
    if (intent === 'open') onOpen(task);
    else select(task, intent);
  }

  /** The checkbox, or Space on the focused card: Shift extends from the last one toggled. */
  function selectClicked(task, event) {
    select(task, event.shiftKey ? 'range' : 'toggle');
  }

  function select(task, intent) {
    if (intent === 'range') selection.extend(list.items, list.indexOf(task.id));
    else selection.toggle(task.id);
    selectionChanged();
    announce(strings.announce.selected(selection.size));
  }

  function selectedTasks() {
    return [...selection.ids].map((id) => list.get(list.indexOf(id))).filter(Boolean);
  }

  function selectionChanged() {
    // Ids that left the list (deleted, or no longer matching) are no longer selected.
    selection.remove(...[...selection.ids].filter((id) => list.indexOf(id) === -1));
    ui.grid.classList.toggle('selecting', selection.size > 0);
    for (const element of cards.values()) if (element.task) setSelected(element, selection.has(element.task.id));
    onSelectionChange(selectedTasks());
  }

  function clearSelection() {
    if (selection.size === 0) return;
    selection.clear();
    selectionChanged();
  }

  // Changes

  function apply(tasks) {
    const { changed, stale } = list.apply(tasks);
    if (stale) refreshVisible();
    if (changed) schedule();
    // The bulk actions follow the selected videos' states.
    if (changed && selection.size > 0) selectionChanged();
    refreshStatsSoon();
  }

  function replace(task) {
    if (list.replace(task)) schedule();
  }

  async function toggleFavourite(task) {
    try {
      replace(await ipc.setFavourite(task.id, !task.favourite));
      refreshStatsSoon();
    } catch (error) {
      announce(messageOf(error));
    }
  }

  async function refreshStats() {
    try {
      const stats = await ipc.stats();
      const videos = stats.counts?.done ?? 0;
      ui.stats.textContent = videos > 0 || stats.credits_used_total > 0 ? strings.stats({ ...stats, videos }) : '';
      // Clearing is offered only when there is something to clear (clear_failed: failed and expired).
      failedCount = (stats.counts?.failed ?? 0) + (stats.counts?.expired ?? 0);
      show(ui.clearFailed, failedCount > 0);
      return stats;
    } catch {
      ui.stats.textContent = '';
      return null;
    }
  }

  function refreshStatsSoon() {
    clearTimeout(statsTimer);
    statsTimer = setTimeout(refreshStats, 1500);
  }

  // Wiring

  ui.scroller.addEventListener('scroll', schedule, { passive: true });
  new ResizeObserver(schedule).observe(ui.scroller);
  for (const input of document.querySelectorAll('input[name="filter"]')) input.addEventListener('change', () => reload());
  ui.favourites.addEventListener('click', () => {
    const on = ui.favourites.getAttribute('aria-pressed') !== 'true';
    ui.favourites.setAttribute('aria-pressed', String(on));
    reload();
  });
  ui.search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => reload(), 250);
  });
  byTestId('clear-filters').addEventListener('click', () => {
    ui.search.value = '';
    $('input[name="filter"][value="all"]').checked = true;
    ui.favourites.setAttribute('aria-pressed', 'false');
    reload();
  });
  ui.clearFailed.addEventListener('click', clearFailed);
  // Escape clears the selection, unless it is closing a dialog.
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && selection.size > 0 && !document.querySelector('dialog[open]')) clearSelection();
  });
  setInterval(tick, 1000);

  async function clearFailed() {
    const yes = await askConfirm({
      title: strings.clearFailedTitle(failedCount),
      body: strings.clearFailedBody,
      yes: strings.clearFailedYes,
    });
    if (!yes) return;
    try {
      const { removed } = await ipc.clearFailed();
      toast(strings.clearedFailed(removed));
      reload({ keepScroll: true });
      refreshStats();
    } catch (error) {
      toast(messageOf(error), { tone: 'error' });
    }
  }

  return {
    reload,
    apply,
    replace,
    refreshVisible,
    refreshStats,
    remove(id) {
      if (list.remove(id)) schedule();
      if (selection.has(id)) selectionChanged();
      refreshStatsSoon();
    },
    /** The selected videos, as the gallery knows them now. */
    selected: selectedTasks,
    clearSelection,
    /** The card element of a task if it is on screen (to give focus back to it). */
    cardOf(id) {
      return cards.get(id) ?? null;
    },
    /** The newest version of a task the gallery knows. */
    find(id) {
      const index = list.indexOf(id);
      return index === -1 ? null : list.get(index);
    },
  };
}
