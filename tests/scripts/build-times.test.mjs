// keep_build_times (scripts/lib/setup.sh): a fresh clone gets back the file and folder times the
// last run built with, but only in the folder that run was in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const FILE = 'Cargo.toml';

/** A clone of this repository at `dir`, with this working tree's setup.sh. */
function clone(dir) {
  rmSync(dir, { recursive: true, force: true });
  execFileSync('git', ['clone', '--quiet', '--no-checkout', repo, dir]);
  execFileSync('git', ['-C', dir, 'checkout', '--quiet', 'HEAD']);
  copyFileSync(join(repo, 'scripts/lib/setup.sh'), join(dir, 'scripts/lib/setup.sh'));
}

/** One run's start and end, as scripts/test-all does them: what it printed. */
function run(dir, target) {
  return execFileSync('bash', ['-c', 'source scripts/lib/setup.sh; keep_build_times; save_build_times'], {
    cwd: dir,
    env: { ...process.env, CARGO_TARGET_DIR: target },
    encoding: 'utf8',
  });
}

const mtime = (dir, file = FILE) => statSync(join(dir, file)).mtimeMs;
/** A folder the app's build script watches (tauri-build: `cargo:rerun-if-changed=permissions`). */
const FOLDER = 'permissions';

test('a fresh clone in the same folder gets its build times back; one in another folder does not', () => {
  const root = mkdtempSync(join(tmpdir(), 'build-times-'));
  const target = join(root, 'target');
  const here = join(root, 'here');
  const elsewhere = join(root, 'elsewhere');
  try {
    clone(here);
    assert.match(run(here, target), /file times: 0 of \d+ files .*no record/);
    const built = mtime(here);
    const folderBuilt = mtime(here, FOLDER);

    clone(here);
    assert.notEqual(mtime(here), built, 'a clone makes its files new');
    assert.notEqual(mtime(here, FOLDER), folderBuilt, 'and its folders');
    const again = run(here, target);
    const [, kept, of] = again.match(/file times: (\d+) of (\d+) files/);
    assert.equal(kept, of, again);
    assert.equal(mtime(here), built, 'the time the last run built with');
    assert.equal(mtime(here, FOLDER), folderBuilt, 'a folder with the same names: the time the last run built with');

    // A name added to a folder: the folder keeps its new time, so a build that watches it runs again.
    clone(here);
    writeFileSync(join(here, FOLDER, 'added.toml'), '');
    execFileSync('git', ['-C', here, 'add', join(FOLDER, 'added.toml')]);
    const added = mtime(here, FOLDER);
    run(here, target);
    assert.equal(mtime(here, FOLDER), added, 'a folder whose names changed keeps its new time');
    assert.equal(mtime(here), built, 'its neighbours still get theirs');

    clone(elsewhere);
    const cloned = mtime(elsewhere);
    assert.match(run(elsewhere, target), /file times: 0 of \d+ files .*another folder/);
    assert.equal(mtime(elsewhere), cloned, 'a build from another folder holds its paths: rebuilt');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
