// Mapping between the AudioContext timeline and the page's clock: the output timestamp, the
// latency fallback, and the smoothing of odd output timestamps.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AnchorSmoother, contextTimeAt, performanceTimeAt, readAudioAnchor } from '../apps/web/media/audio-clock.ts';

test('context time and performance time convert both ways through an anchor', () => {
  const anchor = { contextTime: 10, performanceTime: 12_345.5, source: 'output-timestamp' as const };
  assert.equal(contextTimeAt(anchor, 12_845.5), 10.5);
  assert.equal(performanceTimeAt(anchor, 10.5), 12_845.5);
});

test('the output timestamp is used when there is one; else currentTime plus the output (or base) latency', () => {
  const ts = { contextTime: 4.96, performanceTime: 5283.4 };
  const withTs = readAudioAnchor({ currentTime: 5, outputLatency: 0.032, baseLatency: 0.01, getOutputTimestamp: () => ts }, 5250);
  assert.deepEqual(withTs, { ...ts, source: 'output-timestamp' });
  // Before the first output Chromium returns zeros.
  const early = readAudioAnchor({ currentTime: 5, outputLatency: 0.032, baseLatency: 0.01, getOutputTimestamp: () => ({ contextTime: 0, performanceTime: 0 }) }, 5250);
  assert.deepEqual(early, { contextTime: 5, performanceTime: 5282, source: 'current-time' });
  const baseOnly = readAudioAnchor({ currentTime: 5, baseLatency: 0.01 }, 5250);
  assert.deepEqual(baseOnly, { contextTime: 5, performanceTime: 5260, source: 'current-time' });
  // A timestamp half a second away from the context's own account is not believed.
  const wild = readAudioAnchor({ currentTime: 5, outputLatency: 0.032, getOutputTimestamp: () => ({ contextTime: 4.96, performanceTime: 9000 }) }, 5250);
  assert.equal(wild.source, 'current-time');
});

test('the smoother ignores one-off odd output timestamps and follows a lasting shift', () => {
  const smoother = new AnchorSmoother(9);
  const at = (ctx: number, mapping: number) => smoother.smooth({ contextTime: ctx, performanceTime: ctx * 1000 + mapping, source: 'output-timestamp' });
  let t = 1;
  const mapping = (a: { contextTime: number; performanceTime: number }) => Math.round((a.performanceTime - a.contextTime * 1000) * 1000) / 1000;
  for (let i = 0; i < 9; i++) assert.equal(mapping(at((t += 0.025), 283.4)), 283.4);
  // Two odd reads 3 ms and 40 ms off: nothing moves.
  assert.equal(mapping(at((t += 0.025), 286.4)), 283.4);
  assert.equal(mapping(at((t += 0.025), 323.4)), 283.4);
  // The audio clock slips by 10 ms for good: followed once most of the window has it.
  const seen: number[] = [];
  for (let i = 0; i < 9; i++) seen.push(mapping(at((t += 0.025), 293.4)));
  assert.equal(seen[0], 283.4);
  assert.equal(seen.at(-1), 293.4);
  assert.ok(seen.indexOf(293.4) <= 5, `followed after ${seen.indexOf(293.4) + 1} reads`);
});
