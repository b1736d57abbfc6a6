import type { StreamStep } from '../model/model-session.ts';

export interface ModelRunner {
  /** Each stream's step output: audio (audio models) or control frames (control models). */
  step(steps: StreamStep[]): Promise<{ outputs: Float32Array[]; computeMs: number }>;
}

export interface BatchStats {
  steps: number;
  calls: number;
  lastComputeMs: number;
}

const RECENT_CALLS = 512;

/**
 * Steps submitted by different streams in the same turn of the event loop go to
 * the model as one batched call: rooms sharing a model share the GPU (or CPU) call.
 */
export class StepBatcher {
  private queue: Array<{ step: StreamStep; resolve: (a: Float32Array) => void; reject: (e: Error) => void }> = [];
  private scheduled = false;
  readonly stats: BatchStats = { steps: 0, calls: 0, lastComputeMs: 0 };
  private readonly recent = new Float64Array(RECENT_CALLS);

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

  /** Median and 99th percentile of the last calls' compute time (ms); null before the first call. */
  recentComputeMs(): { median: number; p99: number } | null {
    const n = Math.min(this.stats.calls, RECENT_CALLS);
    if (n === 0) return null;
    const sorted = this.recent.slice(0, n).sort();
    return { median: sorted[Math.floor((n - 1) / 2)]!, p99: sorted[Math.min(n - 1, Math.ceil(0.99 * n) - 1)]! };
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
          const { outputs, computeMs } = await this.model.step(batch.map((b) => b.step));
          this.stats.steps += batch.length;
          this.stats.calls += 1;
          this.stats.lastComputeMs = computeMs;
          this.recent[(this.stats.calls - 1) % RECENT_CALLS] = computeMs;
          batch.forEach((b, j) => b.resolve(outputs[j]!));
        } catch (err) {
          for (const b of batch) b.reject(err as Error);
        }
      }
    }
  }
}
