import * as ort from 'onnxruntime-node';
import { isControlModel, modelGraphs, STATE_OUTPUT_SUFFIX, type BeatTrackerSpec, type GraphName, type StateTensor } from '@bandmate/shared';
import { concatSamples } from '../audio/sample-queue.ts';
import { loadModelFiles, ModelLoadError, type ModelFiles } from './load-model.ts';

export type ExecutionProvider = 'cpu' | 'cuda';

export interface SessionOptions {
  provider: ExecutionProvider;
  /** Intra-op threads; 1 keeps a small shared machine responsive. */
  threads: number;
  /** Told when CUDA was asked for but could not be used. */
  onFallback?: (reason: string) => void;
}

export interface StreamStep {
  streamId: string;
  /** n·samplesPerFrame mono samples at the model's rate. */
  audio: Float32Array;
  /** n·noiseSize Gaussian samples. */
  noise: Float32Array;
  instrument: number;
  /** Control models: n·condSize conditioning values (look-back and beat grid per frame). */
  cond?: Float32Array;
}

type State = Map<string, ort.Tensor>;
type Sessions = Partial<Record<GraphName, ort.InferenceSession>>;

/**
 * The graphs of one model, and the explicit state of every stream that runs on it.
 * A step of several streams is one batched call of each graph. An audio model's step
 * returns audio; a control model's returns control frames, which the stream decodes.
 */
export class ModelSession {
  private readonly states = new Map<string, Partial<Record<GraphName, State>>>();

  /**
   * Whether a graph was exported with a fixed batch of one (the shipped models are): a step of
   * several streams then runs the graphs once per stream, in the same call.
   */
  readonly singleStreamGraphs: boolean;

  private constructor(
    readonly files: ModelFiles,
    private readonly sessions: Sessions,
    readonly provider: ExecutionProvider,
  ) {
    this.singleStreamGraphs = Object.values(sessions).some((s) => s!.inputMetadata.some((m) => m.isTensor && m.shape[0] === 1));
  }

  static async create(dir: string, options: SessionOptions): Promise<ModelSession> {
    const files = loadModelFiles(dir);
    let provider = options.provider;
    let sessions: Sessions;
    try {
      sessions = await createSessions(files, provider, options.threads);
    } catch (err) {
      if (provider !== 'cuda') throw err;
      options.onFallback?.(`CUDA execution provider unavailable (${(err as Error).message.split('\n')[0]}); running on CPU`);
      provider = 'cpu';
      sessions = await createSessions(files, provider, options.threads);
    }
    return new ModelSession(files, sessions, provider);
  }

  get manifest() {
    return this.files.manifest;
  }

  openStream(streamId: string): void {
    const fresh: Partial<Record<GraphName, State>> = {};
    for (const { name, spec } of modelGraphs(this.manifest)) fresh[name] = new Map(spec.state.map((s) => [s.name, zeros(s)]));
    this.states.set(streamId, fresh);
  }

  closeStream(streamId: string): void {
    this.states.delete(streamId);
  }

  /**
   * Runs the model's graphs for every stream at once: audio models encoder → generator →
   * decoder, returning each stream's audio; control models features → generator, returning
   * each stream's control frames (n·controlSize), followed, when the model has a beat tracker,
   * by the onset strength of each of its hops (n·hopsPerFrame) for the stream's tracker.
   */
  async step(steps: StreamStep[]): Promise<Float32Array[]> {
    if (steps.length === 0) return [];
    if (steps.length > 1 && this.singleStreamGraphs) {
      const outputs: Float32Array[] = [];
      for (const s of steps) outputs.push(...(await this.step([s])));
      return outputs;
    }
    const m = this.manifest;
    const B = steps.length;
    const n = steps[0]!.audio.length / m.samplesPerFrame;
    for (const s of steps) {
      if (s.audio.length !== n * m.samplesPerFrame) throw new Error('all streams of a batch must step the same number of frames');
      if (!this.states.has(s.streamId)) throw new Error(`stream ${s.streamId} is not open`);
    }
    const audio = tensor(steps.map((s) => s.audio), [B, n * m.samplesPerFrame]);
    const noise = tensor(steps.map((s) => s.noise), [B, n, m.noiseSize]);
    const instrument = new ort.Tensor('int64', BigInt64Array.from(steps.map((s) => BigInt(s.instrument))), [B]);
    let out: Float32Array;
    if (isControlModel(m)) {
      if (steps.some((s) => s.cond?.length !== n * m.condSize)) throw new Error(`a control model's step needs ${n}·${m.condSize} cond values`);
      const { features } = await this.run('features', steps, { audio });
      const cond = tensor(steps.map((s) => s.cond!), [B, n, m.condSize]);
      const control = (await this.run('generator', steps, { features: features!, cond, noise, instrument })).control!.data as Float32Array;
      if (m.beatTracker) return withOnsets(control, features!.data as Float32Array, B, n, m.beatTracker);
      out = control;
    } else {
      const { latents } = await this.run('encoder', steps, { audio });
      const generated = await this.run('generator', steps, { mix: latents!, noise, instrument });
      out = (await this.run('decoder', steps, { latents: generated.accompaniment! })).audio!.data as Float32Array;
    }
    const per = out.length / B;
    return steps.map((_, b) => out.slice(b * per, (b + 1) * per));
  }

  async release(): Promise<void> {
    for (const s of Object.values(this.sessions)) await s!.release();
  }

  private async run(graph: GraphName, steps: StreamStep[], inputs: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
    const specs = this.graphSpec(graph).state;
    const feeds: Record<string, ort.Tensor> = { ...inputs };
    for (const spec of specs) feeds[spec.name] = concatBatch(steps.map((s) => this.states.get(s.streamId)![graph]!.get(spec.name)!), spec);
    const out = await this.sessions[graph]!.run(feeds);
    for (const spec of specs) {
      const next = out[spec.name + STATE_OUTPUT_SUFFIX];
      if (!next) throw new ModelLoadError(`${graph} graph did not return ${spec.name}${STATE_OUTPUT_SUFFIX}`);
      splitBatch(next, spec).forEach((t, b) => this.states.get(steps[b]!.streamId)![graph]!.set(spec.name, t));
    }
    return out;
  }

  private graphSpec(graph: GraphName) {
    return modelGraphs(this.manifest).find((g) => g.name === graph)!.spec;
  }
}

async function createSessions(files: ModelFiles, provider: ExecutionProvider, threads: number) {
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: provider === 'cuda' ? ['cuda'] : ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Spinning threads burn a core between steps on a shared machine.
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
  const sessions: Sessions = {};
  for (const { name, spec, inputs, outputs } of modelGraphs(files.manifest)) {
    const session = await ort.InferenceSession.create(files.graphPath[name]!, options);
    const wantIn = [...inputs, ...spec.state.map((s) => s.name)];
    const wantOut = [...outputs, ...spec.state.map((s) => s.name + STATE_OUTPUT_SUFFIX)];
    const missing = [
      ...wantIn.filter((i) => !session.inputNames.includes(i)).map((i) => `input ${i}`),
      ...wantOut.filter((o) => !session.outputNames.includes(o)).map((o) => `output ${o}`),
    ];
    if (missing.length) throw new ModelLoadError(`${name} graph lacks ${missing.join(', ')} required by the model contract`);
    sessions[name] = session;
  }
  return sessions;
}

function zeros(spec: StateTensor): ort.Tensor {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  return spec.dtype === 'int64'
    ? new ort.Tensor('int64', new BigInt64Array(size), spec.shape)
    : new ort.Tensor('float32', new Float32Array(size), spec.shape);
}

/** Each stream's control frames, then the onset strength of each hop its features describe. */
function withOnsets(control: Float32Array, features: Float32Array, B: number, n: number, bt: BeatTrackerSpec): Float32Array[] {
  const perControl = control.length / B;
  const hops = n * bt.hopsPerFrame;
  const [start, end] = bt.onsetFeatures;
  return Array.from({ length: B }, (_, b) => {
    const out = new Float32Array(perControl + hops);
    out.set(control.subarray(b * perControl, (b + 1) * perControl));
    for (let h = 0; h < hops; h++) {
      const base = (b * hops + h) * bt.hopFeatures;
      let sum = 0;
      for (let j = start; j < end; j++) sum += features[base + j]!;
      out[perControl + h] = sum;
    }
    return out;
  });
}

function tensor(parts: Float32Array[], dims: number[]): ort.Tensor {
  return new ort.Tensor('float32', concatSamples(parts), dims);
}

function concatBatch(parts: ort.Tensor[], spec: StateTensor): ort.Tensor {
  if (parts.length === 1) return parts[0]!;
  const per = spec.shape.reduce((a, b) => a * b, 1);
  const dims = [parts.length * spec.shape[0]!, ...spec.shape.slice(1)];
  if (spec.dtype === 'int64') {
    const data = new BigInt64Array(per * parts.length);
    parts.forEach((p, i) => data.set(p.data as BigInt64Array, i * per));
    return new ort.Tensor('int64', data, dims);
  }
  const data = new Float32Array(per * parts.length);
  parts.forEach((p, i) => data.set(p.data as Float32Array, i * per));
  return new ort.Tensor('float32', data, dims);
}

function splitBatch(t: ort.Tensor, spec: StateTensor): ort.Tensor[] {
  const per = spec.shape.reduce((a, b) => a * b, 1);
  const count = (t.data.length / per) | 0;
  // A lone stream keeps the output tensor as its state: copying it costs ~0.1 ms per MB every step.
  if (count === 1) return [t];
  return Array.from({ length: count }, (_, i) =>
    spec.dtype === 'int64'
      ? new ort.Tensor('int64', (t.data as BigInt64Array).slice(i * per, (i + 1) * per), spec.shape)
      : new ort.Tensor('float32', (t.data as Float32Array).slice(i * per, (i + 1) * per), spec.shape),
  );
}
