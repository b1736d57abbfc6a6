// The recording spec's mapping of the fake microphone's capture clock to the page's clock
// (e2e/support/recording-audio.ts): a stretch of late reads must not move it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lowerHull, onHull } from '../support/recording-audio.ts';

/** 12 s of 10 ms chunks read `readLate(t)` ms after capture, on a capture clock 2 ms/s slow against the page's. */
function chunks(readLate: (t: number) => number): Array<readonly [number, number]> {
  const out: Array<readonly [number, number]> = [];
  for (let end = 10; end <= 12_000; end += 10) out.push([end, 40 + 0.002 * end + readLate(end)] as const);
  return out;
}

test('prompt reads: the mapping is the capture-to-page offset, drift followed', () => {
  const hull = lowerHull(chunks((t) => (t % 70) / 20)); // reads up to 3.5 ms late
  for (const t of [15, 3000, 6005, 11_990]) {
    const error = onHull(hull, t) - (40 + 0.002 * t);
    assert.ok(error >= -0.5 && error < 2, `at ${t} ms: off by ${error.toFixed(2)} ms`);
  }
});

test('a page stalled for 5 s (every read 50-170 ms late) leaves the mapping where the prompt reads put it', () => {
  const stalled = (t: number) => (t > 2000 && t < 7000 ? 50 + ((t - 2000) / 5000) * 120 : (t % 70) / 20);
  const hull = lowerHull(chunks(stalled));
  for (const t of [2100, 4500, 6900]) {
    const error = onHull(hull, t) - (40 + 0.002 * t);
    assert.ok(error >= -0.5 && error < 4, `at ${t} ms, inside the stall: off by ${error.toFixed(1)} ms`);
  }
});

test('one chunk: its own offset', () => {
  assert.equal(onHull(lowerHull([[100, 42]]), 50), 42);
});
