import * as ort from 'onnxruntime-node';
import { GRAPH_IO, STATE_OUTPUT_SUFFIX, type GraphName, type StateTensor } from '@bandmate/shared';
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
}

type State = Map<string, ort.Tensor>;

/**
 * The three graphs of one model, and the explicit state of every stream that
 * runs on it. A step of several streams is one batched call of each graph.
 */
export class ModelSession {
  private readonly states = new Map<string, Record<GraphName, State>>();

  private constructor(
    readonly files: ModelFiles,
    private readonly sessions: Record<GraphName, ort.InferenceSession>,
    readonly provider: ExecutionProvider,
  ) {}

  static async create(dir: string, options: SessionOptions): Promise<ModelSession> {
    const files = loadModelFiles(dir);
    let provider = options.provider;
    let sessions: Record<GraphName, ort.InferenceSession>;
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
    const fresh = {} as Record<GraphName, State>;
    for (const name of Object.keys(GRAPH_IO) as GraphName[]) {
      fresh[name] = new Map(this.manifest.graphs[name].state.map((s) => [s.name, zeros(s)]));
    }
    this.states.set(streamId, fresh);
  }

  closeStream(streamId: string): void {
    this.states.delete(streamId);
  }

  /** Runs encoder → generator → decoder for every stream at once; returns each stream's audio. */
  async step(steps: StreamStep[]): Promise<Float32Array[]> {
    if (steps.length === 0) return [];
    const m = this.manifest;
    const B = steps.length;
    const n = steps[0]!.audio.length / m.samplesPerFrame;
    for (const s of steps) {
      if (s.audio.length !== n * m.samplesPerFrame) throw new Error('all streams of a batch must step the same number of frames');
      if (!this.states.has(s.streamId)) throw new Error(`stream ${s.streamId} is not open`);
    }
    const latents = await this.run('encoder', steps, { audio: tensor(steps.map((s) => s.audio), [B, n * m.samplesPerFrame]) });
    const mix = latents.latents!;
    const generated = await this.run('generator', steps, {
      mix,
      noise: tensor(steps.map((s) => s.noise), [B, n, m.noiseSize]),
      instrument: new ort.Tensor('int64', BigInt64Array.from(steps.map((s) => BigInt(s.instrument))), [B]),
    });
    const decoded = await this.run('decoder', steps, { latents: generated.accompaniment! });
    const audio = decoded.audio!.data as Float32Array;
    const per = n * m.samplesPerFrame;
    return steps.map((_, b) => audio.slice(b * per, (b + 1) * per));
  }

  async release(): Promise<void> {
    for (const s of Object.values(this.sessions)) await s.release();
  }

  private async run(graph: GraphName, steps: StreamStep[], inputs: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
    const specs = this.manifest.graphs[graph].state;
    const feeds: Record<string, ort.Tensor> = { ...inputs };
    for (const spec of specs) feeds[spec.name] = concatBatch(steps.map((s) => this.states.get(s.streamId)![graph].get(spec.name)!), spec);
    const out = await this.sessions[graph].run(feeds);
    for (const spec of specs) {
      const next = out[spec.name + STATE_OUTPUT_SUFFIX];
      if (!next) throw new ModelLoadError(`${graph} graph did not return ${spec.name}${STATE_OUTPUT_SUFFIX}`);
      splitBatch(next, spec).forEach((t, b) => this.states.get(steps[b]!.streamId)![graph].set(spec.name, t));
    }
    return out;
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
  const sessions = {} as Record<GraphName, ort.InferenceSession>;
  for (const name of Object.keys(GRAPH_IO) as GraphName[]) {
    const session = await ort.InferenceSession.create(files.graphPath[name], options);
    const states = files.manifest.graphs[name].state;
    const wantIn = [...GRAPH_IO[name].inputs, ...states.map((s) => s.name)];
    const wantOut = [...GRAPH_IO[name].outputs, ...states.map((s) => s.name + STATE_OUTPUT_SUFFIX)];
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
  return Array.from({ length: count }, (_, i) =>
    spec.dtype === 'int64'
      ? new ort.Tensor('int64', (t.data as BigInt64Array).slice(i * per, (i + 1) * per), spec.shape)
      : new ort.Tensor('float32', (t.data as Float32Array).slice(i * per, (i + 1) * per), spec.shape),
  );
}
