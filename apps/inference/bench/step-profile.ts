/**
 * Where a model step's time goes in Node: each graph's `session.run` (onnxruntime-node's JS
 * wrapper included), the engine's own tensor work around it (batching state, copies), and the
 * worker-thread round trip. Compare the per-graph figures with ml/scripts/benchmark.py
 * (onnxruntime in Python, same session options) run on the same machine at the same time.
 *
 *   node --import tsx apps/inference/bench/step-profile.ts [--model DIR] [--steps 300]
 */
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { CONTROL_COND_SIZE, isControlModel, modelGraphs } from '@bandmate/shared';
import { DEFAULT_MODEL_DIR } from '../src/model/default-model.ts';
import { ModelSession, type StreamStep } from '../src/model/model-session.ts';
import { ThreadedModel } from '../src/model/threaded-model.ts';

const { values } = parseArgs({ options: { model: { type: 'string', default: DEFAULT_MODEL_DIR }, steps: { type: 'string', default: '300' } } });
const steps = Number(values.steps);
const WARM_UP = 50; // and the attention window filling, as benchmark.py does

const session = await ModelSession.create(values.model, { provider: 'cpu', threads: 1 });
const m = session.manifest;
const graphs = modelGraphs(m).map((g) => g.name);
const step = (): StreamStep => ({
  streamId: 'p',
  audio: Float32Array.from({ length: m.samplesPerFrame }, () => 0.1 * (Math.random() * 2 - 1)),
  noise: Float32Array.from({ length: m.noiseSize }, () => Math.random() * 2 - 1),
  instrument: 0,
  cond: isControlModel(m) ? new Float32Array(CONTROL_COND_SIZE) : undefined,
});

// Time every session.run by the graph it belongs to (graphs run in manifest order within a step).
const runMs: Record<string, number[]> = Object.fromEntries(graphs.map((g) => [g, []]));
// The factory's type hides the class behind it; its prototype's run is what every session calls.
const proto = (ort.InferenceSession as unknown as { prototype: ort.InferenceSession }).prototype;
const original = proto.run;
let call = 0;
proto.run = async function (this: ort.InferenceSession, ...args: Parameters<typeof original>) {
  const t0 = performance.now();
  const out = await original.apply(this, args);
  runMs[graphs[call++ % graphs.length]!]!.push(performance.now() - t0);
  return out;
} as typeof original;

session.openStream('p');
const total: number[] = [];
for (let i = 0; i < steps + WARM_UP; i++) {
  const s = step();
  const t0 = performance.now();
  await session.step([s]);
  total.push(performance.now() - t0);
}
proto.run = original;
await session.release();

const threaded = await ThreadedModel.load(values.model, { threads: 1 });
await threaded.openStream('p');
const roundTrip: number[] = [];
const inThread: number[] = [];
for (let i = 0; i < steps + WARM_UP; i++) {
  const t0 = performance.now();
  const { computeMs } = await threaded.step([step()]);
  roundTrip.push(performance.now() - t0);
  inThread.push(computeMs);
}
await threaded.close();

const median = (xs: number[]) => {
  const s = xs.slice(WARM_UP).sort((a, b) => a - b);
  return +s[Math.floor(s.length / 2)]!.toFixed(3);
};
const p99 = (xs: number[]) => {
  const s = xs.slice(WARM_UP).sort((a, b) => a - b);
  return +s[Math.min(s.length - 1, Math.floor(0.99 * s.length))]!.toFixed(3);
};
const rows: Record<string, { 'median (ms)': number; 'p99 (ms)': number }> = {};
for (const g of graphs) rows[`${g} session.run`] = { 'median (ms)': median(runMs[g]!), 'p99 (ms)': p99(runMs[g]!) };
const runs = total.map((_, i) => graphs.reduce((sum, g) => sum + runMs[g]![i]!, 0));
rows['engine work around the runs'] = { 'median (ms)': median(total.map((t, i) => t - runs[i]!)), 'p99 (ms)': p99(total.map((t, i) => t - runs[i]!)) };
rows['ModelSession.step (in process)'] = { 'median (ms)': median(total), 'p99 (ms)': p99(total) };
rows['step in the inference thread'] = { 'median (ms)': median(inThread), 'p99 (ms)': p99(inThread) };
rows['step with the thread round trip'] = { 'median (ms)': median(roundTrip), 'p99 (ms)': p99(roundTrip) };
console.log(`\n${m.name} ${m.version}: ${steps} one-frame steps after ${WARM_UP} warm-up, 1 intra-op thread`);
console.table(rows);
