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
