// Poster frames: a finished video without a poster gets one frame grabbed, once, while its card
// is on screen, at most two at a time: the video loads in an offscreen <video>, seeks to about
// half a second, is drawn on a canvas and saved through the backend as a JPEG.

import * as ipc from './ipc.js';
import { createLimiter } from './queue.js';

const limiter = createLimiter(2);
const tried = new Set();
const WIDTH = 480; // plenty for a card; keeps the JPEG small
const TIMEOUT_MS = 20000;

/**
 * Queues a frame grab for each task (done, with video_url, without poster_url) not tried yet.
 * `isVisible(id)` is asked again when a grab's turn comes, so cards scrolled away cost nothing.
 */
export function grabPosters(tasks, { isVisible, onPoster }) {
  for (const task of tasks) {
    if (tried.has(task.id)) continue;
    tried.add(task.id);
    limiter.run(async () => {
      if (!isVisible(task.id)) {
        tried.delete(task.id); // try again when it comes back into view
        return;
      }
      const bytes = await grabFrame(task.video_url);
      onPoster(await ipc.savePoster(task.id, bytes));
    }).catch((error) => console.warn('poster frame not saved', task.id, error));
  }
}

/** The JPEG bytes of the frame at ~0.5 s of the video at `url`. */
export function grabFrame(url) {
  return new Promise((resolve, reject) => {
    const video = document.createElement('video');
    video.crossOrigin = 'anonymous';
    video.muted = true;
    video.preload = 'auto';
    video.playsInline = true;
    const timer = setTimeout(() => finish(new Error('timed out')), TIMEOUT_MS);
    const finish = (error, bytes) => {
      clearTimeout(timer);
      video.removeAttribute('src');
      video.load();
      if (error) reject(error);
      else resolve(bytes);
    };
    video.addEventListener('error', () => finish(new Error('video did not load')), { once: true });
    video.addEventListener('loadeddata', () => {
      video.currentTime = Math.min(0.5, (video.duration || 1) / 2);
    }, { once: true });
    video.addEventListener('seeked', () => {
      const scale = Math.min(1, WIDTH / video.videoWidth);
      const canvas = document.createElement('canvas');
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      try {
        canvas.getContext('2d').drawImage(video, 0, 0, canvas.width, canvas.height);
        canvas.toBlob(async (blob) => {
          if (!blob) finish(new Error('no frame'));
          else finish(null, new Uint8Array(await blob.arrayBuffer()));
        }, 'image/jpeg', 0.82);
      } catch (error) {
        finish(error); // a video served without CORS taints the canvas
      }
    }, { once: true });
    video.src = url;
  });
}
