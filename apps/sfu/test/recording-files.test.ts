// The recorder's files: the streaming WAV writer, a stream's timeline file, the mixdown.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { decodeWav } from '@bandmate/media/wav';
import { MIX_CEILING, mixdown } from '../src/recording/mixdown.ts';
import { TimelineTrack } from '../src/recording/timeline-track.ts';
import { WavFileReader } from '../src/recording/wav-file-reader.ts';
import { WavFileWriter, type WavFormat } from '../src/recording/wav-file-writer.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-recfiles-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (name: string) => path.join(dir, `${++n}-${name}.wav`);
const STEREO16: WavFormat = { sampleRate: 48000, channels: 2, bitsPerSample: 16 };

/** Interleaved stereo 16-bit: left = i, right = −i (every sample identifiable). */
function ramp(frames: number, from = 1): Int16Array {
  const out = new Int16Array(frames * 2);
  for (let i = 0; i < frames; i++) {
    out[2 * i] = from + i;
    out[2 * i + 1] = -(from + i);
  }
  return out;
}

function sine(frames: number, hz: number, amp: number, channels = 2): Float32Array {
  const out = new Float32Array(frames * channels);
  for (let i = 0; i < frames; i++) for (let c = 0; c < channels; c++) out[i * channels + c] = amp * Math.sin((2 * Math.PI * hz * i) / 48000);
  return out;
}

const int16 = (ch: Float32Array, i: number) => Math.round(ch[i]! * 32768);

describe('WavFileWriter', () => {
  test('streams 16-bit audio and silence into a valid file whose header is fixed up at close', async () => {
    const f = file('w16');
    const w = await WavFileWriter.create(f, STEREO16);
    w.writeInt16(ramp(1000));
    w.writeSilence(100); // short: written as zeros
    w.writeSilence(200_000); // long: left as a hole
    w.writeInt16(ramp(10, 5000));
    assert.equal(w.frames, 201_110);
    const { frames, bytes } = await w.close();
    assert.equal(frames, 201_110);
    const buf = readFileSync(f);
    assert.equal(buf.length, bytes);
    assert.equal(buf.length, 44 + 201_110 * 4);
    assert.equal(buf.readUInt32LE(4), buf.length - 8, 'RIFF size');
    assert.equal(buf.readUInt32LE(40), 201_110 * 4, 'data size');
    const wav = decodeWav(buf);
    assert.equal(wav.sampleRate, 48000);
    assert.equal(wav.channels.length, 2);
    const [l, r] = wav.channels as [Float32Array, Float32Array];
    assert.equal(int16(l, 0), 1);
    assert.equal(int16(r, 999), -1000);
    for (const i of [1000, 1099, 1100, 100_000, 201_099]) assert.equal(l[i], 0, `silence at ${i}`);
    assert.equal(int16(l, 201_100), 5000);
    assert.equal(int16(r, 201_109), -5009);
    // The long silence took (almost) no disk space where the file system supports holes.
    const used = statSync(f).blocks * 512;
    console.log(`# ${buf.length} bytes, ${used} bytes on disk`);
  });

  test('24-bit float samples round-trip within one 24-bit step, clamped to full scale', async () => {
    const f = file('w24');
    const w = await WavFileWriter.create(f, { ...STEREO16, bitsPerSample: 24 });
    const x = sine(4800, 997, 0.7);
    x[10] = 1.5; // frame 5, both channels: clamped
    x[11] = -2;
    w.writeFloat(x);
    await w.close();
    const wav = decodeWav(readFileSync(f));
    const [l, r] = wav.channels as [Float32Array, Float32Array];
    assert.ok(Math.abs(l[5]! - 8388607 / 8388608) < 1e-6 && Math.abs(r[5]! + 1) < 1e-6, 'clamped');
    let worst = 0;
    for (let i = 0; i < 4800; i++) if (i !== 5) worst = Math.max(worst, Math.abs(l[i]! - x[2 * i]!), Math.abs(r[i]! - x[2 * i + 1]!));
    assert.ok(worst <= 1 / 8388608 + 1e-9, `24-bit error ${worst}`);
  });

  test('the header is kept up to date while writing (a file cut short by a crash still reads)', async () => {
    const f = file('crash');
    const w = await WavFileWriter.create(f, STEREO16);
    for (let i = 0; i < 30; i++) w.writeInt16(ramp(48000)); // 5.5 MB
    await w.flush();
    const mid = readFileSync(f);
    assert.ok(mid.readUInt32LE(40) >= 4 * 1024 * 1024, `data size in the header mid-way: ${mid.readUInt32LE(40)}`);
    const reader = await WavFileReader.open(f);
    assert.equal(reader.frames, 30 * 48000, 'the reader trusts the file over a stale header');
    await reader.close();
    await w.close();
  });

  test('never overwrites a file, and reports a failed disk at close', async () => {
    const f = file('once');
    await (await WavFileWriter.create(f, STEREO16)).close();
    await assert.rejects(WavFileWriter.create(f, STEREO16), /EEXIST/);
    const w = await WavFileWriter.create(file('closed'), STEREO16);
    await w.close();
    await assert.rejects(w.close(), /already closed/);
  });
});

describe('TimelineTrack', () => {
  test('a late start gets leading silence, a gap gets silence of its exact length, the end is padded', async () => {
    const f = file('late');
    const t = await TimelineTrack.create(f, STEREO16, 10 * 48000);
    t.writeAt(48000, ramp(480)); // first audio 1 s into the recording
    t.writeAt(48480, ramp(480, 481)); // contiguous
    t.writeAt(48960 + 4800, ramp(480, 2000)); // 100 ms lost before this packet
    assert.equal(await t.finish(3 * 48000), 3 * 48000);
    const [l] = decodeWav(readFileSync(f)).channels as [Float32Array];
    assert.equal(l.length, 3 * 48000);
    assert.equal(l.subarray(0, 48000).some((v) => v !== 0), false, 'silent before the join');
    assert.equal(int16(l, 48000), 1);
    assert.equal(int16(l, 48959), 960);
    assert.equal(l.subarray(48960, 48960 + 4800).some((v) => v !== 0), false, '100 ms gap is silent');
    assert.equal(int16(l, 48960 + 4800), 2000, 'audio after the gap lands where its timestamp says');
    assert.equal(l.subarray(48960 + 5280).some((v) => v !== 0), false, 'silent after the last packet');
    assert.equal(t.audioFrames, 1440);
  });

  test('audio overlapping what is written is cut; the file is cut at the end of the timeline', async () => {
    const f = file('overlap');
    const t = await TimelineTrack.create(f, STEREO16, 48000);
    t.writeAt(0, ramp(480));
    t.writeAt(240, ramp(480, 10_000)); // half overlaps
    t.writeAt(100, ramp(100, 20_000)); // wholly in the past
    assert.equal(t.overlapFrames, 340);
    t.writeAt(47_900, ramp(480, 30_000)); // runs past maxFrames: clipped
    assert.equal(t.frames, 48000);
    assert.equal(await t.finish(30_000), 30_000); // stop came earlier: truncated
    const [l] = decodeWav(readFileSync(f)).channels as [Float32Array];
    assert.equal(l.length, 30_000);
    assert.equal(int16(l, 479), 480);
    assert.equal(int16(l, 480), 10_240, 'the overlapping packet continues after what was written');
    assert.equal(int16(l, 719), 10_479);
  });
});

describe('mixdown', () => {
  async function stem(name: string, frames: number, make: (i: number) => number, startFrame = 0): Promise<string> {
    const f = file(name);
    const t = await TimelineTrack.create(f, STEREO16, frames);
    const pcm = new Int16Array((frames - startFrame) * 2);
    for (let i = 0; i < frames - startFrame; i++) pcm[2 * i] = pcm[2 * i + 1] = Math.round(make(startFrame + i) * 32767);
    t.writeAt(startFrame, pcm);
    await t.finish(frames);
    return f;
  }
  const frames = 3 * 48000 + 123;

  test('loud stems: the sum is scaled to peak at −1 dBFS, never clipping, balance kept', async () => {
    const a = await stem('a', frames, (i) => 0.9 * Math.sin((2 * Math.PI * 440 * i) / 48000));
    // The second stem joins 1 s late (leading silence), in phase: the sum peaks near 1.8.
    const b = await stem('b', frames, (i) => 0.9 * Math.sin((2 * Math.PI * 440 * i) / 48000), 48000);
    const out = file('mix');
    const r = await mixdown([a, b], out, { totalFrames: frames, points: 500, format: { ...STEREO16, bitsPerSample: 24 } });
    assert.ok(r.sumPeak > 1.75 && r.sumPeak < 1.81, `sum peak ${r.sumPeak}`);
    assert.ok(Math.abs(r.gain - MIX_CEILING / r.sumPeak) < 1e-9);
    const [l] = decodeWav(readFileSync(out)).channels as [Float32Array];
    assert.equal(l.length, frames);
    const peak = l.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    assert.ok(peak <= MIX_CEILING + 1e-6, `mix peak ${peak} above the ceiling`);
    assert.ok(peak > MIX_CEILING - 0.01, `mix peak ${peak} uses the headroom`);
    // Sample by sample: gain × (a + b), with b silent for the first second.
    const [la] = decodeWav(readFileSync(a)).channels as [Float32Array];
    const [lb] = decodeWav(readFileSync(b)).channels as [Float32Array];
    for (const i of [5, 1000, 47_999, 48_000, 60_001, frames - 1]) {
      assert.ok(Math.abs(l[i]! - r.gain * (la[i]! + lb[i]!)) < 1e-5, `mix sample ${i}`);
    }
    assert.equal(r.mixPeaks.length, 500);
    assert.equal(r.stemPeaks[1]!.slice(0, 150).every((p) => p === 0), true, 'the late stem preview is flat before it joins');
    assert.ok(r.stemPeaks[0]!.every((p) => p > 0.85 && p <= 0.9), 'the first stem preview is 0.9 throughout');
    assert.ok(Math.abs(r.mixPeaks[400]! - MIX_CEILING) < 0.01 && Math.abs(r.mixPeaks[50]! - 0.9 * r.gain) < 0.01);
  });

  test('quiet stems are summed as they are: no boost', async () => {
    const a = await stem('qa', frames, (i) => 0.2 * Math.sin((2 * Math.PI * 300 * i) / 48000));
    const b = await stem('qb', frames, (i) => 0.2 * Math.sin((2 * Math.PI * 500 * i) / 48000));
    const r = await mixdown([a, b], file('qmix'), { totalFrames: frames, points: 100, format: { ...STEREO16, bitsPerSample: 24 } });
    assert.equal(r.gain, 1);
    assert.ok(r.sumPeak < 0.41);
    assert.equal(r.mixPeaks.length, 100);
  });
});
