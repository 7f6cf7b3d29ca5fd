// A tiny static file server for ui/, bound to loopback, for browser tests. It sends the app's
// Content-Security-Policy so a page that would break in the real webview breaks here too, and
// answers Range requests so <video> can seek.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.json': 'application/json',
  '.mp4': 'video/mp4',
};

/**
 * The CSP of the real app, read from tauri.conf.json, with this server standing in for the IPC
 * channel (connect-src gains 'self') and for the media server (the page's own origin, 'self',
 * where the app adds the media server's port at start).
 */
export const APP_CSP = (() => {
  const config = JSON.parse(readFileSync(new URL('../../tauri.conf.json', import.meta.url), 'utf8'));
  return Object.entries(config.app.security.csp)
    .map(([directive, sources]) => `${directive} ${directive === 'connect-src' ? `'self' ${sources}` : sources}`)
    .join('; ');
})();

/** Serves `root`; `overrides` maps URL paths to files served instead (the fake backend, media). */
export async function serveStatic(root, overrides = {}, { csp = APP_CSP } = {}) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = overrides[path] ?? join(root, normalize(path === '/' ? '/index.html' : path));
    if (!overrides[path] && !file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    let body;
    try {
      body = await readFile(file);
    } catch {
      res.writeHead(404).end('not found');
      return;
    }
    const headers = {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'accept-ranges': 'bytes',
      'cache-control': 'no-store',
      'access-control-allow-origin': '*',
    };
    if (csp && extname(file) === '.html') headers['content-security-policy'] = csp;
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      const start = range[1] === '' ? Math.max(0, body.length - Number(range[2])) : Number(range[1]);
      const end = range[1] !== '' && range[2] !== '' ? Math.min(Number(range[2]), body.length - 1) : body.length - 1;
      if (start >= body.length || start > end) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${body.length}` }).end(body.subarray(start, end + 1));
      return;
    }
    res.writeHead(200, headers).end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}
