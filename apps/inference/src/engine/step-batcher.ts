import type { StreamStep } from '../model/model-session.ts';

export interface ModelRunner {
  step(steps: StreamStep[]): Promise<{ audio: Float32Array[]; computeMs: number }>;
}

export interface BatchStats {
  steps: number;
  calls: number;
  lastComputeMs: number;
}

/**
 * Steps submitted by different streams in the same turn of the event loop go to
 * the model as one batched call: rooms sharing a model share the GPU (or CPU) call.
 */
export class StepBatcher {
  private queue: Array<{ step: StreamStep; resolve: (a: Float32Array) => void; reject: (e: Error) => void }> = [];
  private scheduled = false;
  readonly stats: BatchStats = { steps: 0, calls: 0, lastComputeMs: 0 };

  constructor(
    private readonly model: ModelRunner,
    private readonly maxBatch = 16,
  ) {}

  submit(step: StreamStep): Promise<Float32Array> {
    return new Promise((resolve, reject) => {
      this.queue.push({ step, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const queued = this.queue;
    this.queue = [];
    // One call per frame count (a batch shares its shape), at most maxBatch streams each.
    const groups = new Map<number, typeof queued>();
    for (const q of queued) groups.set(q.step.audio.length, [...(groups.get(q.step.audio.length) ?? []), q]);
    for (const group of groups.values()) {
      for (let i = 0; i < group.length; i += this.maxBatch) {
        const batch = group.slice(i, i + this.maxBatch);
        try {
          const { audio, computeMs } = await this.model.step(batch.map((b) => b.step));
          this.stats.steps += batch.length;
          this.stats.calls += 1;
          this.stats.lastComputeMs = computeMs;
          batch.forEach((b, j) => b.resolve(audio[j]!));
        } catch (err) {
          for (const b of batch) b.reject(err as Error);
        }
      }
    }
  }
}
