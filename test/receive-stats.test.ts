// A mixer strip's figures (apps/web/media/receive-stats.ts) from a consumer's getStats and our playout node.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { types } from 'mediasoup-client';
import type { PlayoutStats } from '../apps/web/media/playout/playout-buffer.ts';
import { receiveStats, roomDepthAbove } from '../apps/web/media/receive-stats.ts';

const consumer = {
  getStats: async () =>
    new Map<string, Record<string, unknown>>([
      ['in', { type: 'inbound-rtp', kind: 'audio', packetsReceived: 990, packetsLost: 10, jitter: 0.004 }],
      ['pair', { type: 'candidate-pair', nominated: true, currentRoundTripTime: 0.02 }],
    ]),
} as unknown as types.Consumer;

const playout = (over: Partial<PlayoutStats>): PlayoutStats =>
  ({ mode: 'auto', targetMs: 88, ownTargetMs: 88, delayMs: 90, dropouts: 3, playingSeconds: 120, jitterMs: 2, ...over }) as PlayoutStats;

test("a stream held at the room's depth by another shows what it alone would need", async () => {
  const held = await receiveStats(consumer, { path: 'low-latency', playout: playout({ ownTargetMs: 30 }), outputMs: 10 });
  assert.equal(held.bufferTargetMs, 88);
  assert.equal(held.bufferOwnTargetMs, 30);
  assert.equal(roomDepthAbove(held), true);
  assert.equal(held.dropoutsPerMinute, 1.5);
  assert.equal(held.latencyMs, 26.5 + 10 + 90 + 10);

  const own = await receiveStats(consumer, { path: 'low-latency', playout: playout({}), outputMs: 10 });
  assert.equal(roomDepthAbove(own), false, 'the stream that sets the depth');
  const fixed = await receiveStats(consumer, { path: 'low-latency', playout: playout({ mode: 'fixed', ownTargetMs: 20 }), outputMs: 10 });
  assert.equal(roomDepthAbove(fixed), false, 'a depth set by hand is its own');
  const browser = await receiveStats(consumer, { path: 'browser', outputMs: 10 });
  assert.equal(browser.bufferOwnTargetMs, null);
  assert.equal(roomDepthAbove(browser), false);
});
