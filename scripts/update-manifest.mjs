#!/usr/bin/env node
// Writes the update manifest (latest.json) that Sora Desk's updater reads: for each system and
// package kind, where the package is and its signature (the .sig `tauri signer sign` wrote
// beside it). The release workflow publishes it with the packages; the installer test (layer 6)
// serves one on loopback.
//
//   node scripts/update-manifest.mjs <folder> <base URL> <version> [notes file] > latest.json
//
// <folder> holds the packages and their .sig files; each package's URL is <base URL> followed
// by its file name. Keys are the updater's: `{os}-{arch}-{installer}` first, then `{os}-{arch}`
// for the package a system takes when it does not say how it was installed.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** File name ending → the updater's keys for that package (the universal macOS app serves both). */
const KINDS = [
  ['.AppImage', ['linux-x86_64-appimage', 'linux-x86_64']],
  ['.deb', ['linux-x86_64-deb']],
  ['.rpm', ['linux-x86_64-rpm']],
  ['.app.tar.gz', ['darwin-aarch64-app', 'darwin-x86_64-app', 'darwin-aarch64', 'darwin-x86_64']],
  ['-setup.exe', ['windows-x86_64-nsis', 'windows-x86_64']],
  ['.msi', ['windows-x86_64-msi']],
];

export function manifest({ files, signatureOf, base, version, notes, date = new Date() }) {
  if (!/^\d+\.\d+\.\d+([-+].*)?$/.test(version)) throw new Error(`not a version: ${version}`);
  const platforms = {};
  for (const file of [...files].sort()) {
    const kind = KINDS.find(([ending]) => file.endsWith(ending));
    if (!kind) continue;
    const signature = signatureOf(file);
    if (!signature) throw new Error(`${file} has no signature (${file}.sig)`);
    const url = new URL(encodeURIComponent(file), base).href;
    for (const key of kind[1]) {
      if (platforms[key]) throw new Error(`two packages for ${key}: ${file} and ${platforms[key].url}`);
      platforms[key] = { url, signature };
    }
  }
  if (Object.keys(platforms).length === 0) throw new Error('no package to offer');
  return { version, notes, pub_date: date.toISOString().replace(/\.\d{3}Z$/, 'Z'), platforms };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [folder, base, version, notesFile] = process.argv.slice(2);
  if (!folder || !base || !version) {
    console.error('usage: update-manifest.mjs <folder> <base URL> <version> [notes file]');
    process.exit(2);
  }
  const files = readdirSync(folder);
  const signatureOf = (file) => {
    try {
      return readFileSync(join(folder, `${file}.sig`), 'utf8').trim();
    } catch {
      return null;
    }
  };
  const notes = notesFile ? readFileSync(notesFile, 'utf8').trim() : `Sora Desk ${version}`;
  const base_ = base.endsWith('/') ? base : `${base}/`;
  process.stdout.write(`${JSON.stringify(manifest({ files, signatureOf, base: base_, version, notes }), null, 2)}\n`);
}
