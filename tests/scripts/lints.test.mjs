// lint_while_building (scripts/lib/setup.sh): the build of a test run is also its lint, so a
// clippy lint or a compiler warning in the workspace's own code fails it, and the code itself
// still builds and runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const setup = fileURLToPath(new URL('../../scripts/lib/setup.sh', import.meta.url));

/** Runs `cargo <args>` on a one-file crate holding `code`, as scripts/test-all runs cargo. */
function cargo(code, ...args) {
  const root = mkdtempSync(join(tmpdir(), 'lints-'));
  try {
    mkdirSync(join(root, 'src'));
    writeFileSync(join(root, 'Cargo.toml'), '[package]\nname = "probe"\nversion = "0.1.0"\nedition = "2021"\n\n[workspace]\n');
    writeFileSync(join(root, 'src/main.rs'), code);
    const run = spawnSync('bash', ['-c', `source "${setup}"; lint_while_building; cargo "$@"`, 'cargo', ...args], {
      cwd: root,
      env: { ...process.env, CARGO_TARGET_DIR: join(root, 'target') },
      encoding: 'utf8',
    });
    return { status: run.status, output: run.stdout + run.stderr };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('a clippy lint fails the build', () => {
  const { status, output } = cargo('fn main() {\n    println!("{}", twice(2));\n}\n\nfn twice(x: u32) -> u32 {\n    return x * 2;\n}\n', 'build');
  assert.notEqual(status, 0, output);
  assert.match(output, /error: unneeded `return` statement/);
});

test('a compiler warning fails the build, in the tests too', () => {
  const code = 'fn main() {}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn probe() {\n        let unused = 1;\n    }\n}\n';
  const { status, output } = cargo(code, 'build', '--all-targets');
  assert.notEqual(status, 0, output);
  assert.match(output, /error: unused variable: `unused`/);
});

test('code without warnings builds and runs as rustc builds it', () => {
  const { status, output } = cargo('fn main() {\n    println!("built {}", 6 * 7);\n}\n', 'run', '--quiet');
  assert.equal(status, 0, output);
  assert.match(output, /built 42/);
});
