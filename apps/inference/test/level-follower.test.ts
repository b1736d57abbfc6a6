import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LevelFollower } from '../src/room/level-follower.ts';

const FRAME = 480;
const RATE = 48000;
const db = (x: number) => 20 * Math.log10(x);
const rms = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);

/** Frame n of a sine at `amplitude`. */
function tone(n: number, hz: number, amplitude: number): Float32Array {
  return Float32Array.from({ length: FRAME }, (_, j) => amplitude * Math.sin((2 * Math.PI * hz * (n * FRAME + j)) / RATE));
}

/** Runs `seconds` of a mix and a part through a follower; returns the part's output RMS over the last second. */
function run(follower: LevelFollower, seconds: number, mixAmp: number, partAmp: number, volume = 1, partGate?: (n: number) => boolean): number {
  const frames = seconds * 100;
  let sum = 0;
  let count = 0;
  for (let n = 0; n < frames; n++) {
    follower.hearMix(tone(n, 220, mixAmp));
    const part = partGate && !partGate(n) ? new Float32Array(FRAME) : tone(n, 110, partAmp);
    const out = follower.apply(part, volume);
    if (n >= frames - 100) {
      sum += out.reduce((s, v) => s + v * v, 0);
      count += FRAME;
    }
  }
  return Math.sqrt(sum / count);
}

test('a quiet part is lifted to sit with the mix (within 6 dB of its RMS); the host volume scales on top', () => {
  // The shipped audio model plays about 20 dB under the room: −38 against −18 dBFS.
  const mixAmp = 0.18;
  const mixDb = db(mixAmp / Math.SQRT2);
  const follower = new LevelFollower();
  const before = db(run(new LevelFollower({ slewDbPerSecond: 0 }), 1, mixAmp, 0.018));
  const after = db(run(follower, 10, mixAmp, 0.018));
  console.log(`part ${before.toFixed(1)} dBFS → ${after.toFixed(1)} dBFS, mix ${mixDb.toFixed(1)} dBFS, gain ${follower.gainDb.toFixed(1)} dB`);
  assert.ok(mixDb - before > 15, 'the part starts far below the mix');
  assert.ok(Math.abs(after - mixDb) < 1, `part ${after.toFixed(1)} dBFS vs mix ${mixDb.toFixed(1)} dBFS`);
  // A loud part comes down the same way.
  assert.ok(Math.abs(db(run(new LevelFollower(), 10, mixAmp, 0.9)) - mixDb) < 1);
  // Half volume from the host: 6 dB under the followed level.
  const halved = db(run(new LevelFollower(), 10, mixAmp, 0.018, 0.5));
  assert.ok(Math.abs(halved - (mixDb - 6.02)) < 1, `at volume 0.5: ${halved.toFixed(1)} dBFS`);
  // A sparse part (a drummer's hits, sounding 1 frame in 5) is matched on its RMS over the window too.
  const sparse = db(run(new LevelFollower(), 12, mixAmp, 0.02, 1, (n) => n % 5 === 0));
  assert.ok(Math.abs(sparse - mixDb) < 6, `sparse part ${sparse.toFixed(1)} dBFS vs mix ${mixDb.toFixed(1)} dBFS`);
});

test('the gain is bounded, moves smoothly (no clicks), and holds through silence', () => {
  // 60 dB under the mix: the gain stops at its +30 dB bound instead of lifting noise.
  const bounded = new LevelFollower();
  run(bounded, 20, 0.5, 0.0005);
  assert.ok(Math.abs(bounded.gainDb - 30) < 0.01, `gain ${bounded.gainDb.toFixed(2)} dB`);

  // A steady signal through a gain that is moving: no sample-to-sample step beyond the signal's own.
  const follower = new LevelFollower();
  let previous: number | undefined;
  let largestStep = 0;
  for (let n = 0; n < 300; n++) {
    follower.hearMix(tone(n, 220, 0.3));
    const out = follower.apply(new Float32Array(FRAME).fill(0.01), 1);
    for (const v of out) {
      if (previous !== undefined) largestStep = Math.max(largestStep, Math.abs(v - previous));
      previous = v;
    }
  }
  assert.ok(follower.gainDb > 20, `the gain rose (${follower.gainDb.toFixed(1)} dB)`);
  // 12 dB/s at most: a 10 ms frame moves the gain by under 1.4 %, spread over its 480 samples.
  assert.ok(largestStep < 0.01 * follower.gain * 0.0002, `largest step ${largestStep}`);

  // Silence out of the part: silence out, and the gain it had is kept for when it plays again.
  const held = follower.gainDb;
  for (let n = 0; n < 500; n++) {
    follower.hearMix(tone(n, 220, 0.3));
    assert.equal(rms(follower.apply(new Float32Array(FRAME), 1)), 0);
  }
  assert.ok(Math.abs(follower.gainDb - held) < 0.01);
  // A silent room does not move it either (only its first second of silence is measured).
  for (let n = 0; n < 500; n++) {
    follower.hearMix(new Float32Array(FRAME));
    follower.apply(new Float32Array(FRAME).fill(0.01), 1);
  }
  assert.ok(Math.abs(follower.gainDb - held) < 0.01, `gain in a silent room ${follower.gainDb.toFixed(1)} dB (was ${held.toFixed(1)})`);
});
