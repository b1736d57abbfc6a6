// The playout worklet's module is source text made from the PlayoutBuffer class and the processor
// function (apps/web/media/playout/playout-worklet.ts): it must run on its own, with nothing but
// the AudioWorkletGlobalScope around it. Run here in a bare VM context with that scope's names.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import vm from 'node:vm';
import { PLAYOUT_PROCESSOR, playoutWorkletSource, SOURCE_HELPERS } from '../apps/web/media/playout/playout-worklet.ts';
import { runDecoderWorker } from '../apps/web/media/playout/decoder-worker.ts';

class FakePort {
  onmessage: ((e: { data: unknown }) => void) | null = null;
  sent: unknown[] = [];
  postMessage(data: unknown) {
    this.sent.push(data);
  }
}

test('the worklet module registers the playout processor and plays frames that come on its port', () => {
  let registered: { name: string; ctor: new () => { port: FakePort; process(i: unknown, o: Float32Array[][]): boolean } } | undefined;
  const scope = {
    sampleRate: 48000,
    currentFrame: 0,
    AudioWorkletProcessor: class {
      port = new FakePort();
    },
    registerProcessor(name: string, ctor: never) {
      registered = { name, ctor };
    },
  };
  vm.runInNewContext(playoutWorkletSource(4), scope);
  assert.equal(registered?.name, PLAYOUT_PROCESSOR);
  const processor = new registered!.ctor();
  const frames = new FakePort();
  processor.port.onmessage!({ data: { type: 'frames', port: frames } });
  processor.port.onmessage!({ data: { type: 'mode', mode: { kind: 'fixed', delayMs: 10 } } });
  const out = [new Float32Array(128), new Float32Array(128)];
  let loud = 0;
  let next = 0;
  for (let q = 0; q < 200; q++) {
    scope.currentFrame = q * 128;
    // Each 10 ms frame (0.5 left, −0.5 right) once it is complete, as the decoder worker posts them.
    while ((next + 1) * 480 <= q * 128) {
      frames.onmessage!({ data: { type: 'frame', rtp: next++ * 480, planes: [new Float32Array(480).fill(0.5), new Float32Array(480).fill(-0.5)] } });
    }
    processor.process([], [out]);
    if (Math.abs(out[0]![127]! - 0.5) < 1e-6 && Math.abs(out[1]![127]! + 0.5) < 1e-6) loud++;
  }
  assert.ok(loud > 180, `${loud} of 200 quanta played the frames`);
  const stats = processor.port.sent.filter((m) => (m as { type: string }).type === 'stats');
  assert.equal(stats.length, 50, 'stats every 4 quanta');
  assert.equal((stats.at(-1) as { stats: { mode: string } }).stats.mode, 'fixed');
});

test('the decoder worker source runs on its own and installs the transform handler', () => {
  const scope: { self?: unknown; onrtctransform?: unknown } = {};
  scope.self = scope;
  vm.runInNewContext(`${SOURCE_HELPERS}(${runDecoderWorker.toString()})();`, scope);
  assert.equal(typeof scope.onrtctransform, 'function');
});

test("a room's streams sent together are heard together: one stream's jitter sets the depth of all the page's automatic ones, not a fixed one's", () => {
  type Processor = { port: FakePort; process(i: unknown, o: Float32Array[][]): boolean };
  let ctor: (new () => Processor) | undefined;
  const scope = {
    sampleRate: 48000,
    currentFrame: 0,
    AudioWorkletProcessor: class {
      port = new FakePort();
    },
    registerProcessor(_name: string, c: never) {
      ctor = c;
    },
  };
  vm.runInNewContext(playoutWorkletSource(94), scope);
  // Three streams of one beat (a 440 Hz burst of 40 ms every 250 ms), sent at the same moments:
  // steady at 20 ms; held up by 80 ms once, at 12 s (a stall at its sender); and steady again, at
  // a fixed depth of 10 ms the listener set.
  const streams = ['steady', 'stalled', 'fixed'].map((name) => {
    const processor = new ctor!();
    const frames = new FakePort();
    processor.port.onmessage!({ data: { type: 'frames', port: frames } });
    if (name === 'fixed') processor.port.onmessage!({ data: { type: 'mode', mode: { kind: 'fixed', delayMs: 10 } } });
    return { name, processor, frames, heard: [] as number[] };
  });
  const delayMs = (name: string, i: number) => (name === 'stalled' && i >= 1200 && i < 1208 ? 20 + (1208 - i) * 10 : 20);
  const beat = (sample: number) => (sample % 12000 < 1920 ? 0.5 * Math.sin((2 * Math.PI * 440 * sample) / 48000) : 0);
  const seconds = 20;
  const sent = streams.map(() => new Set<number>());
  const out = [new Float32Array(128), new Float32Array(128)];
  for (let q = 0; q < (seconds * 48000) / 128; q++) {
    scope.currentFrame = q * 128;
    for (const [s, stream] of streams.entries()) {
      for (let i = 0; i < seconds * 100; i++) {
        if (sent[s]!.has(i) || (i + 1) * 480 + (delayMs(stream.name, i) / 1000) * 48000 > scope.currentFrame) continue;
        sent[s]!.add(i);
        const plane = Float32Array.from({ length: 480 }, (_, k) => beat(i * 480 + k));
        stream.frames.onmessage!({ data: { type: 'frame', rtp: 1000 + i * 480, planes: [plane, plane.slice()] } });
      }
      stream.processor.process([], [out]);
      stream.heard.push(...out[0]!);
    }
  }
  // Where each burst starts in what was heard, from 14 s (the stall's depth learned and followed).
  const onsets = (heard: number[]) => {
    const found: number[] = [];
    for (let i = 14 * 48000; i < heard.length; i++) if (Math.abs(heard[i]!) > 0.05 && heard.slice(i - 2400, i).every((v) => Math.abs(v) < 0.05)) found.push(i);
    return found;
  };
  const [steady, stalled, fixed] = streams.map((s) => onsets(s.heard));
  assert.ok(steady!.length >= 20 && steady!.length === stalled!.length, `${steady!.length} and ${stalled!.length} bursts heard`);
  const apart = steady!.map((f, k) => Math.abs(f - stalled![k]!) / 48);
  assert.ok(Math.max(...apart) < 3, `the two automatic streams heard up to ${Math.max(...apart).toFixed(1)} ms apart`);
  const stats = (s: number) => (streams[s]!.processor.port.sent.filter((m) => (m as { type: string }).type === 'stats').at(-1) as { stats: { targetMs: number; ownTargetMs: number } }).stats;
  assert.ok(stats(1).ownTargetMs >= 80 && stats(0).ownTargetMs < 45, `own depths: steady ${stats(0).ownTargetMs}, stalled ${stats(1).ownTargetMs} ms`);
  assert.equal(stats(0).targetMs, stats(1).targetMs);
  // The listener's fixed depth stands: its bursts come ~70 ms before the room's.
  assert.equal(stats(2).targetMs, 12.7);
  const early = steady!.map((f, k) => (f - fixed![k]!) / 48);
  assert.ok(early.every((ms) => ms > stats(0).targetMs - 20), `the fixed stream heard only ${Math.min(...early).toFixed(1)} ms before the room's`);
});
