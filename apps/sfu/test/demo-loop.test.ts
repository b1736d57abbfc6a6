import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FRAME_SAMPLES, OpusFrameDecoder } from '@bandmate/media/opus-codec';
import { DEMO_LOOP, synthesiseLoop } from '../src/demo/loop-synth.ts';
import { encodeLoop } from '../src/demo/virtual-musician.ts';
import { toneAmplitude } from './tone.ts';

const rms = (x: Float32Array, from: number, to: number, channel: number) => {
  let sum = 0;
  for (let i = from; i < to; i++) sum += x[2 * i + channel]! ** 2;
  return Math.sqrt(sum / (to - from));
};

/** Magnitude of one frequency over a span of the left channel: half its amplitude. */
const magnitude = (x: Float32Array, from: number, to: number, hz: number, rate: number) => toneAmplitude(x, from, to, hz, rate, 2) / 2;

test('the demo loop: 4 bars at its tempo, −3 dBFS peak, stereo, a beat and the chord roots in the bass', () => {
  const loop = synthesiseLoop();
  const rate = DEMO_LOOP.sampleRate;
  const beat = Math.round(loop.beatSeconds * rate);
  assert.equal(loop.frames, 16 * beat);
  let peak = 0;
  for (const v of loop.samples) peak = Math.max(peak, Math.abs(v));
  assert.ok(Math.abs(20 * Math.log10(peak) + 3) < 0.1, `peak ${peak}`);
  // Panned parts: the channels differ.
  let diff = 0;
  for (let i = 0; i < loop.frames; i++) diff += Math.abs(loop.samples[2 * i]! - loop.samples[2 * i + 1]!);
  assert.ok(diff / loop.frames > 0.005);
  // The beat: the first 50 ms of each beat is louder than the 50 ms before it.
  const ms50 = rate / 20;
  for (let b = 1; b < 16; b++) assert.ok(rms(loop.samples, b * beat, b * beat + ms50, 0) > rms(loop.samples, b * beat - ms50, b * beat, 0), `beat ${b}`);
  // Bar by bar, the bass plays the chord root an octave down, not the other bars' roots.
  DEMO_LOOP.bars.forEach((bar, i) => {
    // Per eighth note (each note starts afresh, so a whole-bar sum would mix their phases).
    const at = (midi: number) => {
      let sum = 0;
      for (let e = 0; e < 8; e++) {
        const from = i * 4 * beat + (e * beat) / 2;
        sum += magnitude(loop.samples, from, from + beat / 2, 440 * 2 ** ((midi - 12 - 69) / 12), rate);
      }
      return sum;
    };
    for (const other of DEMO_LOOP.bars) {
      if (other.root !== bar.root) assert.ok(at(bar.root) > 2 * at(other.root), `bar ${i + 1}: root ${bar.root} over ${other.root}`);
    }
  });
  // Seeded: the same loop every time.
  assert.deepEqual(synthesiseLoop().samples.slice(0, 4800), loop.samples.slice(0, 4800));
});

test('the loop as Opus packets: one per 10 ms, and played round twice it is the loop, seamless at the wrap', () => {
  const loop = synthesiseLoop();
  const { packets, silence } = encodeLoop(loop);
  assert.equal(packets.length, loop.frames / FRAME_SAMPLES);
  const decoder = new OpusFrameDecoder();
  const heard = new Float32Array(2 * packets.length * FRAME_SAMPLES * 2);
  for (let i = 0; i < 2 * packets.length; i++) heard.set(decoder.decode(packets[i % packets.length]!), i * FRAME_SAMPLES * 2);
  // Opus delays by 312 samples (6.5 ms); compare the second time round, across the wrap into it,
  // 10 ms window by window: every window at the loop's level (a glitch at the wrap would not be).
  const delay = 312;
  let worst = 0;
  for (let w = -20; w < 200; w++) {
    const from = w * FRAME_SAMPLES;
    const original = rms(loop.samples, (from + loop.frames) % loop.frames, ((from + loop.frames) % loop.frames) + FRAME_SAMPLES, 0);
    const decoded = rms(heard, loop.frames + from + delay, loop.frames + from + delay + FRAME_SAMPLES, 0);
    worst = Math.max(worst, Math.abs(20 * Math.log10((decoded + 1e-9) / (original + 1e-9))));
  }
  assert.ok(worst < 1.5, `a 10 ms window ${worst.toFixed(2)} dB off the loop's level`);
  assert.ok(Math.max(...new OpusFrameDecoder().decode(silence).map(Math.abs)) < 1e-3, 'silence is silent');
  assert.throws(() => encodeLoop({ ...loop, frames: loop.frames - 1 }), RangeError);
});
