// index.html asks for every module the page runs at once (<link rel="modulepreload">), so the
// webview does not discover them one level of imports at a time. The list must follow the
// imports: a module missing from it is fetched late, one in it that nothing imports is fetched
// for nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ui = fileURLToPath(new URL('../../ui/', import.meta.url));
const read = (path) => readFileSync(ui + path, 'utf8');

/** Every module `entry` imports, directly or through others (paths as from ui/). */
function importedBy(entry, source = read) {
  const found = new Set();
  const visit = (path) => {
    const text = source(path);
    for (const [, name] of text.matchAll(/^\s*(?:import|export)\b(?:[^;'"]*?\bfrom)?\s*['"]\.\/([^'"]+)['"]/gm)) {
      const module = path.replace(/[^/]*$/, '') + name;
      if (found.has(module)) continue;
      found.add(module);
      visit(module);
    }
  };
  visit(entry);
  return found;
}

test('the imports are found through every level, once each', () => {
  const files = {
    'js/a.js': "import { b } from './b.js';\nimport {\n  c,\n} from './c.js';",
    'js/b.js': "export { c } from './c.js';",
    'js/c.js': "import './d.js';\nexport const c = 1; // import x from './not-this.js' in a comment",
    'js/d.js': '',
  };
  assert.deepEqual([...importedBy('js/a.js', (path) => files[path])].sort(), ['js/b.js', 'js/c.js', 'js/d.js']);
});

test('index.html preloads every module the page imports, and nothing else', () => {
  const html = read('index.html');
  const entry = html.match(/<script type="module" src="([^"]+)"><\/script>/)[1];
  const preloaded = [...html.matchAll(/<link rel="modulepreload" href="([^"]+)">/g)].map(([, href]) => href);
  assert.deepEqual(preloaded, [...new Set(preloaded)], 'each module once');
  assert.deepEqual(preloaded.sort(), [...importedBy(entry)].sort());
});
