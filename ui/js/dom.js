// Small DOM helpers. Elements are built from data with textContent, never innerHTML, because
// prompts are the person's own text.

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

/**
 * h('button', { class: 'ghost', testid: 'x', onclick: fn, 'aria-label': '…' }, child, 'text')
 * Props: `class`, `testid` (data-testid), `dataset`, `text`, `on<event>` listeners, DOM
 * properties that exist on the element (hidden, disabled, type, value…), else attributes.
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') element.className = value;
    else if (key === 'testid') element.dataset.testid = value;
    else if (key === 'dataset') Object.assign(element.dataset, value);
    else if (key === 'text') element.textContent = value;
    else if (key.startsWith('on') && typeof value === 'function') element.addEventListener(key.slice(2), value);
    else if (key in element && !key.includes('-')) element[key] = value;
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  element.append(...children.flat(Infinity).filter((child) => child !== null && child !== undefined && child !== false));
  return element;
}

/** Replaces all children of `element`. */
export function fill(element, ...children) {
  element.replaceChildren(...children.flat(Infinity).filter((child) => child !== null && child !== undefined && child !== false));
  return element;
}

/**
 * Stops every <video> in `element` and lets go of its source: a video without one frees its
 * decoder and buffers at once, where a removed element would keep them until it is collected.
 */
export function unloadVideos(element) {
  for (const video of element.querySelectorAll('video')) {
    video.pause();
    video.removeAttribute('src');
    video.load();
  }
}

/**
 * Lets go of every picture in `element`: a removed element keeps its pictures until it is
 * collected, which can be long after (scrolling a big library would keep every still seen).
 */
export function unloadPictures(element) {
  for (const picture of element.querySelectorAll('img')) picture.removeAttribute('src');
}

/** Shows or hides an element through its hidden property. */
export function show(element, visible) {
  element.hidden = !visible;
}
