import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CausalMixer, type MixSource } from '../src/engine/causal-mixer.ts';
import { JitterBuffer } from '@bandmate/media/jitter-buffer';

const packet = (seq: number, ts: number) => ({ sequenceNumber: seq & 0xffff, timestamp: ts >>> 0, payload: Uint8Array.of(seq & 0xff) });

test('frames come out in timestamp order, each at its due time, reordered packets included', () => {
  const jb = new JitterBuffer(480, 48000, 40);
  jb.push(packet(1, 1000), 0);
  jb.push(packet(3, 1960), 21);
  jb.push(packet(2, 1480), 22); // reordered
  assert.equal(jb.pull(39), undefined, 'nothing is due before the target delay');
  assert.deepEqual(jb.pull(40), Uint8Array.of(1));
  assert.equal(jb.pull(45), undefined);
  assert.deepEqual(jb.pull(50), Uint8Array.of(2));
  assert.deepEqual(jb.pull(60), Uint8Array.of(3));
});

test('a missing frame is reported for concealment at its deadline; when it arrives later it is dropped as late', () => {
  const jb = new JitterBuffer(480, 48000, 20);
  jb.push(packet(1, 0), 0);
  jb.push(packet(3, 960), 20);
  assert.deepEqual(jb.pull(20), Uint8Array.of(1));
  assert.equal(jb.pull(30), null, 'frame 2 is due and missing: conceal, do not wait');
  jb.push(packet(2, 480), 31);
  assert.equal(jb.stats.late, 1);
  assert.deepEqual(jb.pull(40), Uint8Array.of(3));
});

test('the schedule follows the least delay seen, not a first packet that happened to be late', () => {
  const jb = new JitterBuffer(480, 48000, 40);
  jb.push(packet(0, 0), 30); // delayed 30 ms (say, a busy event loop at start)
  assert.equal(jb.dueAtMs(0), 70);
  jb.push(packet(1, 480), 10); // on time
  jb.push(packet(2, 960), 20.5);
  assert.equal(jb.dueAtMs(0), 40, 'frame 0 is due 40 ms after the least-delayed arrival');
  assert.deepEqual(jb.pull(40), Uint8Array.of(0));
  assert.deepEqual(jb.pull(50), Uint8Array.of(1));
});

test('when the least delay drops during playback, the buffer skips ahead instead of staying behind', () => {
  const jb = new JitterBuffer(480, 48000, 20);
  for (let i = 0; i < 3; i++) jb.push(packet(i, i * 480), 15 + i * 10);
  assert.deepEqual(jb.pull(35), Uint8Array.of(0));
  for (let i = 3; i < 6; i++) jb.push(packet(i, i * 480), i * 10); // the route got 15 ms faster
  assert.deepEqual(jb.pull(45), Uint8Array.of(2), 'frame 1 is passed over: frame 2 is what is due now');
  assert.equal(jb.stats.skipped, 1);
});

test('a sender clock slower than the room clock moves the schedule later once the drift matters', () => {
  const jb = new JitterBuffer(480, 48000, 40, 200, 100);
  // 10 ms packets arriving every 10.01 ms: 0.01 ms more delay per packet, 1 ms per window.
  for (let i = 0; i < 1000; i++) jb.push(packet(i, i * 480), i * 10.01);
  const lag = jb.dueAtMs(0)! - 40;
  assert.ok(lag > 4 && lag <= 10, `the reference followed the drift within the allowance (lag ${lag.toFixed(2)} ms)`);
});

test('RTP timestamp wrap-around keeps the timeline continuous', () => {
  const jb = new JitterBuffer(480, 48000, 0);
  const start = 2 ** 32 - 960;
  for (let i = 0; i < 4; i++) jb.push(packet(i, start + i * 480), i * 10);
  const got = [0, 10, 20, 30].map((t) => jb.pull(t));
  assert.deepEqual(got.map((p) => p?.[0]), [0, 1, 2, 3]);
});

test('duplicates and floods are bounded', () => {
  const jb = new JitterBuffer(480, 48000, 40, 10);
  jb.push(packet(1, 0), 0);
  jb.push(packet(1, 0), 1);
  for (let i = 2; i < 50; i++) jb.push(packet(i, i * 480), 2);
  assert.equal(jb.stats.duplicate, 1);
  assert.equal(jb.buffered, 10);
  assert.ok(jb.stats.overflow > 0);
});

test('a stray packet far off the timeline (a forged timestamp) moves nothing; a sender whose clock restarted is followed after 3 packets', () => {
  const jb = new JitterBuffer(480, 48000, 20, 200, 100, 3);
  for (let i = 0; i < 10; i++) jb.push(packet(i, 5000 + i * 480), i * 10);
  // One packet 12 hours ahead: without the guard the stream would skip millions of frames to it and drop all that follows as late.
  jb.push(packet(10, 5000 + 2 ** 31 - 480), 100);
  assert.equal(jb.stats.strays, 1);
  for (let i = 10; i < 20; i++) jb.push(packet(i, 5000 + i * 480), i * 10);
  const played = Array.from({ length: 20 }, (_, i) => jb.pull(20 + i * 10)?.[0]);
  assert.deepEqual(played, Array.from({ length: 20 }, (_, i) => i), 'every frame of the real stream, in order');

  // The sender restarts its clock (a new timestamp origin): two packets are strays, the third restarts the stream.
  for (let i = 0; i < 6; i++) jb.push(packet(100 + i, 9_000_000 + i * 480), 300 + i * 10);
  assert.equal(jb.stats.resyncs, 1);
  assert.deepEqual(jb.pull(300 + 2 * 10 + 20)?.[0], 102, 'the new timeline plays from the packet that restarted it');
  assert.deepEqual(jb.pull(300 + 3 * 10 + 20)?.[0], 103);

  // Without resyncRun the old behaviour stays: the recorder places jumps itself (StreamAnchor).
  const plain = new JitterBuffer(480, 48000, 20);
  plain.push(packet(1, 0), 0);
  plain.push(packet(2, 2 ** 31), 10);
  assert.equal(plain.stats.strays, 0);
});

test('the mixer sums what it has, conceals a missing frame with a fade and never waits', () => {
  const mixer = new CausalMixer(4, 2, 2);
  const frames: Array<Float32Array | null> = [Float32Array.of(0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2), null, null, null];
  const flaky: MixSource = { gain: 1, nextFrame: () => frames.shift() ?? null };
  const steady: MixSource = { gain: 0.5, nextFrame: () => Float32Array.of(0.4, 0, 0.4, 0, 0.4, 0, 0.4, 0) };
  const m1 = mixer.mix([flaky, steady]);
  assert.ok(Math.abs(m1[0]! - Math.tanh(0.2 + 0.1)) < 1e-6);
  const m2 = mixer.mix([flaky, steady]);
  assert.ok(Math.abs(m2[0]! - Math.tanh(0.1 + 0.1)) < 1e-6, 'first missing frame: last one at half level');
  mixer.mix([flaky, steady]);
  const m4 = mixer.mix([flaky, steady]);
  assert.ok(Math.abs(m4[0]! - Math.tanh(0.1)) < 1e-6, 'after the concealment budget the source is silent');
  assert.equal(mixer.stats.concealed, 2);
});
