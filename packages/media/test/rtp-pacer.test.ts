import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { RtpPacer } from '../src/rtp-pacer.ts';

/** A UDP receiver on a thread of its own: it stamps arrivals while the test's thread is blocked. */
const RECEIVER = `
const { parentPort } = require('node:worker_threads');
const socket = require('node:dgram').createSocket('udp4');
const got = [];
socket.on('message', (m) => got.push({ at: performance.timeOrigin + performance.now(), seq: m.readUInt16BE(2), ts: m.readUInt32BE(4), payload: m[12] }));
socket.bind(0, '127.0.0.1', () => parentPort.postMessage({ port: socket.address().port }));
parentPort.on('message', () => { parentPort.postMessage({ got }); socket.close(); });
`;

/**
 * The pacer thread sends one packet per 10 ms slot on the room clock, with consecutive sequence
 * numbers and timestamps, the frame handed over for each slot or the silence payload where none
 * came, and keeps doing so while the main thread is blocked (the reason it is a thread of its own).
 */
test('one packet per slot, on time while the main thread is blocked; silence where a frame is missing', async () => {
  const receiver = new Worker(RECEIVER, { eval: true });
  const { port } = await new Promise<{ port: number }>((r) => receiver.once('message', r));
  const pacer = new RtpPacer();
  await pacer.ready;
  const startEpochMs = performance.timeOrigin + performance.now() + 50;
  pacer.open({
    id: 't', sendTo: { ip: '127.0.0.1', port }, listenIp: '127.0.0.1', ssrc: 7, payloadType: 100,
    startEpochMs, frameMs: 10, frameSamples: 480, sequence: 65530, timestampBase: 2 ** 32 - 960, silence: Uint8Array.of(0),
  });
  // Frames for slots 0–59, except 20–29 (the engine was late there).
  for (let slot = 0; slot < 60; slot++) if (slot < 20 || slot >= 30) pacer.frame('t', slot, Uint8Array.of(1 + slot));
  // This thread is busy for 500 ms (a model step, a synth block, a stalled machine).
  const until = performance.now() + 500;
  while (performance.now() < until);
  await new Promise((r) => setTimeout(r, 400));
  const stats = pacer.stats('t');
  pacer.closeTrack('t');
  await pacer.close();
  receiver.postMessage('done');
  const { got } = await new Promise<{ got: Array<{ at: number; seq: number; ts: number; payload: number }> }>((r) => receiver.once('message', r));
  await receiver.terminate();

  assert.ok(got.length >= 60, `only ${got.length} packets`);
  got.slice(0, 60).forEach((p, i) => {
    assert.equal(p.seq, (65530 + i) & 0xffff, 'consecutive sequence numbers across the wrap');
    assert.equal(p.ts, (2 ** 32 - 960 + i * 480) >>> 0, 'one frame of timestamp per slot');
    assert.equal(p.payload, i >= 20 && i < 30 ? 0 : 1 + i, i >= 20 && i < 30 ? 'silence in a slot without a frame' : 'the slot’s own frame');
  });
  // The first 40 slots fall inside the block: each packet left at its slot, never before it.
  const lateness = got.slice(0, 40).map((p, i) => p.at - (startEpochMs + i * 10));
  const sorted = [...lateness].sort((a, b) => a - b);
  console.log(`pacer: lateness during a 500 ms block of the main thread: median ${sorted[20]!.toFixed(2)} ms, max ${sorted.at(-1)!.toFixed(2)} ms`);
  assert.ok(sorted[0]! > -1, `a packet left ${(-sorted[0]!).toFixed(1)} ms early`);
  assert.ok(sorted[20]! < 5, `median lateness ${sorted[20]!.toFixed(1)} ms`);
  // Slots 20–29 and every slot after the last frame (60 on) went out as silence and count as late.
  assert.ok(stats && stats.late >= 10 && stats.late === stats.sent - 50, `late slots counted: ${stats?.late} of ${stats?.sent}`);
});
