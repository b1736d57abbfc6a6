/**
 * `npm run bench:engine`: per-step compute time and real-time factor of the full step
 * (encoder + generator + decoder, through the inference thread) on CPU with 1 and 2
 * intra-op threads, for the shipped model (or `--model DIR`). Prints a table.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { frameRate } from '@bandmate/shared';
import { DEFAULT_MODEL_DIR } from '../src/model/default-model.ts';
import { ThreadedModel } from '../src/model/threaded-model.ts';
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
    const { computeMs } = await model.step([{ streamId: 'bench', audio: audio.slice(), noise, instrument: 0 }]);
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
console.log(`\nengine step benchmark on ${os.cpus()[0]?.model ?? 'cpu'} (${os.cpus().length} cores), ${steps} steps of ${framesPerStep} frame(s)`);
console.table(rows);
