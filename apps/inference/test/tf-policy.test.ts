// The AI's look-ahead from measured latency (issue 10): what t_f covers, the model's grid and
// trained range, and the hysteresis that keeps a stream from being swapped back and forth.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TfFollower, tfFor, type TfGrid } from '../src/room/tf-policy.ts';

// The shipped model's grid: 40 ms frames and chunks, t_f in 10 ms steps, look-back trained for 80–200 ms.
const shipped: TfGrid = { kSeconds: 0.04, frameSeconds: 0.04, stepSeconds: 0.01, trainedTf: { min: -0.2, max: -0.08 } };

test('t_f covers jitter buffer + step compute + network + margin + k, on the grid, within the trained range', () => {
  // 40 + 12 + 0.4 + 5 ms + 40 ms = 97.4 ms → the next step back: −0.10 s.
  assert.equal(tfFor({ jitterMs: 40, computeP99Ms: 12, networkMs: 0.4 }, shipped), -0.1);
  // A slower machine or a remote worker needs more look-ahead.
  assert.equal(tfFor({ jitterMs: 40, computeP99Ms: 35, networkMs: 30 }, shipped), -0.15);
  // Beyond what the model was trained for: its end (the rest shows as late frames).
  assert.equal(tfFor({ jitterMs: 200, computeP99Ms: 40, networkMs: 100 }, shipped), -0.2);
  // A budget under the trained range is held at the latest t_f it was trained for.
  assert.equal(tfFor({ jitterMs: 0, computeP99Ms: 1, networkMs: 0 }, shipped), -0.08);
  // Another model: 10 ms frames, k = 2 frames, look-back trained for 30–300 ms.
  const fine: TfGrid = { kSeconds: 0.02, frameSeconds: 0.01, stepSeconds: 0.01, trainedTf: { min: -0.3, max: -0.03 } };
  assert.equal(tfFor({ jitterMs: 30, computeP99Ms: 3, networkMs: 1 }, fine), -0.06);
});

test('a running player moves to an earlier t_f after 3 reports in a row want one, never to a later one', () => {
  const f = new TfFollower(-0.1);
  // A quieter machine would allow a later t_f: the running stream keeps its own.
  for (let i = 0; i < 5; i++) assert.equal(f.next(-0.08), undefined);
  // A busier one: three reports in a row, to the earliest of them; an interruption starts the count again.
  assert.equal(f.next(-0.12), undefined);
  assert.equal(f.next(-0.1), undefined);
  assert.equal(f.next(-0.12), undefined);
  assert.equal(f.next(-0.14), undefined);
  assert.equal(f.next(-0.11), -0.14);
  assert.equal(f.current, -0.14);
  assert.equal(f.next(-0.13), undefined);
});
