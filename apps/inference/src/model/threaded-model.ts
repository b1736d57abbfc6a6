import { Worker } from 'node:worker_threads';
import type { ModelManifest } from '@bandmate/shared';
import type { ThreadReply, ThreadRequest } from './inference-thread.ts';
import { ModelLoadError } from './load-model.ts';
import type { ExecutionProvider, StreamStep } from './model-session.ts';

export interface ThreadedModelOptions {
  provider?: ExecutionProvider;
  threads?: number;
  /** Nice value for the inference thread (negative = higher priority; needs privilege). */
  priority?: number;
  onNotice?: (message: string) => void;
}

type Pending = { resolve: (r: ThreadReply & { ok: true }) => void; reject: (e: Error) => void };
type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

/** A model running in its own worker thread; every call is a message round trip (~30 µs). */
export class ThreadedModel {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  private constructor(
    private readonly worker: Worker,
    readonly manifest: ModelManifest,
    readonly provider: ExecutionProvider,
  ) {
    worker.on('message', (reply: ThreadReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply);
      else p.reject(new Error(reply.error));
    });
    worker.on('error', (err) => this.failAll(err));
    worker.on('exit', (code) => this.failAll(new Error(`inference thread exited (${code})`)));
  }

  static async load(dir: string, options: ThreadedModelOptions = {}): Promise<ThreadedModel> {
    const worker = new Worker(new URL('./inference-thread-entry.mjs', import.meta.url), {
      workerData: {
        dir,
        options: { provider: options.provider ?? 'cpu', threads: options.threads ?? 1 },
        priority: options.priority ?? 0,
      },
    });
    const ready = await new Promise<{ manifest: ModelManifest; provider: ExecutionProvider; notices: string[] }>((resolve, reject) => {
      worker.once('message', (m: { type: string; error?: string; manifest: ModelManifest; provider: ExecutionProvider; notices: string[] }) =>
        m.type === 'ready' ? resolve(m) : reject(new ModelLoadError(m.error ?? 'model failed to load')),
      );
      worker.once('error', reject);
    }).catch(async (err) => {
      await worker.terminate();
      throw err;
    });
    for (const notice of ready.notices) options.onNotice?.(notice);
    return new ThreadedModel(worker, ready.manifest, ready.provider);
  }

  openStream(streamId: string): Promise<void> {
    return this.call({ type: 'open', streamId }).then(() => undefined);
  }

  closeStream(streamId: string): Promise<void> {
    return this.call({ type: 'close', streamId }).then(() => undefined);
  }

  async step(steps: StreamStep[]): Promise<{ outputs: Float32Array[]; computeMs: number }> {
    const reply = await this.call({ type: 'step', steps });
    return { outputs: reply.outputs ?? [], computeMs: reply.computeMs ?? 0 };
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private call(request: DistributiveOmit<ThreadRequest, 'id'>): Promise<ThreadReply & { ok: true }> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id });
    });
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
