// The maths of the virtual gallery grid: responsive columns of fixed-height rows, and which items
// a scroll position shows. Pure, so it is tested with `node --test`.

/**
 * Columns and sizes for a container `width` px wide: as many columns of at least `minCardWidth`
 * as fit, the cards sharing the width; a card is its 16:9 picture plus `infoHeight` of text.
 */
export function gridLayout({ width, minCardWidth = 220, gap = 16, infoHeight = 64, aspect = 9 / 16 }) {
  const usable = Math.max(0, width);
  const columns = Math.max(1, Math.floor((usable + gap) / (minCardWidth + gap)));
  const cardWidth = Math.max(1, Math.floor((usable - gap * (columns - 1)) / columns));
  const cardHeight = Math.round(cardWidth * aspect) + infoHeight;
  return { columns, cardWidth, cardHeight, rowHeight: cardHeight + gap, gap };
}

/** The height of the whole scroller for `total` items. */
export function contentHeight(total, layout) {
  const rows = Math.ceil(total / layout.columns);
  return rows === 0 ? 0 : rows * layout.rowHeight - layout.gap;
}

/**
 * Items to put in the DOM for a viewport: [first, last) item indexes, with `overscan` extra rows
 * above and below so fast scrolling does not show gaps.
 */
export function visibleRange({ scrollTop, viewportHeight, total, layout, overscan = 1 }) {
  if (total === 0) return { first: 0, last: 0 };
  const rows = Math.ceil(total / layout.columns);
  const top = Math.max(0, Math.floor(scrollTop / layout.rowHeight) - overscan);
  const bottom = Math.min(rows, Math.ceil((scrollTop + viewportHeight) / layout.rowHeight) + overscan);
  return { first: top * layout.columns, last: Math.min(total, bottom * layout.columns) };
}

/** Where item `index` sits: its left and top offsets in px. */
export function cellPosition(index, layout) {
  const row = Math.floor(index / layout.columns);
  const column = index % layout.columns;
  return { x: column * (layout.cardWidth + layout.gap), y: row * layout.rowHeight };
}

/** The scrollTop that brings item `index` into view (the least movement), or null if it already is. */
export function scrollToReveal(index, { scrollTop, viewportHeight, layout }) {
  const { y } = cellPosition(index, layout);
  if (y < scrollTop) return y;
  if (y + layout.cardHeight > scrollTop + viewportHeight) return y + layout.cardHeight - viewportHeight;
  return null;
}

/** The offsets of the pages of `pageSize` items that cover [first, last). */
export function pageOffsets(first, last, pageSize) {
  const offsets = [];
  for (let page = Math.floor(first / pageSize) * pageSize; page < last; page += pageSize) offsets.push(page);
  return offsets;
}
