// The latency bench's replay of recorded arrivals against other jitter-buffer depths.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coveredOf, dropoutsPerMinute, latenessOf } from '../bench/depth-curve.ts';

const MS = 48;
/** (arrival, transit, lateness, covered) of a minute of 10 ms frames: 5 ms transit, plus `extraMs` for frames that came late. */
function minuteOfFrames(extraMs: (i: number) => number): number[] {
  const frames: number[] = [];
  for (let i = 0; i < 6000; i++) {
    const transit = (5 + extraMs(i)) * MS;
    frames.push(i * 480 + transit, transit, extraMs(i) * MS, 0);
  }
  return frames;
}

test('the replay reads each frame’s lateness and the depth it had from the trace, frame by frame', () => {
  const frames = minuteOfFrames((i) => (i === 1000 ? 50 : 0));
  for (let i = 0; i < 6000; i++) frames[i * 4 + 3] = i;
  const late = latenessOf(frames);
  assert.equal(late.length, 6000);
  assert.equal(late[999], 0);
  assert.equal(late[1000], 50 * MS);
  assert.equal(Math.max(...late.slice(1001)), 0);
  assert.deepEqual(coveredOf(frames).slice(0, 3), [0, 1, 2]);
  assert.equal(coveredOf(frames)[5999], 5999);
});

test('a fixed depth drops out once per spike above it, a burst of late frames counting once', () => {
  // Three spikes of 50 ms, the second a burst of five late frames in a row.
  const spikes = (i: number) => (i === 1000 || (i >= 3000 && i < 3005) || i === 5000 ? 50 : 0);
  const late = latenessOf(minuteOfFrames(spikes));
  assert.equal(dropoutsPerMinute(late, () => 40 * MS), 3);
  assert.equal(dropoutsPerMinute(late, () => 60 * MS), 0);
  // Two 30 ms spikes and one of 80 ms: 40 ms covers two of the three.
  const mixed = latenessOf(minuteOfFrames((i) => (i === 1000 || i === 2000 ? 30 : i === 4000 ? 80 : 0)));
  assert.equal(dropoutsPerMinute(mixed, () => 40 * MS), 1);
});

test('the depths a trace recorded replay as recorded', () => {
  const frames = minuteOfFrames((i) => (i === 1000 || i === 4000 ? 30 : 0));
  // The buffer covered 40 ms of lateness before frame 3000, then 20 ms: only the second spike outran it.
  for (let i = 0; i < 6000; i++) frames[i * 4 + 3] = (i < 3000 ? 40 : 20) * MS;
  const covered = coveredOf(frames);
  assert.equal(dropoutsPerMinute(latenessOf(frames), (i) => covered[i]!), 1);
});
