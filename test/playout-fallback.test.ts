// When a stream leaves our playout path for the browser's (apps/web/media/playout/fallback.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FALLBACK_AFTER_FRAMES, FALLBACK_LATENESS_P99_MS, fallbackReason } from '../apps/web/media/playout/fallback.ts';
import type { PlayoutStats } from '../apps/web/media/playout/playout-buffer.ts';

const stats = (patch: Partial<PlayoutStats>): PlayoutStats => ({
  mode: 'auto',
  targetMs: 20,
  delayMs: 20,
  jitterMs: 3,
  latenessP99Ms: 15,
  latenessMaxMs: 25,
  received: 5000,
  lost: 0,
  late: 0,
  dropouts: 0,
  concealedMs: 0,
  playingSeconds: 50,
  acceleratedMs: 0,
  stretchedMs: 0,
  ownTargetMs: 20,
  rateOffsetPpm: 0,
  ...patch,
});

test('a stream whose frames come late most of the time (a starved worker) moves to the browser path, saying how late', () => {
  const reason = fallbackReason(stats({ latenessP99Ms: 265.3, targetMs: 300 }));
  assert.match(reason ?? '', /265 ms late \(p99\)/);
});

test('a stream on a machine with time to spare stays on ours, as does one with a rare spike (the p99 leaves it out)', () => {
  assert.equal(fallbackReason(stats({})), undefined);
  assert.equal(fallbackReason(stats({ latenessP99Ms: FALLBACK_LATENESS_P99_MS - 1, latenessMaxMs: 400, targetMs: 400 })), undefined);
});

test("the start (whose spikes are not the machine's) and a depth the listener set are not judged", () => {
  assert.equal(fallbackReason(stats({ received: FALLBACK_AFTER_FRAMES - 1, latenessP99Ms: 300 })), undefined);
  assert.equal(fallbackReason(stats({ mode: 'fixed', latenessP99Ms: 300 })), undefined);
  assert.ok(fallbackReason(stats({ received: FALLBACK_AFTER_FRAMES, latenessP99Ms: FALLBACK_LATENESS_P99_MS })));
});
