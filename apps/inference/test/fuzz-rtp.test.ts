// Fuzzing the worker's UDP socket (the port the SFU sends a player's musicians to): FUZZ_RTP_PACKETS
// packets (10,000 by default) of garbage, truncated and malformed RTP, valid headers around random
// payloads, replays and jumps of sequence and timestamp, other SSRCs and payload types. The worker
// must not crash or stop, and a clean stream sent afterwards must come back through the AI.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { OpusFrameDecoder, OpusFrameEncoder } from '@bandmate/media/opus-codec';
import { parseRtp, serializeRtp } from '@bandmate/media/rtp';
import { AccompanimentEngine } from '../src/engine/engine.ts';
import { Accompanist } from '../src/room/accompanist.ts';
import { writeFixtureModel } from './fixtures/build-fixture-models.ts';
import { rtpFuzzPackets } from './fixtures/rtp-fuzz.ts';

const PACKETS = Number(process.env.FUZZ_RTP_PACKETS ?? 10_000);
const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-fuzz-rtp-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test(`${PACKETS} fuzzed packets into the worker's port: it keeps playing, and a clean stream comes back through the AI`, { timeout: 120_000 }, async () => {
  const SSRC = 4242;
  const engine = await AccompanimentEngine.load(writeFixtureModel('identity', path.join(dir, 'identity')));
  const stream = await engine.openStream({ tf: -0.1, k: 0.01, instrument: 'mirror', seed: 0 });
  const sfu = createSocket('udp4');
  await new Promise<void>((r) => sfu.bind(0, '127.0.0.1', r));
  const acc = await Accompanist.open({ jitterTargetMs: 30 });
  acc.setRoutes([{ ssrc: SSRC, payloadType: 111 }]);
  const decoder = new OpusFrameDecoder();
  const levels: Array<{ at: number; level: number }> = [];
  sfu.on('message', (msg) => levels.push({ at: performance.now(), level: Math.max(...decoder.decode(parseRtp(msg)!.payload).map(Math.abs)) }));
  acc.start({ stream, sendTo: { ip: '127.0.0.1', port: sfu.address().port }, ssrc: 7, payloadType: 100 });
  const mic = createSocket('udp4');

  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
  console.log(`# fuzz seed ${seed} (FUZZ_SEED replays it)`);
  const packets = rtpFuzzPackets({ count: PACKETS, ssrc: SSRC, payloadType: 111, seed });
  // In bursts, with the event loop free between them (the room clock keeps ticking meanwhile).
  for (let i = 0; i < packets.length; i += 50) {
    for (const p of packets.slice(i, i + 50)) mic.send(p, acc.port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 2));
  }
  assert.equal(acc.error, undefined, 'the engine stream did not fail');

  // Then a musician plays a clean tone for 1.5 s on the same SSRC, timestamps from a new origin.
  const enc = new OpusFrameEncoder();
  const toneFrom = performance.now();
  const t0 = performance.now();
  for (let i = 0; i < 150; i++) {
    const frame = Float32Array.from({ length: 480 }, (_, j) => 0.5 * Math.sin((2 * Math.PI * 440 * (i * 480 + j)) / 48000));
    const wait = t0 + i * 10 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    mic.send(serializeRtp({ payloadType: 111, sequenceNumber: (30_000 + i) & 0xffff, timestamp: (7_777_777 + i * 480) >>> 0, ssrc: SSRC, marker: i === 0, payload: enc.encodeMono(frame) }), acc.port, '127.0.0.1');
  }
  const toneTo = performance.now();
  await new Promise((r) => setTimeout(r, 300));
  acc.close();
  sfu.close();
  mic.close();
  await engine.close();

  // From well after the tone began until it ended at the musician (the AI plays it ~0.14 s later still).
  const tail = levels.filter((l) => l.at > toneFrom + 700 && l.at < toneTo);
  const loud = tail.filter((l) => l.level > 0.3).length;
  console.log(`# after the fuzz: ${loud} of ${tail.length} AI packets carry the tone; packets in ${acc.metrics.packetsIn}, out ${acc.metrics.packetsOut}`);
  assert.ok(tail.length > 50, 'the AI kept sending');
  assert.ok(acc.metrics.decodeErrors > 0, 'payloads Opus refused were among them');
  assert.ok(loud > tail.length * 0.8, `the tone came back through the AI in ${loud} of ${tail.length} packets`);
});

test('the fuzz packets are what they say: most parse as RTP of the route, some do not parse at all', () => {
  const packets = rtpFuzzPackets({ count: 2000, ssrc: 1, payloadType: 111, seed: 1 });
  const parsed = packets.map((p) => parseRtp(p));
  const ours = parsed.filter((p) => p && p.ssrc === 1 && p.payloadType === 111).length;
  const garbage = parsed.filter((p) => !p).length;
  assert.ok(ours > 600 && garbage > 200, `route ${ours}, unparsable ${garbage}`);
  fc.assert(fc.property(fc.integer({ min: 0, max: 1999 }), (i) => packets[i]!.length <= 1500));
});
