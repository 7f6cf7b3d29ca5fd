// The update manifest the release publishes (scripts/update-manifest.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { manifest } from '../../scripts/update-manifest.mjs';

const base = 'https://github.com/owner/sora-desk/releases/download/v0.2.0/';
const signed = (file) => `sig-of-${file}`;

test('each package is offered under the keys its system asks for, with its own signature', () => {
  const files = [
    'Sora.Desk_0.2.0_amd64.deb', 'Sora.Desk_0.2.0_amd64.deb.sig',
    'Sora.Desk-0.2.0-1.x86_64.rpm', 'Sora.Desk-0.2.0-1.x86_64.rpm.sig',
    'Sora.Desk_0.2.0_amd64.AppImage', 'Sora.Desk_0.2.0_amd64.AppImage.sig',
    'Sora.Desk.app.tar.gz', 'Sora.Desk.app.tar.gz.sig', 'Sora.Desk_0.2.0_universal.dmg',
    'Sora.Desk_0.2.0_x64-setup.exe', 'Sora.Desk_0.2.0_x64-setup.exe.sig',
    'Sora.Desk_0.2.0_x64_en-US.msi', 'Sora.Desk_0.2.0_x64_en-US.msi.sig',
    'SHA256SUMS.txt',
  ];
  const m = manifest({ files, signatureOf: signed, base, version: '0.2.0', notes: 'Faster.', date: new Date('2026-12-01T10:00:00.123Z') });
  assert.equal(m.version, '0.2.0');
  assert.equal(m.notes, 'Faster.');
  assert.equal(m.pub_date, '2026-12-01T10:00:00Z');
  assert.deepEqual(Object.keys(m.platforms).sort(), [
    'darwin-aarch64', 'darwin-aarch64-app', 'darwin-x86_64', 'darwin-x86_64-app',
    'linux-x86_64', 'linux-x86_64-appimage', 'linux-x86_64-deb', 'linux-x86_64-rpm',
    'windows-x86_64', 'windows-x86_64-msi', 'windows-x86_64-nsis',
  ]);
  assert.deepEqual(m.platforms['linux-x86_64-deb'], { url: `${base}Sora.Desk_0.2.0_amd64.deb`, signature: 'sig-of-Sora.Desk_0.2.0_amd64.deb' });
  assert.equal(m.platforms['linux-x86_64'].url, `${base}Sora.Desk_0.2.0_amd64.AppImage`);
  assert.equal(m.platforms['windows-x86_64'].url, `${base}Sora.Desk_0.2.0_x64-setup.exe`);
  assert.equal(m.platforms['darwin-aarch64'].url, `${base}Sora.Desk.app.tar.gz`);
});

test('a name with a space is written as a URL can carry it', () => {
  const m = manifest({ files: ['Sora Desk_0.2.0_amd64.deb'], signatureOf: signed, base: 'http://127.0.0.1:47613/', version: '0.2.0', notes: '' });
  assert.equal(m.platforms['linux-x86_64-deb'].url, 'http://127.0.0.1:47613/Sora%20Desk_0.2.0_amd64.deb');
});

test('a package without its signature, two packages for one system, or no package at all is refused', () => {
  assert.throws(() => manifest({ files: ['a.deb'], signatureOf: () => null, base, version: '0.2.0', notes: '' }), /a\.deb has no signature/);
  assert.throws(() => manifest({ files: ['a.deb', 'b.deb'], signatureOf: signed, base, version: '0.2.0', notes: '' }), /two packages for linux-x86_64-deb/);
  assert.throws(() => manifest({ files: ['SHA256SUMS.txt'], signatureOf: signed, base, version: '0.2.0', notes: '' }), /no package/);
  assert.throws(() => manifest({ files: ['a.deb'], signatureOf: signed, base, version: 'v0.2', notes: '' }), /not a version/);
});
