import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { describeZodError, modelManifestSchema } from '@bandmate/shared';
import { AccompanimentEngine } from '../src/engine/engine.ts';
import { EngineSettingsError, resolveSettings } from '../src/engine/settings.ts';
import { controlFixtureManifest, soundFontAvailable, writeControlFixtureModel } from './fixtures/build-control-fixture.ts';
import { fixtureManifest } from './fixtures/build-fixture-models.ts';

const manifest = controlFixtureManifest();

describe('model contract, format 2', () => {
  const parse = (m: unknown) => {
    const r = modelManifestSchema.safeParse(m);
    return r.success ? 'ok' : describeZodError(r.error);
  };

  test('a control manifest and an audio one are both accepted', () => {
    assert.equal(parse(manifest), 'ok');
    assert.equal(parse(fixtureManifest('identity')), 'ok');
  });

  const layout = manifest.control.layout;
  const { keys_pc: _, ...withoutKeysPc } = layout;
  for (const [what, bad, message] of [
    ['a block past controlSize', { control: { ...manifest.control, layout: { ...layout, beat: [87, 90] } } }, /control\.layout\.beat: .*within controlSize 89/],
    ['an empty block', { control: { ...manifest.control, layout: { ...layout, bass_onset: [27, 27] } } }, /non-empty/],
    ['a decoder block missing', { control: { ...manifest.control, layout: withoutKeysPc } }, /keys needs the block keys_pc/],
    ['drum lanes that do not match drumKeys', { control: { ...manifest.control, drumKeys: [36, 38] } }, /drums_onset must have 2 entries, not 9/],
    ['an instrument without a synth program', { synth: { ...manifest.synth, instruments: { drums: manifest.synth.instruments.drums } } }, /no channel and program for "bass"/],
    ['formatVersion 3', { formatVersion: 3 }, /formatVersion 3 is not one this engine runs/],
    ['an audio model field', { latentSize: 32 }, /Unrecognized key/],
    ['trainedTf.min above max', { trainedTf: { min: -0.05, max: -0.1 } }, /trainedTf\.min must not exceed/],
    ['tfStep 0', { tfStep: 0 }, /tfStep/],
    ['an instrument the decoder cannot play', { instruments: ['drums', 'tuba'] }, /instruments\.1/],
    ['a SoundFont outside the folder', { synth: { ...manifest.synth, soundFont: '../x.sf2' } }, /soundFont/],
  ] as const) {
    test(`refuses ${what}`, () => assert.match(parse({ ...manifest, ...bad }), message));
  }
});

describe('settings, format 2', () => {
  const base = { tf: -0.1, k: 0.04, instrument: 'drums', seed: 0 };

  test('t_f may lie between frames (10 ms steps); the mix is delayed by k − t_f in samples', () => {
    const s = resolveSettings(manifest, base);
    assert.equal(s.delaySamples, 3360);
    assert.ok(Math.abs(s.frameLookBack - -0.1) < 1e-9);
    const longer = resolveSettings(manifest, { ...base, tf: -0.14, k: 0.08 });
    assert.equal(longer.delaySamples, 5280);
    assert.ok(Math.abs(longer.frameLookBack - -0.18) < 1e-9);
  });

  for (const [bad, message] of [
    [{ tf: -0.105 }, /t_f = -0\.105 s is not a multiple of the model's t_f step \(10\.000 ms\)/],
    [{ k: 0.05 }, /k = 0\.05 s is not a multiple of the model's frame \(40\.000 ms\)/],
    [{ tf: -0.25 }, /hear the mix 0\.250 s late per frame; fixture-control was trained for 0\.08…0\.2 s \(choose t_f − k \+ frame within \[-0\.2, -0\.08\] s\)/],
    [{ tf: -0.05 }, /trained for 0\.08…0\.2 s/],
    [{ tf: -0.2, k: 0.08 }, /hear the mix 0\.240 s late/],
    [{ instrument: 'tuba' }, /cannot play "tuba"/],
  ] as const) {
    test(`refuses ${JSON.stringify(bad)}`, () => {
      assert.throws(
        () => resolveSettings(manifest, { ...base, ...bad }),
        (err: Error) => err instanceof EngineSettingsError && message.test(err.message),
      );
    });
  }
});

// The rest plays notes: it needs the shipped SoundFont (models/default/instruments.sf3).
const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-control-'));
let engine: AccompanimentEngine | undefined;
before(async () => {
  const model = writeControlFixtureModel(path.join(dir, 'control'));
  if (model) engine = await AccompanimentEngine.load(model);
});
after(async () => {
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});
const withSynth = { skip: soundFontAvailable() ? false : 'no SoundFont at models/default/instruments.sf3' };

const RATE = 48000;
function noise(samples: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: samples }, () => 0.3 * (((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1));
}

/** Streams `input` in 10 ms packets; `during(i)` runs before packet i (to change the grid mid-stream). */
async function play(settings: { tf: number; k: number; instrument: string }, input: Float32Array, grid = { bpm: 120, beatsPerBar: 4, firstBeatSample: RATE / 2 }, during?: (packet: number, stream: { setBeatGrid: (g: typeof grid | null) => void }) => void) {
  const stream = await engine!.openStream({ ...settings, seed: 3 });
  stream.setBeatGrid(grid);
  const parts: Float32Array[] = [];
  for (let i = 0; i * 480 < input.length; i++) {
    during?.(i, stream);
    parts.push(await stream.push(input.subarray(i * 480, (i + 1) * 480)));
  }
  await engine!.closeStream(stream);
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

/** Sample indices where sound starts after at least 20 ms of digital silence. */
function onsets(x: Float32Array): number[] {
  const found: number[] = [];
  let silent = 0;
  for (let i = 0; i < x.length; i++) {
    if (x[i] === 0) silent++;
    else {
      if (silent >= 0.02 * RATE) found.push(i);
      silent = 0;
    }
  }
  return found;
}

describe('control model end to end: features → generator → decoder → synth', withSynth, () => {
  test('with a 120 BPM grid the kick lands on the beats (within 2 ms), then follows a tempo change', async () => {
    const out = await play({ tf: -0.12, k: 0.04, instrument: 'drums' }, new Float32Array(4 * RATE), undefined, (i, stream) => {
      // From 2 s on: 90 BPM with a downbeat at 2.5 s.
      if (i === 200) stream.setBeatGrid({ bpm: 90, beatsPerBar: 3, firstBeatSample: 2.5 * RATE });
    });
    const expected = [0.5, 1, 1.5, 2, 2.5, 2.5 + 2 / 3, 2.5 + 4 / 3].map((s) => s * RATE).filter((b) => b < out.length - 0.05 * RATE);
    const found = onsets(out);
    // Frames up to 2 s were stepped under the first grid when it changed (they were made ahead
    // of time, |t_f| early): beats they hold are kept; later frames follow the new grid only.
    assert.equal(found.length, expected.length, `onsets at ${found.map((s) => (s / RATE).toFixed(4)).join(', ')} s`);
    found.forEach((at, i) => assert.ok(Math.abs(at - expected[i]!) <= 0.002 * RATE, `hit ${i} at ${at / RATE} s, beat at ${expected[i]! / RATE} s`));
  });

  test('a model whose SoundFont lacks a program fails to load, saying which', async () => {
    const broken = writeControlFixtureModel(path.join(dir, 'broken'))!;
    const m = controlFixtureManifest();
    m.synth.instruments.bass = { channel: 0, bank: 0, program: 99 };
    writeFileSync(path.join(broken, 'model.json'), JSON.stringify(m));
    await assert.rejects(AccompanimentEngine.load(broken), /SoundFont cannot play its instruments: .*no preset bank 0 program 99/);
  });

  test('without a grid the fixture plays nothing', async () => {
    const stream = await engine!.openStream({ tf: -0.1, k: 0.04, instrument: 'keys', seed: 0 });
    let peak = 0;
    for (let i = 0; i < 100; i++) for (const v of await stream.push(noise(480, i + 1))) peak = Math.max(peak, Math.abs(v));
    await engine!.closeStream(stream);
    assert.equal(peak, 0);
  });

  test('streams of different instruments share batched calls and sound as they do alone', async () => {
    const input = noise(RATE, 5);
    const alone = [await play({ tf: -0.1, k: 0.04, instrument: 'drums' }, input), await play({ tf: -0.1, k: 0.04, instrument: 'bass' }, input)];
    const before = { ...engine!.batcher.stats };
    const together = await Promise.all([play({ tf: -0.1, k: 0.04, instrument: 'drums' }, input), play({ tf: -0.1, k: 0.04, instrument: 'bass' }, input)]);
    const steps = engine!.batcher.stats.steps - before.steps;
    assert.ok(engine!.batcher.stats.calls - before.calls < steps, 'concurrent streams were batched');
    assert.deepEqual(together, alone);
    assert.notDeepEqual(alone[0], alone[1]);
  });

  for (const [instrument, tf, k] of [
    ['drums', -0.1, 0.04],
    ['bass', -0.12, 0.08],
    ['keys', -0.2, 0.04],
  ] as const) {
    test(`${instrument}, t_f ${tf} s, k ${k} s: output before T + |t_f| does not depend on the mix after T (synth included)`, async () => {
      const T = 1.3;
      const a = noise(3 * RATE, 11);
      const b = a.slice();
      for (let i = Math.round(T * RATE); i < b.length; i++) b[i] = 0.9 * Math.sign(b[i]!); // louder: harder hits
      const outA = await play({ tf, k, instrument }, a);
      const outB = await play({ tf, k, instrument }, b);
      const boundary = Math.round((T - tf) * RATE);
      assert.ok(outA.length > boundary + RATE);
      for (let i = 0; i < boundary; i++) if (outA[i] !== outB[i]) assert.fail(`sample ${i} (${(i / RATE).toFixed(4)} s) changed`);
      assert.ok(outA.subarray(boundary).some((v, i) => v !== outB[boundary + i]), 'the louder mix changes the notes after T + |t_f|');
      assert.ok(outA.some((v) => v !== 0));
    });
  }
});
