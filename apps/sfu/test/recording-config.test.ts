import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../src/db/url.ts';
import { loadRecordingConfig } from '../src/recording/recording-config.ts';

test('recording defaults run on one machine, under data/ of the repo', () => {
  const c = loadRecordingConfig({});
  assert.equal(c.dir, path.join(REPO_ROOT, 'data', 'recordings'));
  assert.equal(c.maxDurationMs, 180 * 60_000);
  assert.deepEqual([c.maxActive, c.maxStreams, c.minFreeBytes], [4, 24, 512 * 1024 * 1024]);
  assert.equal(c.listenIp, '127.0.0.1');
});

test('recording settings: relative folders from the repo root, absolute ones as given, bad values named', () => {
  assert.equal(loadRecordingConfig({ RECORDINGS_DIR: 'elsewhere/rec' }).dir, path.join(REPO_ROOT, 'elsewhere', 'rec'));
  assert.equal(loadRecordingConfig({ RECORDINGS_DIR: '/srv/bandmate/rec' }).dir, '/srv/bandmate/rec');
  assert.equal(loadRecordingConfig({ RECORDINGS_MAX_MINUTES: '90' }).maxDurationMs, 90 * 60_000);
  assert.throws(() => loadRecordingConfig({ RECORDINGS_MAX_MINUTES: '600' }), /RECORDINGS_MAX_MINUTES/);
  assert.throws(() => loadRecordingConfig({ RECORDINGS_MAX_ACTIVE: '0' }), /RECORDINGS_MAX_ACTIVE/);
  assert.throws(() => loadRecordingConfig({ RECORDINGS_MAX_STREAMS: 'many' }), /RECORDINGS_MAX_STREAMS/);
});
