/**
 * `npm run bench:engine`: per-step compute time and real-time factor of the full step
 * (all of the model's graphs, through the inference thread) on CPU with 1 and 2
 * intra-op threads, for the shipped model (or `--model DIR`), then the whole stream as the
 * room drives it (10 ms pushes: resampling, batching, the thread, and for a control model
 * decoding and the synth). Prints tables. bench/step-profile.ts splits a step up further.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CONTROL_COND_SIZE, frameRate, isControlModel } from '@bandmate/shared';
import { DEFAULT_MODEL_DIR } from '../src/model/default-model.ts';
import { ThreadedModel } from '../src/model/threaded-model.ts';
import { AccompanimentEngine } from '../src/engine/engine.ts';
import { writeFixtureModel } from '../test/fixtures/build-fixture-models.ts';

const { values } = parseArgs({ options: { model: { type: 'string' }, steps: { type: 'string', default: '400' }, frames: { type: 'string', default: '1' } } });
let modelDir = values.model ?? DEFAULT_MODEL_DIR;
if (!existsSync(path.join(modelDir, 'model.json'))) {
  modelDir = writeFixtureModel('identity', mkdtempSync(path.join(os.tmpdir(), 'bench-')));
  console.warn(`no model at ${values.model ?? DEFAULT_MODEL_DIR}; measuring the identity fixture (engine overhead only)`);
}
const steps = Number(values.steps);
const framesPerStep = Number(values.frames);
const rows: Record<string, unknown>[] = [];

for (const threads of [1, 2]) {
  const model = await ThreadedModel.load(modelDir, { threads });
  const m = model.manifest;
  await model.openStream('bench');
  const samples = framesPerStep * m.samplesPerFrame;
  const audio = Float32Array.from({ length: samples }, (_, i) => 0.3 * Math.sin(i / 7));
  const noise = new Float32Array(framesPerStep * m.noiseSize);
  const times: number[] = [];
  const round: number[] = [];
  for (let i = 0; i < steps + 20; i++) {
    const t0 = performance.now();
    const cond = isControlModel(m) ? new Float32Array(framesPerStep * CONTROL_COND_SIZE) : undefined;
    const { computeMs } = await model.step([{ streamId: 'bench', audio: audio.slice(), noise, instrument: 0, cond }]);
    const total = performance.now() - t0;
    if (i >= 20) {
      times.push(computeMs);
      round.push(total);
    }
  }
  await model.close();
  const stepAudioMs = (framesPerStep / frameRate(m)) * 1000;
  const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
  rows.push({
    model: `${m.name} ${m.version}`,
    threads,
    'audio per step (ms)': +stepAudioMs.toFixed(2),
    'compute median (ms)': +q(times, 0.5).toFixed(3),
    'compute p99 (ms)': +q(times, 0.99).toFixed(3),
    'with thread round trip median (ms)': +q(round, 0.5).toFixed(3),
    'real-time factor (compute / audio)': +(q(times, 0.5) / stepAudioMs).toFixed(4),
    'streams per core (median)': Math.floor(stepAudioMs / q(times, 0.5)),
  });
}
// The stream as the room drives it: 10 ms of mix per push, timed per model frame, per instrument
// (a control model's stream includes decoding and the SoundFont synth).
const engine = await AccompanimentEngine.load(modelDir, { threads: 1 });
const m = engine.manifest;
const frame = m.samplesPerFrame / m.sampleRate;
const pushesPerFrame = Math.round(frame * 100);
const block = Float32Array.from({ length: 480 }, (_, i) => 0.3 * Math.sin(i / 7) * (i % 240 < 24 ? 1 : 0.3));
const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
const streamRows: Record<string, unknown>[] = [];
for (const instrument of m.instruments) {
  const stream = await engine.openStream({ tf: Math.min(0, +(m.trainedTf.max).toFixed(6)), k: frame, instrument, seed: 0 });
  stream.setBeatGrid({ bpm: 120, beatsPerBar: 4, firstBeatSample: 0 });
  const perFrame: number[] = [];
  for (let f = 0; f < steps + 20; f++) {
    const t0 = performance.now();
    for (let p = 0; p < pushesPerFrame; p++) await stream.push(block);
    if (f >= 20) perFrame.push(performance.now() - t0);
  }
  await engine.closeStream(stream);
  streamRows.push({
    model: `${m.name} ${m.version}`,
    instrument,
    'audio per frame (ms)': +(frame * 1000).toFixed(2),
    'stream time per frame, median (ms)': +q(perFrame, 0.5).toFixed(3),
    'p99 (ms)': +q(perFrame, 0.99).toFixed(3),
    'per 20 ms of audio, median (ms)': +((q(perFrame, 0.5) * 0.02) / frame).toFixed(3),
    'real-time factor': +(q(perFrame, 0.5) / (frame * 1000)).toFixed(4),
  });
}
await engine.close();

console.log(`\nengine step benchmark on ${os.cpus()[0]?.model ?? 'cpu'} (${os.cpus().length} cores), ${steps} steps of ${framesPerStep} frame(s)`);
console.table(rows);
console.log(`\nthe whole stream (10 ms pushes, ${steps} frames, 1 thread)`);
console.table(streamRows);
