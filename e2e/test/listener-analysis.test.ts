// The Node-side measurements of e2e/shipped on synthetic signals: onsets on a grid, the loop's
// position in a recording of it, a bass's chord tones, when a part starts, stops or changes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEMO_LOOP, synthesiseLoop } from '../../apps/sfu/src/demo/loop-synth.ts';
import { gridPhase, loopStart, onsetTimes, wrapS } from '../support/beat-grid.ts';
import { chordToneShare, pitchClassEnergy, triadPitchClasses } from '../support/chroma.ts';
import { firstLoudS, lastLoudS, soundChangeS } from '../support/signal-levels.ts';

const RATE = 48_000;

/** Plucked notes (`hz`, with an octave and a fifth above) at `times` s over `seconds`. */
function notes(times: number[], seconds: number, hz: (i: number) => number, decay = 8): Float32Array {
  const x = new Float32Array(seconds * RATE);
  times.forEach((t, n) => {
    const f = hz(n);
    for (let i = 0; i < 0.4 * RATE && Math.round(t * RATE) + i < x.length; i++) {
      const u = i / RATE;
      const env = Math.min(1, u * 500) * Math.exp(-u * decay);
      x[Math.round(t * RATE) + i] = 0.3 * env * (Math.sin(2 * Math.PI * f * u) + 0.5 * Math.sin(4 * Math.PI * f * u) + 0.3 * Math.sin(6 * Math.PI * f * u));
    }
  });
  return x;
}

let seed = 3;
const random = () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
};

test('onsets on an eighth grid: found one for one, their phase and a small median deviation; off the grid, a large one', () => {
  const eighth = 0.3;
  const onGrid = Array.from({ length: 30 }, (_, i) => 0.123 + i * eighth + (random() - 0.5) * 0.01);
  const found = onsetTimes(notes(onGrid, 10, () => 110), RATE);
  assert.equal(found.length, onGrid.length);
  const phase = gridPhase(found, eighth);
  assert.ok(Math.abs(wrapS(phase.phaseS - 0.123, eighth)) < 0.004, `phase ${phase.phaseS}`);
  assert.ok(phase.madS < 0.006, `MAD ${phase.madS}`);

  const loose = Array.from({ length: 30 }, (_, i) => 0.1 + i * 0.31 + random() * 0.15);
  assert.ok(gridPhase(onsetTimes(notes(loose, 10, () => 110), RATE), eighth).madS > 0.03);
});

test('the grid phase of a part with a few late hits is the phase of its most hits', () => {
  // Two in three on the line (±2 ms), one in three 55 ms late: a mean would fall between them.
  const eighth = 0.3;
  const hits = Array.from({ length: 30 }, (_, i) => 0.2 + i * eighth + (i % 3 === 2 ? 0.055 : (random() - 0.5) * 0.004));
  const phase = gridPhase(hits, eighth);
  assert.ok(Math.abs(wrapS(phase.phaseS - 0.2, eighth)) < 0.003, `phase ${phase.phaseS}`);
  assert.ok(phase.madS < 0.003, `MAD ${phase.madS}`);
  // Half and half: no phase holds most of them close.
  const split = Array.from({ length: 30 }, (_, i) => 0.2 + i * eighth + (i % 2 ? 0.06 : 0));
  assert.ok(gridPhase(split, eighth).madS >= 0.029, `MAD ${gridPhase(split, eighth).madS}`);
});

test('the loop’s start in a recording of it that begins part-way through', () => {
  const loop = synthesiseLoop(DEMO_LOOP);
  const mono = Float32Array.from({ length: loop.frames }, (_, i) => loop.samples[2 * i]! + loop.samples[2 * i + 1]!);
  const skip = Math.round(2.345 * RATE);
  const recording = Float32Array.from({ length: 10 * RATE }, (_, i) => 0.5 * mono[(i + skip) % loop.frames]!);
  const { startS, score } = loopStart(recording, mono, RATE);
  assert.ok(Math.abs(startS - (loop.frames - skip) / RATE) < 0.003, `start ${startS}`);
  assert.ok(score > 0.5, `score ${score}`);
  const noise = Float32Array.from({ length: 10 * RATE }, () => random() - 0.5);
  assert.ok(loopStart(noise, mono, RATE).score < 0.2);
});

test('a bass on the chord’s root scores high on its tones, a fixed wrong note low', () => {
  const am = triadPitchClasses(57, true);
  assert.deepEqual(am, [9, 0, 4]);
  const root = notes([0, 0.6, 1.2, 1.8], 2.4, () => 55); // A1
  assert.ok(chordToneShare(pitchClassEnergy(root, RATE, 0, 2.4), am) > 0.7);
  const wrong = notes([0, 0.6, 1.2, 1.8], 2.4, () => 58.27); // A#1
  assert.ok(chordToneShare(pitchClassEnergy(wrong, RATE, 0, 2.4), am) < 0.25);
});

test('when a part is first and last heard, and when its sound changes', () => {
  const x = new Float32Array(3 * RATE);
  for (let i = RATE; i < 2 * RATE; i++) x[i] = 0.1 * Math.sin((2 * Math.PI * 440 * i) / RATE);
  assert.ok(Math.abs(firstLoudS(x, RATE, -40)! - 1) <= 0.01);
  assert.ok(Math.abs(lastLoudS(x, RATE, -40)! - 2) <= 0.01);
  assert.equal(firstLoudS(new Float32Array(RATE), RATE, -40), null);

  const beats = Array.from({ length: 10 }, (_, i) => i * 0.6);
  const changed = notes(beats, 6, (n) => (beats[n]! < 3 ? 55 : 262), 2);
  const change = soundChangeS(changed, RATE, { fromS: 2.5, settledS: 4 });
  assert.ok(change.before > 0.8 && change.after < 0.2, JSON.stringify(change));
  assert.ok(Math.abs(change.atS! - 3) < 0.06, `changed at ${change.atS}`);
  assert.equal(soundChangeS(notes(beats, 6, () => 55, 2), RATE, { fromS: 2.5, settledS: 4 }).atS, null);
});
