import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Resampler } from '../src/audio/resampler.ts';
import { decodeWav, encodeWav, WavError } from '@bandmate/media/wav';

function sine(hz: number, rate: number, seconds: number, amp = 0.5): Float32Array {
  return Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => amp * Math.sin((2 * Math.PI * hz * i) / rate));
}

/** Frequency by zero crossings and RMS level, over the steady middle of a signal. */
function measure(x: Float32Array, rate: number) {
  const mid = x.subarray(Math.floor(x.length * 0.25), Math.floor(x.length * 0.75));
  let crossings = 0;
  let sum = 0;
  for (let i = 1; i < mid.length; i++) {
    if (mid[i - 1]! < 0 && mid[i]! >= 0) crossings++;
    sum += mid[i]! * mid[i]!;
  }
  return { hz: (crossings * rate) / mid.length, rms: Math.sqrt(sum / mid.length) };
}

for (const [from, to] of [
  [48000, 24000],
  [24000, 48000],
  [44100, 48000],
] as const) {
  test(`resampling ${from} → ${to} Hz keeps a 440 Hz tone's pitch and level, streamed in odd blocks`, () => {
    const r = new Resampler(from, to);
    const input = sine(440, from, 1);
    const parts: Float32Array[] = [];
    for (let i = 0; i < input.length; i += 333) parts.push(r.process(input.subarray(i, i + 333)));
    const out = Float32Array.from(parts.flatMap((p) => [...p]));
    assert.ok(Math.abs(out.length - to) < to * 0.01, `length ${out.length}`);
    const m = measure(out, to);
    assert.ok(Math.abs(m.hz - 440) < 3, `pitch ${m.hz}`);
    assert.ok(Math.abs(m.rms - 0.5 / Math.SQRT2) < 0.01, `level ${m.rms}`);
  });
}

test('downsampling removes what the new rate cannot carry', () => {
  const r = new Resampler(48000, 24000);
  const out = r.process(sine(15000, 48000, 0.5));
  assert.ok(measure(out, 24000).rms < 0.01, 'a 15 kHz tone must not alias into the 24 kHz output');
});

test('same rate is a pass-through with no delay', () => {
  const r = new Resampler(48000, 48000);
  const x = sine(1000, 48000, 0.01);
  assert.deepEqual(r.process(x), x);
  assert.equal(r.delaySeconds, 0);
});

test('WAV round trip and the common encodings decode to the same samples', () => {
  const left = sine(440, 22050, 0.1);
  const right = sine(660, 22050, 0.1);
  const decoded = decodeWav(encodeWav({ sampleRate: 22050, channels: [left, right] }));
  assert.equal(decoded.sampleRate, 22050);
  assert.equal(decoded.channels.length, 2);
  for (let i = 0; i < left.length; i++) assert.ok(Math.abs(decoded.channels[0]![i]! - left[i]!) < 1e-4);

  const float = Buffer.alloc(44 + 8);
  float.write('RIFF', 0);
  float.writeUInt32LE(44, 4);
  float.write('WAVEfmt ', 8);
  float.writeUInt32LE(16, 16);
  float.writeUInt16LE(3, 20);
  float.writeUInt16LE(1, 22);
  float.writeUInt32LE(8000, 24);
  float.writeUInt32LE(32000, 28);
  float.writeUInt16LE(4, 32);
  float.writeUInt16LE(32, 34);
  float.write('data', 36);
  float.writeUInt32LE(8, 40);
  float.writeFloatLE(0.25, 44);
  float.writeFloatLE(-0.5, 48);
  assert.deepEqual([...decodeWav(float).channels[0]!], [0.25, -0.5]);
});

test('unreadable WAVs get clear errors', () => {
  assert.throws(() => decodeWav(Buffer.from('hello world, not a wav')), (e: Error) => e instanceof WavError && /not a WAV/.test(e.message));
  const noData = encodeWav({ sampleRate: 8000, channels: [new Float32Array(2)] }).subarray(0, 36);
  assert.throws(() => decodeWav(noData), /no audio data/);
});
