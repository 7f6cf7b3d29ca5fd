// Whether the words on show fit where they are drawn. Text runs longer in one language and
// shorter in another (English against Chinese); a label that runs out of its button, or a line
// cut off by the box around it, is found here, on every screenshot, in each language the tests
// run in. Shared by the browser tests and the real-app tests.

/**
 * Runs in the page: each block of text on show that does not fit, described (an empty list when
 * all do). A block is the nearest element laid out as a box around a piece of text. It does not
 * fit when its text is wider than it (cut off, or spilling over what is beside it) or taller
 * than it where it cuts off what overflows, or when a box around it that cuts off what
 * overflows is smaller than it. Text cut short on purpose (an ellipsis, a set number of lines)
 * and text in a box that scrolls are left out: the person can see there is more.
 */
export function clippedText() {
  const SLACK = 1; // a pixel of rounding
  const scrolls = (style) => /auto|scroll/.test(style.overflowX + style.overflowY);
  const cuts = (value) => value === 'hidden' || value === 'clip';
  const shortened = (style) => style.textOverflow === 'ellipsis' || (style.webkitLineClamp && style.webkitLineClamp !== 'none');
  const tag = (element) => {
    const id = element.closest('[data-testid]')?.dataset.testid;
    return `${id ? `[${id}] ` : ''}<${element.tagName.toLowerCase()}${element.className ? ` class="${element.className}"` : ''}>`;
  };
  const name = (element) => `${tag(element)} "${element.textContent.trim().replace(/\s+/g, ' ').slice(0, 40)}"`;
  const blocks = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim()) continue;
    let block = node.parentElement;
    while (block && getComputedStyle(block).display.startsWith('inline') && block.parentElement) block = block.parentElement;
    if (block && !block.closest('script, style, textarea, select, option, template')) blocks.add(block);
  }
  const problems = [];
  for (const block of blocks) {
    if (!block.getClientRects().length || block.closest('[hidden], dialog:not([open])')) continue;
    const style = getComputedStyle(block);
    if (style.visibility !== 'visible' || shortened(style) || scrolls(style)) continue;
    const box = block.getBoundingClientRect();
    // Words for screen readers only (a 1-pixel box that cuts off what overflows) are meant so.
    if (box.width <= SLACK || box.height <= SLACK) continue;
    if (block.scrollWidth > block.clientWidth + SLACK) {
      problems.push(`${name(block)}: ${block.scrollWidth} px of text in ${block.clientWidth} px`);
      continue;
    }
    if (cuts(style.overflowY) && block.scrollHeight > block.clientHeight + SLACK) {
      problems.push(`${name(block)}: ${block.scrollHeight} px of lines in ${block.clientHeight} px`);
      continue;
    }
    for (let around = block; around.parentElement && around.parentElement !== document.body;) {
      // Something fixed to the window (a toast) is not cut off by the boxes it is written in.
      if (getComputedStyle(around).position === 'fixed') break;
      around = around.parentElement;
      const aroundStyle = getComputedStyle(around);
      if (scrolls(aroundStyle) || shortened(aroundStyle)) break;
      const outer = around.getBoundingClientRect();
      if (outer.width <= SLACK || outer.height <= SLACK) break;
      const outX = box.left < outer.left - SLACK || box.right > outer.right + SLACK;
      const outY = box.top < outer.top - SLACK || box.bottom > outer.bottom + SLACK;
      if ((outX && cuts(aroundStyle.overflowX)) || (outY && cuts(aroundStyle.overflowY))) {
        problems.push(`${name(block)}: cut off by ${tag(around)}`);
        break;
      }
      if (outX) {
        problems.push(`${name(block)}: runs out of ${tag(around)}`);
        break;
      }
    }
  }
  return problems;
}
