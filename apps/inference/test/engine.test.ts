import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AccompanimentEngine } from '../src/engine/engine.ts';
import { EngineSettingsError } from '../src/engine/settings.ts';
import { writeFixtureModel, type FixtureKind } from './fixtures/build-fixture-models.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-engine-'));
const engines = new Map<FixtureKind, AccompanimentEngine>();
before(async () => {
  for (const kind of ['identity', 'clock', 'noise'] as const) {
    engines.set(kind, await AccompanimentEngine.load(writeFixtureModel(kind, path.join(dir, kind))));
  }
});
after(async () => {
  for (const e of engines.values()) await e.close();
  rmSync(dir, { recursive: true, force: true });
});

const settings = { tf: -0.1, k: 0.01, instrument: 'mirror', seed: 1 };
function randomSignal(samples: number, seed = 7): Float32Array {
  let s = seed;
  return Float32Array.from({ length: samples }, () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1);
}

/** Streams `input` through in blocks of `block` samples, as the live path does with packets. */
async function run(kind: FixtureKind, input: Float32Array, overrides = {}, block = 480): Promise<Float32Array> {
  const engine = engines.get(kind)!;
  const stream = await engine.openStream({ ...settings, ...overrides });
  const out: number[] = [];
  for (let i = 0; i < input.length; i += block) out.push(...(await stream.push(input.subarray(i, i + block))));
  await engine.closeStream(stream);
  return Float32Array.from(out);
}

describe('timing', () => {
  for (const [tf, k] of [
    [-0.1, 0.01],
    [-0.2, 0.05],
    [0, 0.02],
  ] as const) {
    test(`t_f = ${tf} s, k = ${k} s: output is the mix delayed by k − t_f, to the sample`, async () => {
      const input = randomSignal(48000);
      const out = await run('identity', input, { tf, k });
      const delay = Math.round((k - tf) * 48000);
      assert.ok(out.length >= input.length - delay - 480 * 5, `got ${out.length} samples`);
      for (let i = 0; i < out.length; i++) {
        const expected = i < delay ? 0 : input[i - delay]!;
        if (out[i] !== expected) assert.fail(`sample ${i}: ${out[i]} ≠ ${expected}`);
      }
    });
  }

  test('a chunk is made as soon as the mix up to t + t_f is heard, not later', async () => {
    const stream = await engines.get('identity')!.openStream({ ...settings, tf: -0.05, k: 0.02 });
    // Chunk [t, t+2) frames may use mix frames that ended by t − 5: chunks starting at 0, 2
    // and 4 need no mix at all (D = 7 frames of look-back are pre-filled with silence).
    assert.equal(stream.samplesUntilNextStep, 0);
    const first = await stream.push(new Float32Array(0));
    assert.equal(first.length, 3 * 960);
    // The chunk at frame 6 needs mix up to frame 1, i.e. the first 10 ms.
    assert.equal(stream.samplesUntilNextStep, 480);
    assert.equal((await stream.push(new Float32Array(479))).length, 0, 'one sample short: no chunk yet');
    assert.equal((await stream.push(new Float32Array(1))).length, 960);
    assert.equal(stream.samplesUntilNextStep, 960, 'then each chunk waits for 20 ms more of mix');
    await engines.get('identity')!.closeStream(stream);
  });
});

describe('state', () => {
  test('state is threaded step to step and kept apart per stream in one batch', async () => {
    const engine = engines.get('clock')!;
    const a = await engine.openStream(settings);
    const first = await a.push(new Float32Array(480 * 3));
    const b = await engine.openStream(settings);
    const [outA, outB] = await Promise.all([a.push(new Float32Array(480 * 2)), b.push(new Float32Array(480 * 2))]);
    const chunkValues = (x: Float32Array) => Array.from({ length: x.length / 480 }, (_, i) => x[i * 480]);
    // The look-back prefill (11 frames) makes the first push yield 11 + 3 chunks.
    assert.deepEqual(chunkValues(first), Array.from({ length: 14 }, (_, i) => i));
    assert.deepEqual(chunkValues(outA!), [14, 15]);
    assert.deepEqual(chunkValues(outB!).slice(0, 3), [0, 1, 2]);
    assert.ok(engine.batcher.stats.calls < engine.batcher.stats.steps, 'concurrent streams were batched');
    await engine.closeStream(a);
    await engine.closeStream(b);
  });

  test('buffered mix stays bounded however long the stream runs', async () => {
    const stream = await engines.get('identity')!.openStream(settings);
    for (let i = 0; i < 600; i++) await stream.push(new Float32Array(480)); // 6 s
    assert.ok(stream.samplesUntilNextStep <= 480);
    assert.equal(stream.stepsDone, 600 + 11);
    await engines.get('identity')!.closeStream(stream);
  });
});

describe('determinism', () => {
  test('the same input, settings and seed give the same samples; another seed does not', async () => {
    const input = randomSignal(24000);
    const a = await run('noise', input, { seed: 42 });
    const b = await run('noise', input, { seed: 42 }, 1000);
    const c = await run('noise', input, { seed: 43 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    assert.ok(a.some((v) => v !== 0));
  });
});

describe('settings', () => {
  const manifestEngine = () => engines.get('identity')!;
  for (const [bad, message] of [
    [{ tf: 0.1 }, /t_f must be ≤ 0/],
    [{ k: 0.015 }, /not a multiple of the model's latent frame/],
    [{ k: 0 }, /at least one latent frame/],
    [{ instrument: 'kazoo' }, /cannot play "kazoo"/],
    [{ tf: -20 }, /trained for/],
    [{ seed: -1 }, /seed/],
  ] as const) {
    test(`refuses ${JSON.stringify(bad)}`, async () => {
      await assert.rejects(manifestEngine().openStream({ ...settings, ...bad }), (err: Error) => {
        assert.ok(err instanceof EngineSettingsError);
        assert.match(err.message, message);
        return true;
      });
    });
  }
});
