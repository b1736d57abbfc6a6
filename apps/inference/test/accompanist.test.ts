import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { AccompanimentEngine } from '../src/engine/engine.ts';
import { Accompanist } from '../src/room/accompanist.ts';
import { OpusFrameDecoder, OpusFrameEncoder } from '@bandmate/media/opus-codec';
import { parseRtp, serializeRtp } from '@bandmate/media/rtp';
import { writeFixtureModel } from './fixtures/build-fixture-models.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-acc-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('over real UDP and Opus, the AI track follows the mix k − t_f later, one frame per packet', async () => {
  const tf = -0.1;
  const k = 0.01;
  const engine = await AccompanimentEngine.load(writeFixtureModel('identity', path.join(dir, 'identity')));
  const stream = await engine.openStream({ tf, k, instrument: 'mirror', seed: 0 });
  const sfu = createSocket('udp4');
  await new Promise<void>((r) => sfu.bind(0, '127.0.0.1', r));
  const acc = await Accompanist.open({ jitterTargetMs: 30 });
  acc.setRoutes([{ ssrc: 4242, payloadType: 111 }]);

  // What the SFU receives from the AI: arrival time and decoded level per packet.
  const decoder = new OpusFrameDecoder();
  const received: Array<{ at: number; seq: number; ts: number; level: number }> = [];
  sfu.on('message', (msg) => {
    const p = parseRtp(msg)!;
    const pcm = decoder.decode(p.payload);
    received.push({ at: performance.now(), seq: p.sequenceNumber, ts: p.timestamp, level: Math.max(...pcm.map(Math.abs)) });
  });
  acc.start({ stream, sendTo: { ip: '127.0.0.1', port: sfu.address().port }, ssrc: 777, payloadType: 100 });

  // A musician: 0.4 s of silence, then a 440 Hz tone, in 10 ms Opus packets.
  const enc = new OpusFrameEncoder();
  const mic = createSocket('udp4');
  const sentLag: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < 100; i++) {
    const frame = Float32Array.from({ length: 480 }, (_, j) => (i >= 40 ? 0.5 * Math.sin((2 * Math.PI * 440 * (i * 480 + j)) / 48000) : 0));
    const wait = t0 + i * 10 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    sentLag.push(performance.now() - (t0 + i * 10));
    mic.send(serializeRtp({ payloadType: 111, sequenceNumber: i, timestamp: 1000 + i * 480, ssrc: 4242, marker: false, payload: enc.encodeMono(frame) }), acc.port, '127.0.0.1');
  }
  await new Promise((r) => setTimeout(r, 400));
  acc.close();
  sfu.close();
  mic.close();
  await engine.close();

  // The cadence listeners rely on: sequence +1 and timestamp +480 per packet.
  for (let i = 1; i < received.length; i++) {
    assert.equal((received[i]!.seq - received[i - 1]!.seq) & 0xffff, 1);
    assert.equal((received[i]!.ts - received[i - 1]!.ts) >>> 0, 480);
  }
  // Onset: the first AI packet carrying the tone (the codec's own ramp takes a packet or two).
  const onset = received.find((r) => r.level > 0.1);
  assert.ok(onset, 'the tone came back through the AI');
  // Both sides on their media clocks, each placed by its least delay (what a jitter buffer
  // does), so a busy machine's late timers on either side do not count: the tone's packet
  // was due at t0 + 400 ms + the sender's least lag; the AI's packet by its RTP timestamp.
  const toneAt = t0 + 400 + Math.min(...sentLag);
  const media = (r: (typeof received)[number]) => (((r.ts - received[0]!.ts) >>> 0) / 48000) * 1000;
  const aiBase = Math.min(...received.map((r) => r.at - media(r)));
  const offsetMs = aiBase + media(onset) - toneAt;
  // k − t_f, plus Opus's algorithmic delay twice (musician → worker, worker → SFU: 6.5 ms each),
  // plus 0–10 ms for the worker's 10 ms room clock: within one packet of the middle.
  const expectedMs = (k - tf) * 1000 + 13 + 5;
  console.log(`AI offset ${offsetMs.toFixed(1)} ms (expected ${expectedMs} ms), late ${acc.metrics.lateFrames}`);
  assert.ok(Math.abs(offsetMs - expectedMs) <= 10, `AI offset ${offsetMs.toFixed(1)} ms, expected ${expectedMs} ± 10 ms`);
  assert.ok(acc.metrics.lateFrames <= acc.metrics.ticks * 0.1, `late frames: ${acc.metrics.lateFrames} of ${acc.metrics.ticks}`);
  assert.ok(acc.metrics.packetsIn >= 95);
});

test('an engine slower than real time: ticks are dropped so output still goes out, never early', async () => {
  // An identity "engine" with D = 11 frames of 10 ms whose every push takes 25 ms, one after the
  // other: 2.5 times slower than real time. Without dropping ticks its queue would grow for good
  // and every output frame would miss its send time.
  const D = 11;
  let tail: Promise<unknown> = Promise.resolve();
  let pushes = 0;
  const slow = {
    settings: { delayFrames: D, frameSeconds: 0.01 },
    roomRate: 48000,
    takesBeatGrid: false,
    setBeatGrid() {},
    push(mix: Float32Array): Promise<Float32Array> {
      const out = pushes++ === 0 ? new Float32Array((D + 1) * 480).fill(0, 0, D * 480) : new Float32Array(480);
      out.set(mix, out.length - 480);
      const done = tail.then(() => new Promise<Float32Array>((r) => setTimeout(() => r(out), 25)));
      tail = done;
      return done;
    },
  };
  const sfu = createSocket('udp4');
  await new Promise<void>((r) => sfu.bind(0, '127.0.0.1', r));
  const acc = await Accompanist.open({ jitterTargetMs: 40 });
  acc.setRoutes([{ ssrc: 99, payloadType: 111 }]);
  const decoder = new OpusFrameDecoder();
  const levels: Array<{ at: number; level: number }> = [];
  sfu.on('message', (msg) => levels.push({ at: performance.now(), level: Math.max(...decoder.decode(parseRtp(msg)!.payload).map(Math.abs)) }));
  acc.start({ stream: slow as never, sendTo: { ip: '127.0.0.1', port: sfu.address().port }, ssrc: 5, payloadType: 100 });

  // Silence, then from 0.5 s on a steady tone.
  const enc = new OpusFrameEncoder();
  const mic = createSocket('udp4');
  const t0 = performance.now();
  for (let i = 0; i < 250; i++) {
    const frame = Float32Array.from({ length: 480 }, (_, j) => (i >= 50 ? 0.5 * Math.sin((2 * Math.PI * 440 * (i * 480 + j)) / 48000) : 0));
    const wait = t0 + i * 10 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    mic.send(serializeRtp({ payloadType: 111, sequenceNumber: i, timestamp: i * 480, ssrc: 99, marker: false, payload: enc.encodeMono(frame) }), acc.port, '127.0.0.1');
  }
  await new Promise((r) => setTimeout(r, 200));
  const { skippedTicks, lateFrames } = acc.metrics;
  acc.close();
  sfu.close();
  mic.close();

  const toneAt = t0 + 500;
  const firstTone = levels.find((l) => l.level > 0.1);
  assert.ok(skippedTicks > 50, `ticks dropped: ${skippedTicks}`);
  assert.ok(firstTone, 'some of the tone got through');
  // Never early: a dropped tick shortens the engine's timeline, not the room's.
  assert.ok(firstTone.at - toneAt >= D * 10 - 10, `first tone ${(firstTone.at - toneAt).toFixed(1)} ms after the musician's`);
  const afterOnset = levels.filter((l) => l.at > firstTone.at);
  const sounding = afterOnset.filter((l) => l.level > 0.1).length / afterOnset.length;
  console.log(`slow engine: ${skippedTicks} ticks dropped, ${lateFrames} late frames, tone in ${(sounding * 100).toFixed(0)} % of packets after its onset`);
  assert.ok(sounding > 0.25, `tone in ${(sounding * 100).toFixed(0)} % of packets`);
});
