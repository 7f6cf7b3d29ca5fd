// Pictures for the fake backend, drawn on a canvas in the page so no image files are committed:
// calm landscapes (sky, sun, hills, water) from a seed, used as "photos" for the reference
// picture and as poster frames in the gallery. Served beside fake-ipc.js as /js/fake-art.js.

const PALETTES = [
  ['#fbd3a5', '#f48c6b', '#6b4c8a', '#2e2a4f', '#ffe9b0'], // dusk
  ['#bfe6ff', '#7cc4f2', '#3f7f6a', '#23493d', '#fff6d6'], // spring
  ['#1c2541', '#3a506b', '#5bc0be', '#0b132b', '#e0fbfc'], // night sea
  ['#ffe5ec', '#ffb3c6', '#8e6c88', '#4a3b55', '#fff0f3'], // blossom
  ['#f6f1d1', '#d9c48c', '#8c6e3f', '#4b3a26', '#fffbe6'], // desert
  ['#d8f3dc', '#95d5b2', '#2d6a4f', '#1b4332', '#f1fff4'], // forest
  ['#e3f2fd', '#90caf9', '#5c6bc0', '#283593', '#ffffff'], // snow
  ['#ffd6a5', '#ff9f6e', '#c1440e', '#5c1a00', '#fff3d6'], // canyon
];

function rng(seed) {
  let s = (seed * 2654435761) >>> 0 || 1;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** Paints a scene for `seed` into a new canvas of `width` x `height`. */
export function scene(seed, width, height) {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const g = canvas.getContext('2d');
  const [skyTop, skyLow, hill, deep, sun] = PALETTES[seed % PALETTES.length];
  const random = rng(seed + 7);
  const sky = g.createLinearGradient(0, 0, 0, height);
  sky.addColorStop(0, skyTop);
  sky.addColorStop(0.7, skyLow);
  g.fillStyle = sky;
  g.fillRect(0, 0, width, height);
  g.fillStyle = sun;
  g.globalAlpha = 0.9;
  g.beginPath();
  g.arc(width * (0.25 + random() * 0.5), height * (0.25 + random() * 0.2), Math.min(width, height) * 0.11, 0, Math.PI * 2);
  g.fill();
  g.globalAlpha = 1;
  for (const [color, base, amp] of [[hill, 0.62, 0.1], [deep, 0.78, 0.07]]) {
    g.fillStyle = color;
    g.beginPath();
    g.moveTo(0, height);
    const phase = random() * 6;
    for (let x = 0; x <= width; x += width / 48) {
      g.lineTo(x, height * (base + Math.sin(x / width * 5 + phase) * amp * 0.6 + Math.sin(x / width * 13 + phase) * amp * 0.25));
    }
    g.lineTo(width, height);
    g.fill();
  }
  return canvas;
}

const cache = new Map();

/** A data: URL (JPEG) of the scene for `seed`, cached. */
export function sceneUrl(seed, width, height) {
  const key = `${seed}:${width}x${height}`;
  if (!cache.has(key)) cache.set(key, scene(seed, width, height).toDataURL('image/jpeg', 0.82));
  return cache.get(key);
}

/** What preflight would hand Sora: `region` of the scene (fill) or all of it padded (fit). */
export function framedUrl(seed, source, region, framing, out) {
  const scale = Math.min(1, 320 / Math.max(out.width, out.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(out.width * scale);
  canvas.height = Math.round(out.height * scale);
  const g = canvas.getContext('2d');
  const art = scene(seed, 640, Math.round((640 * source.height) / source.width));
  const k = art.width / source.width;
  if (framing === 'fit') {
    g.fillStyle = '#000';
    g.fillRect(0, 0, canvas.width, canvas.height);
    const fit = Math.min(canvas.width / source.width, canvas.height / source.height);
    const w = source.width * fit;
    const h = source.height * fit;
    g.drawImage(art, (canvas.width - w) / 2, (canvas.height - h) / 2, w, h);
  } else {
    g.drawImage(art, region.x * k, region.y * k, region.width * k, region.height * k, 0, 0, canvas.width, canvas.height);
  }
  return canvas.toDataURL('image/jpeg', 0.82);
}
