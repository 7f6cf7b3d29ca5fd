// Whether a screenshot shows the window drawn, region by region: the header, the compose panel,
// the gallery, the welcome card and any open dialog must each hold more than a flat fill. A blank
// panel in an otherwise painted window fails, which counting the colours of the whole picture
// would not see. Shared by the real-app tests (a screenshot of the display) and the browser tests
// (a screenshot of the page).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

/**
 * Runs in the page: the inside of each main region on show, in pixels of the screenshot
 * (`onDisplay`: of the whole display, the window's place on it added; otherwise of the page's
 * viewport). A region covered by something else (the welcome screen, a modal dialog) is left
 * out: what is seen there is not that region.
 */
export function regionsOnShow(onDisplay) {
  const regions = [['header', '.app-header'], ['compose', '.compose'], ['gallery', '.gallery'], ['welcome', '.first-run-card']]
    .map(([name, css]) => [name, document.querySelector(css)])
    .concat([...document.querySelectorAll('dialog[open]')].map((dialog) => ['dialog ' + (dialog.dataset.testid ?? dialog.className), dialog]));
  const originX = onDisplay ? screenX : 0;
  const originY = onDisplay ? screenY + outerHeight - innerHeight : 0;
  return regions.flatMap(([name, element]) => {
    if (!element || element.closest('[hidden]')) return [];
    // The inner part only: a region's border, rounded corners and shadow are drawn even when
    // nothing inside it is, and their soft edges alone hold more than a dozen colours.
    const box = element.getBoundingClientRect();
    const inset = 16;
    const left = Math.max(0, box.left) + inset, top = Math.max(0, box.top) + inset;
    const right = Math.min(innerWidth, box.right) - inset, bottom = Math.min(innerHeight, box.bottom) - inset;
    if (right - left < 40 || bottom - top < 20) return [];
    const hit = document.elementFromPoint((left + right) / 2, (top + bottom) / 2);
    if (!hit || !element.contains(hit)) return [];
    const px = (v) => Math.round(v * devicePixelRatio);
    return [{ name, x: px(originX + left), y: px(originY + top), width: px(right - left), height: px(bottom - top) }];
  });
}

/** Fewer colours than this in a region means nothing was drawn there (a flat fill). */
const PAINTED_COLOURS = 12;

/** The regions (`{ name, x, y, width, height }`, pixels) of `picture` with a flat fill, described. */
function blankRegions(picture, regions) {
  const crops = regions.map(({ x, y, width, height }) => `${width}x${height}+${x}+${y}`);
  // One ImageMagick run per picture: each region cropped from the one decoded picture, then the
  // picture itself dropped, so `%k` (the number of distinct colours) prints a line per region.
  const args = [picture, ...crops.flatMap((crop) => ['(', '-clone', '0', '-crop', crop, '+repage', ')']), '-delete', '0', '-format', '%k\n', 'info:'];
  const counts = execFileSync('/usr/bin/convert', args).toString().trim().split('\n').map(Number);
  assert.equal(counts.length, regions.length, `a count of colours for each region of ${picture}`);
  return regions.flatMap(({ name }, i) => (counts[i] >= PAINTED_COLOURS ? [] : [`${name}: ${counts[i]} colours at ${crops[i]}`]));
}

/** Fails unless some region is on show in `picture` and each of them was drawn; `what` names it. */
export function assertDrawn(picture, regions, what) {
  assert.ok(regions.length > 0, `${what}: no region of the window on show (${picture})`);
  assert.deepEqual(blankRegions(picture, regions), [], `${what}: regions that look blank in ${picture}`);
}
