// How late a sender's packets reach the SFU (media/arrival-lateness.ts): the lateness the listeners'
// buffers must cover before any of them is reached. The arithmetic on made-up arrivals, then a real
// mediasoup worker timing RTP packets sent over UDP with one held back.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { test } from 'node:test';
import * as mediasoup from 'mediasoup';
import { ArrivalLateness, followArrivals } from '../src/media/arrival-lateness.ts';

const FRAME = 480; // 10 ms at 48 kHz

test('lateness is the transit above the least, through the RTP timestamp’s wrap, and a restarted sender is a new timeline', () => {
  const l = new ArrivalLateness(48000);
  assert.equal(l.stats(), null);
  // Starting just below 2^32, so the timestamps wrap after a few packets.
  const ts0 = 2 ** 32 - 5 * FRAME;
  for (let i = 0; i < 1000; i++) {
    const late = i === 500 ? 70 : i % 10 === 0 ? 3 : 0;
    l.push(10_000 + i * 10 + late, (ts0 + i * FRAME) >>> 0);
  }
  const stats = l.stats()!;
  assert.equal(stats.packets, 1000);
  assert.ok(Math.abs(stats.maxMs - 70) < 0.01, `the held packet: ${stats.maxMs}`);
  assert.ok(Math.abs(stats.p99Ms - 3) < 0.01, `the 3 ms wobble at the p99: ${stats.p99Ms}`);
  // Across the wrap the timeline goes on: packets after it, 20 ms later than those before, are 20 ms late.
  const w = new ArrivalLateness(48000);
  for (let i = 0; i < 10; i++) w.push(i * 10 + (i >= 5 ? 20 : 0), (ts0 + i * FRAME) >>> 0);
  assert.ok(Math.abs(w.stats()!.maxMs - 20) < 0.01, `late across the wrap: ${w.stats()!.maxMs}`);
  // The sender restarts with new timestamps: not a 5 s late packet.
  for (let i = 0; i < 10; i++) l.push(30_000 + i * 10, 12345 + i * FRAME);
  assert.ok(l.stats()!.maxMs < 71, `no lateness from the new timeline: ${l.stats()!.maxMs}`);
});

test('a real worker times each packet of a producer: one held back 60 ms is seen 60 ms late', async () => {
  const worker = await mediasoup.createWorker({ logLevel: 'error' });
  const socket = dgram.createSocket('udp4');
  try {
    const router = await worker.createRouter({ mediaCodecs: [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 }] });
    const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, comedia: true, rtcpMux: true });
    const producer = await transport.produce({
      kind: 'audio',
      rtpParameters: { codecs: [{ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 111 }], encodings: [{ ssrc: 4242 }] },
    });
    const lateness = followArrivals(producer);
    await new Promise((r) => setTimeout(r, 100));
    const send = (seq: number) => {
      const packet = Buffer.alloc(12 + 20);
      packet[0] = 0x80;
      packet[1] = 111;
      packet.writeUInt16BE(seq, 2);
      packet.writeUInt32BE(seq * FRAME, 4);
      packet.writeUInt32BE(4242, 8);
      socket.send(packet, transport.tuple.localPort, '127.0.0.1');
    };
    // 2 s of 10 ms packets on a real clock; packet 150 goes 60 ms late, with the ones after it
    // (as a stalled sender's do), and the stream then goes on from where it should be.
    const start = performance.now();
    for (let seq = 0; seq < 200; seq++) {
      const due = seq >= 150 && seq < 156 ? 150 * 10 + 60 : seq * 10;
      const wait = start + due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      send(seq);
    }
    await new Promise((r) => setTimeout(r, 200));
    const stats = lateness.stats();
    assert.ok(stats, 'packets were timed');
    assert.ok(stats.packets >= 195, `packets timed: ${stats.packets}`);
    // Timers on a busy machine wobble by some ms either way; the held packet stands out.
    assert.ok(stats.maxMs >= 50 && stats.maxMs <= 110, `the held packet's lateness: ${stats.maxMs} ms`);
  } finally {
    socket.close();
    worker.close();
  }
});
