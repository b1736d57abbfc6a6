// Streams raw mono float32 audio at the model's rate through the Node engine with a control (format 2)
// model and writes the control frames the generator returned, as raw float32 [frames, controlSize]:
// what ml/tests/test_control_parity.py compares with onnxruntime in Python. Everything up to the
// decoder is the engine's own code (delay in samples, conditioning, seeded noise, batching, state).
//
// usage (repo root): node --import tsx ml/scripts/engine_controls.ts --model DIR --input in.f32 --output out.f32
//                    [--tf=-0.12] [--seed 0] [--instrument NAME] [--bpm 120 --beats-per-bar 4]
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
    seed: { type: 'string', default: '0' },
    instrument: { type: 'string' },
    bpm: { type: 'string' },
    'beats-per-bar': { type: 'string', default: '4' },
  },
  strict: true,
});
if (!values.model || !values.input || !values.output) {
  console.error('usage: engine_controls.ts --model DIR --input in.f32 --output out.f32 [--tf S] [--seed N] [--instrument NAME] [--bpm N]');
  process.exit(2);
}
const raw = readFileSync(values.input);
const input = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
const engine = await AccompanimentEngine.load(values.model);
try {
  const m = engine.manifest;
  const frame = m.samplesPerFrame / m.sampleRate;
  const stream = await engine.openStream(
    { tf: values.tf === undefined ? m.trainedTf.max : Number(values.tf), k: frame, instrument: values.instrument ?? m.instruments[0]!, seed: Number(values.seed) },
    m.sampleRate,
  );
  if (!stream.takesBeatGrid) throw new Error(`${values.model} is not a control model`);
  if (values.bpm) stream.setBeatGrid({ bpm: Number(values.bpm), beatsPerBar: Number(values['beats-per-bar']), firstBeatSample: 0 });
  // The frames the generator returned, seen where the stream hands them to its decoder.
  const voice = (stream as unknown as { control: { render(c: Float32Array, frames: number, cond: Float32Array): Float32Array } }).control;
  const frames: Float32Array[] = [];
  const render = voice.render.bind(voice);
  voice.render = (c, n, cond) => {
    frames.push(c.slice(0, n * ('controlSize' in m ? m.controlSize : 0))); // without the onsets a beat tracker hears
    return render(c, n, cond);
  };
  const block = m.sampleRate / 100;
  for (let i = 0; i + block <= input.length; i += block) await stream.push(input.subarray(i, i + block));
  const total = frames.reduce((a, f) => a + f.length, 0);
  const out = new Float32Array(total);
  let at = 0;
  for (const f of frames) {
    out.set(f, at);
    at += f.length;
  }
  writeFileSync(values.output, Buffer.from(out.buffer));
  console.log(JSON.stringify({ frames: total / ('controlSize' in m ? m.controlSize : 1), delaySamples: stream.settings.delaySamples }));
} finally {
  await engine.close();
}
