// An AI player on the room's metronome, over real UDP and Opus: a control model's notes land on
// the grid the worker mapped from server time onto its stream, follow a tempo change at its bar
// line, and a switch of instrument on the same track takes effect at once.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { TempoState } from '@bandmate/shared';
import { OpusFrameDecoder } from '@bandmate/media/opus-codec';
import { parseRtp } from '@bandmate/media/rtp';
import { AccompanimentEngine } from '../src/engine/engine.ts';
import { Accompanist } from '../src/room/accompanist.ts';
import { gridOnStream, OUTPUT_LAG_MS } from '../src/room/stream-grid.ts';
import { soundFontAvailable, writeControlFixtureModel } from './fixtures/build-control-fixture.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-grid-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const withSynth = { skip: soundFontAvailable() ? false : 'no SoundFont at models/default/instruments.sf3' };

/** This test's "SFU clock": an offset from performance.now(), as another process's would be. */
const SERVER_OFFSET_MS = 1_700_000_000_000;
const serverNow = () => performance.now() + SERVER_OFFSET_MS;

test('the metronome grid in server time maps onto a stream: beats on the local clock, at any stream start', () => {
  const tempo: TempoState = { bpm: 120, beatsPerBar: 4, running: true, startAt: 10_000, countInBeats: 0 };
  // Tick 0 at local 5000 ms; the stream's sample 0 is sent at tick 37; server = local + 2000.
  const grid = gridOnStream({ tempo, serverToLocalMs: -2000 }, { startMs: 5000, firstTick: 37, frameMs: 10, roomRate: 48000 })!;
  assert.equal(grid.bpm, 120);
  const beatLocalMs = 5000 + 37 * 10 + (grid.firstBeatSample / 48000) * 1000;
  // A downbeat: 8000 ms local (10 000 server) minus the output lag, give or take whole bars (2 s).
  const bars = (beatLocalMs - (8000 - OUTPUT_LAG_MS)) / 2000;
  assert.ok(Math.abs(bars - Math.round(bars)) < 1e-9, `${bars} bars`);
  assert.ok(Math.abs(grid.firstBeatSample) <= 48000, 'the nearest downbeat, a small index');
  assert.equal(gridOnStream({ tempo: { ...tempo, running: false, startAt: null }, serverToLocalMs: 0 }, { startMs: 0, firstTick: 0, frameMs: 10, roomRate: 48000 }), null);
});

test('a control-model player plays on the grid, follows a tempo change at its bar line, and switches instrument at once', withSynth, async () => {
  const engine = await AccompanimentEngine.load(writeControlFixtureModel(path.join(dir, 'control'))!);
  const settings = { tf: -0.12, k: 0.04, seed: 1 };
  const drums = await engine.openStream({ ...settings, instrument: 'drums' });
  const sfu = createSocket('udp4');
  await new Promise<void>((r) => sfu.bind(0, '127.0.0.1', r));
  const acc = await Accompanist.open({ jitterTargetMs: 40 });
  const decoder = new OpusFrameDecoder();
  const packets: Array<{ at: number; ts: number; pcm: Float32Array }> = [];
  sfu.on('message', (msg) => {
    const p = parseRtp(msg)!;
    const stereo = decoder.decode(p.payload);
    packets.push({ at: performance.now(), ts: p.timestamp, pcm: Float32Array.from({ length: 480 }, (_, i) => stereo[2 * i]!) });
  });
  const serverToLocalMs = -SERVER_OFFSET_MS;
  const first: TempoState = { bpm: 120, beatsPerBar: 4, running: true, startAt: serverNow() + 300, countInBeats: 4 };
  acc.setGrid(first, serverToLocalMs);
  acc.start({ stream: drums, sendTo: { ip: '127.0.0.1', port: sfu.address().port }, ssrc: 9, payloadType: 100 });

  // At 2.5 s the host changes the tempo: it switches at the first bar line at least 1 s ahead.
  await sleep(2500);
  const changeAt = first.startAt! + Math.ceil((serverNow() + 1000 - first.startAt!) / 2000) * 2000;
  const second: TempoState = { bpm: 90, beatsPerBar: 4, running: true, startAt: changeAt, countInBeats: 0 };
  acc.setGrid(second, serverToLocalMs);
  await sleep(changeAt - serverNow() + 3000);
  // Then the host makes the drummer a bassist: the same track carries the new stream.
  const bass = await engine.openStream({ ...settings, instrument: 'bass' });
  const swappedAt = performance.now();
  await engine.closeStream(acc.swapStream(bass));
  await sleep(1500);
  acc.close();
  sfu.close();
  await engine.close();

  // Each packet on the AI's media clock, placed by its least delay (what a listener's jitter buffer does).
  const media = (p: (typeof packets)[number]) => (((p.ts - packets[0]!.ts) >>> 0) / 48) as number;
  const base = Math.min(...packets.map((p) => p.at - media(p)));
  const samples = new Float32Array(packets.length * 480);
  packets.forEach((p, i) => samples.set(p.pcm, i * 480));
  const timeOf = (sample: number) => base + (sample / 48000) * 1000;
  const drumsEnd = packets.findIndex((p) => p.at >= swappedAt) * 480;
  const onsets = findOnsets(samples.subarray(0, drumsEnd)).map(timeOf);
  assert.ok(onsets.length >= 10, `${onsets.length} drum hits`);

  // Every hit is on a beat of the grid in force at its time: the first one, then the new tempo from its bar line.
  // A listener decodes the AI's Opus 6.5 ms after its RTP time; beats are placed OUTPUT_LAG_MS early for the tick and that codec pass.
  const expectedLag = 6.5 - OUTPUT_LAG_MS;
  const offsets = onsets.map((t) => {
    const server = t - serverToLocalMs;
    const grid = server >= second.startAt! - 100 ? second : first;
    const beat = 60_000 / grid.bpm;
    const phase = (server - grid.startAt! - expectedLag) / beat;
    return (phase - Math.round(phase)) * beat;
  });
  const afterChange = onsets.filter((t) => t - serverToLocalMs > second.startAt! + 100).length;
  console.log(`drum hits vs grid (ms): ${offsets.map((o) => o.toFixed(1)).join(' ')}; ${afterChange} after the tempo change`);
  assert.ok(afterChange >= 4, 'hits after the tempo change');
  for (const o of offsets) assert.ok(Math.abs(o) <= 12, `a hit ${o.toFixed(1)} ms off the grid`);
  // The hits after the change are 667 ms apart (90 BPM), not 500.
  const late = onsets.filter((t) => t - serverToLocalMs > second.startAt! - 100);
  const gaps = late.slice(1).map((t, i) => t - late[i]!);
  assert.ok(gaps.every((g) => Math.abs(g - 666.7) < 12), `gaps after the change: ${gaps.map((g) => g.toFixed(0)).join(' ')}`);

  // The bass (A1, held: 110 Hz still sounds 300 ms after its onset, when a kick has died away) comes on
  // the same track at its first beat after the swap: the fixture starts notes on beats only.
  const held = (onset: number) => goertzel(samples.subarray(onset + 14400, onset + 19200), 110);
  const kicks = findOnsets(samples.subarray(0, drumsEnd)).slice(0, -1);
  const swapSample = Math.round(((swappedAt - base) / 1000) * 48000);
  const firstNew = findOnsets(samples).find((o) => o > swapSample);
  assert.ok(firstNew !== undefined, 'a note after the swap');
  const switchMs = ((firstNew - swapSample) / 48000) * 1000;
  const beatMs = 60_000 / second.bpm;
  const kickSustain = Math.max(...kicks.map(held));
  console.log(`instrument switch: first note ${switchMs.toFixed(0)} ms after the swap (a beat is ${beatMs.toFixed(0)} ms); 110 Hz 300 ms on: bass ${held(firstNew).toFixed(4)}, kicks ≤ ${kickSustain.toFixed(4)}`);
  assert.ok(switchMs <= beatMs + 20, `first note ${switchMs.toFixed(0)} ms after the swap`);
  assert.ok(held(firstNew) > 0.004 && held(firstNew) > 3 * kickSustain, 'the new note is the held bass, not a kick');
  assert.ok(Math.abs(goertzel(samples.subarray(firstNew + 2400, firstNew + 7200), 55)) > 0.004, 'at A1');
});

/** Onsets: a 1 ms block ten times louder than the 10–30 ms before it, at least 150 ms apart. */
function findOnsets(x: Float32Array): number[] {
  const block = 48;
  const energy = Array.from({ length: Math.floor(x.length / block) }, (_, b) => {
    let e = 0;
    for (let i = b * block; i < (b + 1) * block; i++) e += x[i]! * x[i]!;
    return e / block;
  });
  const onsets: number[] = [];
  for (let b = 30; b < energy.length; b++) {
    let before = 0;
    for (let j = b - 30; j < b - 10; j++) before += energy[j]!;
    before /= 20;
    if (energy[b]! > 1e-5 && energy[b]! > 10 * before && (onsets.length === 0 || b * block - onsets.at(-1)! > 0.15 * 48000)) {
      // The first sample of the block that rises above a tenth of the block's peak.
      let peak = 0;
      for (let i = b * block; i < (b + 1) * block; i++) peak = Math.max(peak, Math.abs(x[i]!));
      let i = (b - 1) * block;
      while (Math.abs(x[i]!) < peak / 10) i++;
      onsets.push(i);
    }
  }
  return onsets;
}

/** Amplitude of one frequency in x. */
function goertzel(x: Float32Array, hz: number): number {
  let re = 0;
  let im = 0;
  for (let i = 0; i < x.length; i++) {
    re += x[i]! * Math.cos((2 * Math.PI * hz * i) / 48000);
    im -= x[i]! * Math.sin((2 * Math.PI * hz * i) / 48000);
  }
  return (2 * Math.hypot(re, im)) / x.length;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}
