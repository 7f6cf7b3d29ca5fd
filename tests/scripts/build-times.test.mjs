// keep_build_times (scripts/lib/setup.sh): a fresh clone gets back the file times the last run
// built with, but only in the folder that run was in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, copyFileSync } from 'node:fs';
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

const mtime = (dir) => statSync(join(dir, FILE)).mtimeMs;

test('a fresh clone in the same folder gets its build times back; one in another folder does not', () => {
  const root = mkdtempSync(join(tmpdir(), 'build-times-'));
  const target = join(root, 'target');
  const here = join(root, 'here');
  const elsewhere = join(root, 'elsewhere');
  try {
    clone(here);
    assert.match(run(here, target), /file times: 0 of \d+ files .*no record/);
    const built = mtime(here);

    clone(here);
    assert.notEqual(mtime(here), built, 'a clone makes its files new');
    const again = run(here, target);
    const [, kept, of] = again.match(/file times: (\d+) of (\d+) files/);
    assert.equal(kept, of, again);
    assert.equal(mtime(here), built, 'the time the last run built with');

    clone(elsewhere);
    const cloned = mtime(elsewhere);
    assert.match(run(elsewhere, target), /file times: 0 of \d+ files .*another folder/);
    assert.equal(mtime(elsewhere), cloned, 'a build from another folder holds its paths: rebuilt');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
