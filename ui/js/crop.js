// The crop window over the reference picture, in fractions (0..1) of the upright picture, which is
// what prepareImage takes as `crop`. Pure, so it is tested with `node --test`.

const clamp = (value, low, high) => Math.min(high, Math.max(low, value));

/** The crop as fractions, from a PreparedImage's `region` (upright source pixels). */
export function regionToCrop(region, source) {
  const w = source.upright_width;
  const h = source.upright_height;
  return { x: region.x / w, y: region.y / h, width: region.width / w, height: region.height / h };
}

/** Whether the crop leaves part of the picture out (so there is something to move). */
export function isMovable(crop) {
  return crop.width < 0.999 || crop.height < 0.999;
}

/** The crop moved by (dx, dy) fractions, kept inside the picture. */
export function moveCrop(crop, dx, dy) {
  return {
    ...crop,
    x: clamp(crop.x + dx, 0, Math.max(0, 1 - crop.width)),
    y: clamp(crop.y + dy, 0, Math.max(0, 1 - crop.height)),
  };
}

/** Arrow keys move the crop by 2% of the picture, 10% with Shift; other keys give null. */
export function keyStep(key, shift) {
  const step = shift ? 0.1 : 0.02;
  switch (key) {
    case 'ArrowLeft': return { dx: -step, dy: 0 };
    case 'ArrowRight': return { dx: step, dy: 0 };
    case 'ArrowUp': return { dx: 0, dy: -step };
    case 'ArrowDown': return { dx: 0, dy: step };
    default: return null;
  }
}

/** The largest centred window of `aspect` (width / height) in a picture, as fractions. */
export function centredCrop(pictureWidth, pictureHeight, aspect) {
  const pictureAspect = pictureWidth / pictureHeight;
  const width = pictureAspect > aspect ? aspect / pictureAspect : 1;
  const height = pictureAspect > aspect ? 1 : pictureAspect / aspect;
  return { x: (1 - width) / 2, y: (1 - height) / 2, width, height };
}

/** Rounds a crop to 4 decimals so requests stay short and repeatable. */
export function roundCrop(crop) {
  const r = (v) => Math.round(v * 10000) / 10000;
  return { x: r(crop.x), y: r(crop.y), width: r(crop.width), height: r(crop.height) };
}
