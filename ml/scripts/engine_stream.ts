// Streams raw mono float32 audio through the Node engine (apps/inference: AccompanimentEngine →
// AccompanimentStream → StepBatcher → ThreadedModel → onnxruntime-node) and writes the accompaniment
// as raw float32. The room rate is set to the model's rate, so the resamplers are the identity and
// the output can be compared sample for sample with Python (ml/scripts/parity.py); everything else
// (t_f/k resolution, the mix delay, seeded noise, batching, state handling) is the engine's own code.
//
// usage (repo root): node --import tsx ml/scripts/engine_stream.ts --model DIR --input in.f32 --output out.f32
//                    [--tf=-0.12] [--k=0.04] [--seed 0] [--instrument NAME]
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AccompanimentEngine } from '../../apps/inference/src/engine/engine.ts';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    model: { type: 'string' },
    input: { type: 'string' },
    output: { type: 'string' },
    tf: { type: 'string' },
    k: { type: 'string' },
    seed: { type: 'string', default: '0' },
    instrument: { type: 'string' },
  },
  strict: true,
});
if (!values.model || !values.input || !values.output) {
  console.error('usage: engine_stream.ts --model DIR --input in.f32 --output out.f32 [--tf S] [--k S] [--seed N] [--instrument NAME]');
  process.exit(2);
}
const num = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`not a number: ${v}`);
  return n;
};

const raw = readFileSync(values.input);
const input = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
const engine = await AccompanimentEngine.load(values.model);
try {
  const m = engine.manifest;
  const frame = m.samplesPerFrame / m.sampleRate;
  const settings = {
    tf: values.tf === undefined ? m.trainedTf.max : num(values.tf),
    k: values.k === undefined ? frame : num(values.k),
    instrument: values.instrument ?? m.instruments[0]!,
    seed: num(values.seed),
  };
  const stream = await engine.openStream(settings, m.sampleRate);
  const block = m.sampleRate / 100; // 10 ms pushes, as the live room's packets and the CLI do
  const out = new Float32Array(input.length);
  let produced = 0;
  const t0 = performance.now();
  for (let i = 0; produced < input.length; i += block) {
    const chunk = i < input.length ? input.subarray(i, Math.min(input.length, i + block)) : new Float32Array(block);
    const y = await stream.push(chunk);
    out.set(y.subarray(0, Math.min(y.length, input.length - produced)), produced);
    produced += y.length;
  }
  const ms = performance.now() - t0;
  writeFileSync(values.output, Buffer.from(out.buffer));
  const s = stream.settings;
  console.log(
    JSON.stringify({ tf: s.tf, k: s.k, tfFrames: s.tfFrames, kFrames: s.kFrames, delayFrames: s.delayFrames, instrument: s.instrument,
      instrumentIndex: s.instrumentIndex, seed: s.seed, steps: stream.stepsDone, samples: out.length, wallMs: Math.round(ms) }),
  );
} finally {
  await engine.close();
}
