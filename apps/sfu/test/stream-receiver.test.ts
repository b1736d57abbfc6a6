// A stream's way from RTP to its timeline file, with real Opus and a simulated clock: where
// audio lands when packets come late, get lost, wrap around, arrive out of order or jump.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { OpusFrameEncoder } from '@bandmate/media/opus-codec';
import type { RtpPacket } from '@bandmate/media/rtp';
import { decodeWav } from '@bandmate/media/wav';
import { StreamReceiver, stretch } from '../src/recording/stream-receiver.ts';
import { TimelineTrack } from '../src/recording/timeline-track.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-stream-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;

const FRAME = 480;
const REORDER_MS = 200;
const SETTLE_MS = 500;

/**
 * `count` 10 ms Opus packets; frames in the `tone` ranges carry a 440 Hz tone at 0.5, the rest
 * silence (or the tone at `bed` amplitude: never silent).
 */
function makePackets(count: number, opts: { firstTs?: number; tone: Array<[number, number]>; tsJumpAt?: number; bed?: number }): RtpPacket[] {
  const enc = new OpusFrameEncoder();
  const out: RtpPacket[] = [];
  let ts = opts.firstTs ?? 123_456;
  for (let k = 0; k < count; k++) {
    if (k === opts.tsJumpAt) ts += 10 * 48000 + 77; // a sender that restarted its clock
    const on = opts.tone.some(([a, b]) => k >= a && k < b);
    const amp = on ? 0.5 : (opts.bed ?? 0);
    const frame = Float32Array.from({ length: FRAME }, (_, j) => amp * Math.sin((2 * Math.PI * 440 * (k * FRAME + j)) / 48000));
    out.push({ payloadType: 111, sequenceNumber: (1000 + k) & 0xffff, timestamp: ts >>> 0, ssrc: 1, marker: false, payload: enc.encodeMono(frame) });
    ts += FRAME;
  }
  return out;
}

/** Feeds packets at the given arrival times (ms after the timeline's origin); returns the file's left channel. */
async function record(packets: RtpPacket[], arrival: (k: number) => number, order?: number[], totalMs = 4000) {
  const file = path.join(dir, `${++fileNo}.wav`);
  const track = await TimelineTrack.create(file, { sampleRate: 48000, channels: 2, bitsPerSample: 16 }, 60 * 48000);
  const rx = new StreamReceiver(track, { originMs: 0, sampleRate: 48000, reorderDelayMs: REORDER_MS, settleMs: SETTLE_MS });
  const sequence = order ?? packets.map((_, k) => k);
  const events = sequence.map((k) => ({ k, at: arrival(k) })).sort((a, b) => a.at - b.at);
  for (const { k, at } of events) rx.push(packets[k]!, at);
  rx.flush();
  await track.finish((totalMs * 48000) / 1000);
  const [left] = decodeWav(readFileSync(file)).channels as [Float32Array];
  return { left, stats: rx.stats };
}

/** Sample indices where a tone starts: the first sample above `on` after 20 ms below `off`. */
function onsets(x: Float32Array, on = 0.1, off = 0.02): number[] {
  const found: number[] = [];
  let quiet = 0;
  let armed = true;
  for (let i = 0; i < x.length; i++) {
    const v = Math.abs(x[i]!);
    quiet = v < off ? quiet + 1 : 0;
    if (quiet >= 960) armed = true;
    if (armed && v > on) {
      found.push(i);
      armed = false;
    }
  }
  return found;
}

const rms = (x: Float32Array, from: number, to: number) => Math.sqrt(x.subarray(from, to).reduce((s, v) => s + v * v, 0) / (to - from));

const TONES: Array<[number, number]> = [
  [50, 70],
  [150, 170],
  [250, 270],
];
const packets = makePackets(300, { tone: TONES });
/** Opus's own delay (lookahead), measured on a clean run: every other run is compared with it. */
let codecDelay = 0;
let clean: Float32Array;

test('clean stream: the tones sit at their timestamps (plus the codec delay)', async () => {
  const { left, stats } = await record(packets, (k) => k * 10);
  clean = left;
  const found = onsets(left);
  assert.equal(found.length, 3, `onsets ${found}`);
  codecDelay = found[0]! - 50 * FRAME;
  assert.ok(codecDelay >= 0 && codecDelay < FRAME, `codec delay ${codecDelay} samples`);
  assert.deepEqual(found, TONES.map(([a]) => a * FRAME + codecDelay));
  assert.equal(stats.missing, 0);
  console.log(`# Opus delay through the recorder: ${codecDelay} samples (${(codecDelay / 48).toFixed(2)} ms)`);
});

test('late start with jitter: the stream starts where its least-delayed packet says, not its first', async () => {
  // The first packet is 25 ms late; others 0–30 ms; a few arrive on time.
  const jitter = [25, 3, 0, 12, 30, 7, 18, 0, 22, 9, 14, 28, 1, 5];
  const { left } = await record(packets, (k) => 1500 + k * 10 + jitter[k % jitter.length]!, undefined, 5000);
  const expected = TONES.map(([a]) => 1500 * 48 + a * FRAME + codecDelay);
  assert.deepEqual(onsets(left), expected);
  assert.ok(rms(left, 0, 1500 * 48) === 0, 'silence before the stream joined');
});

test('lost packets leave silence of exactly their length: the audio after them does not move', async () => {
  const lost = new Set(Array.from({ length: 30 }, (_, i) => 155 + i)); // 300 ms from inside the second tone
  const order = packets.map((_, k) => k).filter((k) => !lost.has(k));
  const { left, stats } = await record(packets, (k) => k * 10, order);
  assert.equal(stats.missing, 30);
  const found = onsets(left);
  assert.deepEqual([found[0], found.at(-1)], [50 * FRAME + codecDelay, 250 * FRAME + codecDelay]);
  assert.ok(rms(left, 160 * FRAME, 180 * FRAME) < 0.001, 'the lost stretch is silent');
  assert.ok(rms(left, 151 * FRAME, 154 * FRAME) > 0.3, 'audio before the loss is kept');
});

test('RTP timestamps wrapping past 2^32 change nothing', async () => {
  const wrapping = makePackets(300, { tone: TONES, firstTs: 2 ** 32 - 100 * FRAME + 17 }); // wraps at packet 100
  const { left } = await record(wrapping, (k) => k * 10);
  assert.deepEqual(onsets(left), TONES.map(([a]) => a * FRAME + codecDelay));
  assertSameAsClean(left);
});

test('packets out of order are put back in order: the same file as in order', async () => {
  // Every odd packet after its successor (the very first packet is the stream's origin: not delayed here).
  const { left, stats } = await record(packets, (k) => k * 10 + (k % 2 === 1 ? 15 : 0));
  assert.equal(stats.late, 0);
  assertSameAsClean(left);
});

test('a sender whose timestamps jump is re-anchored on its arrivals, without a 10 s hole', async () => {
  const jumping = makePackets(300, { tone: TONES, tsJumpAt: 200 });
  const { left, stats } = await record(jumping, (k) => k * 10);
  assert.equal(stats.resyncs, 1);
  assert.deepEqual(onsets(left), TONES.map(([a]) => a * FRAME + codecDelay));
});

test('a stall of the event loop (the backlog read at once) loses nothing and moves nothing', async () => {
  // Packets 100–189 are only seen just before 1900 ms, all at once (in the order they were sent);
  // the stream goes on on time after that.
  const { left, stats } = await record(packets, (k) => (k >= 100 && k < 190 ? 1899 + (k - 100) * 0.01 : k * 10));
  assert.deepEqual([stats.late, stats.resyncs, stats.missing], [0, 0, 0]);
  assertSameAsClean(left);
});

test('a stall right at the start (the first packets all late) does not delay the stream', async () => {
  // The first 40 packets are seen at 399 ms together; the start is taken from the on-time ones after.
  const { left } = await record(packets, (k) => (k < 40 ? 399 + k * 0.01 : k * 10));
  assertSameAsClean(left);
});

test('a stall of seconds is not taken for a sender whose clock stood still, nor for drift', async () => {
  // Nothing is read from 1 s to 4 s; then the backlog comes at once and the stream goes on.
  const tones: Array<[number, number]> = [...TONES, [350, 370]];
  const long = makePackets(400, { tone: tones });
  const { left, stats } = await record(long, (k) => (k >= 100 && k < 400 ? Math.max(4000 + (k - 100) * 0.01, k * 10) : k * 10), undefined, 8000);
  assert.deepEqual([stats.resyncs, stats.late, stats.driftSamples], [0, 0, 0]);
  assert.deepEqual(onsets(left), tones.map(([a]) => a * FRAME + codecDelay));
});

test('a start judged on late packets (all 15 ms late until after writing began) is corrected by at most 5 ms a second, never in one jump', async () => {
  // A burst every second; the first 2.5 s of packets come 15 ms late (a loaded machine), then on time.
  const bursts: Array<[number, number]> = Array.from({ length: 9 }, (_, i) => [100 * (i + 1), 100 * (i + 1) + 20]);
  const { left } = await record(makePackets(1000, { tone: bursts }), (k) => k * 10 + (k < 250 ? 15 : 0), undefined, 11_000);
  const found = onsets(left);
  assert.equal(found.length, bursts.length);
  const periodsMs = found.slice(1).map((at, n) => (at - found[n]!) / 48);
  assert.ok(periodsMs.every((p) => Math.abs(p - 1000) <= 5.5), `burst to burst: ${periodsMs.map((p) => p.toFixed(1)).join(', ')} ms`);
  // And the stream ends up where its on-time packets put it.
  const lastMs = (found.at(-1)! - codecDelay) / 48 - bursts.at(-1)![0] * 10;
  assert.ok(Math.abs(lastMs) <= 2.5, `the last burst ${lastMs.toFixed(2)} ms off`);
});

function assertSameAsClean(left: Float32Array) {
  assert.equal(left.length, clean.length);
  let diff = 0;
  for (let i = 0; i < left.length; i++) diff = Math.max(diff, Math.abs(left[i]! - clean[i]!));
  assert.ok(diff < 1e-4, `the file matches the clean run (max diff ${diff})`);
}

for (const [name, periodMs] of [
  ['slow', 10.02],
  ['fast', 9.98],
] as const) {
  test(`a sender whose clock runs ${name} (${Math.round(Math.abs(periodMs - 10) * 1e5)} ppm) is kept on the room's clock`, async () => {
    // 30 s of packets, a tone burst every second; packet k arrives at k × periodMs.
    const bursts: Array<[number, number]> = Array.from({ length: 29 }, (_, i) => [100 * (i + 1), 100 * (i + 1) + 20]);
    const drifting = makePackets(3000, { tone: bursts });
    const { left, stats } = await record(drifting, (k) => k * periodMs, undefined, 32_000);
    const found = onsets(left);
    assert.equal(found.length, bursts.length);
    // Where each burst was played on the room's clock (its arrival), and where it landed.
    const errorsMs = found.map((i, n) => (i - codecDelay) / 48 - bursts[n]![0] * periodMs);
    const worst = Math.max(...errorsMs.map(Math.abs));
    console.log(`# ${name} sender: worst ${worst.toFixed(2)} ms off over 30 s; ${stats.driftSamples} samples of correction`);
    assert.ok(worst <= 6, `bursts within 6 ms of the room clock (worst ${worst.toFixed(2)} ms; uncorrected it would be ${Math.abs(periodMs - 10) * 2900} ms)`);
    assert.ok(Math.sign(stats.driftSamples) === (periodMs > 10 ? 1 : -1));
    // The correction is spread thin: no frame stretched by more than 1%, nothing lost.
    assert.equal(stats.missing, 0);
  });
}

test('a slow sender playing without a pause is followed by stretching, without changing the pitch audibly', async () => {
  // A 440 Hz bed at 0.15 all along (no silent frame to hide a correction in), louder every second.
  const bursts: Array<[number, number]> = Array.from({ length: 19 }, (_, i) => [100 * (i + 1), 100 * (i + 1) + 20]);
  const playing = makePackets(2000, { tone: bursts, bed: 0.15 });
  const { left, stats } = await record(playing, (k) => k * 10.02, undefined, 22_000);
  const found = onsets(left, 0.35, 0.2);
  assert.equal(found.length, bursts.length);
  const worst = Math.max(...found.map((i, n) => Math.abs((i - codecDelay) / 48 - bursts[n]![0] * 10.02)));
  console.log(`# slow sender, no silence: worst ${worst.toFixed(2)} ms off over 20 s; ${stats.driftSamples} samples stretched in`);
  assert.ok(worst <= 6, `worst ${worst.toFixed(2)} ms`);
  // The pitch stays within 0.5% (a 2-sample stretch of a 480-sample frame is 0.4%).
  const zeroCrossings = (from: number, to: number) => {
    let n = 0;
    for (let i = from + 1; i < to; i++) if (left[i - 1]! < 0 !== left[i]! < 0) n++;
    return n / 2 / ((to - from) / 48000);
  };
  for (let s = 2; s < 20; s += 3) {
    const hz = zeroCrossings(s * 48000 + 24000, s * 48000 + 24000 + 14400);
    assert.ok(Math.abs(hz - 440) < 2.2, `pitch ${hz.toFixed(1)} Hz at ${s}.5 s`);
  }
});

test('stretch keeps the ends and interpolates between them', () => {
  const pcm = Int16Array.from([0, 0, 100, -100, 200, -200, 300, -300]);
  assert.deepEqual([...stretch(pcm, 7)], [0, 0, 50, -50, 100, -100, 150, -150, 200, -200, 250, -250, 300, -300]);
  assert.deepEqual([...stretch(pcm, 4)], [...pcm]);
});
