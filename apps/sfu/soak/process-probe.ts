// What the soak samples inside a process: memory after a full GC (when the process runs with
// --expose-gc), event-loop delay since the last sample, open handles and file descriptors.
import { readdirSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface ProbeSample {
  rssMb: number;
  heapMb: number;
  externalMb: number;
  eldP99Ms: number;
  eldMaxMs: number;
  handles: number;
  fds: number;
}

const MB = 1024 * 1024;

/** Starts measuring the event loop; each call of the returned function samples and resets it. */
export function startProbe(): () => ProbeSample {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  return () => {
    (globalThis as { gc?: () => void }).gc?.();
    const m = process.memoryUsage();
    const sample = {
      rssMb: m.rss / MB,
      heapMb: m.heapUsed / MB,
      externalMb: (m.external + m.arrayBuffers) / MB,
      eldP99Ms: delay.percentile(99) / 1e6,
      eldMaxMs: delay.max / 1e6,
      handles: process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length,
      fds: countFds(),
    };
    delay.reset();
    return sample;
  };
}

/**
 * Answers `{ type: 'probe', id }` on the IPC channel (a forked process) with a sample and what
 * `extra` adds (the SFU's rooms and stream counters).
 */
export function answerProbes(extra: () => Promise<Record<string, unknown>> | Record<string, unknown> = () => ({})): void {
  if (!process.send) return;
  const probe = startProbe();
  process.on('message', (message: { type?: string; id?: number }) => {
    if (message?.type !== 'probe') return;
    void Promise.resolve(extra()).then((more) => process.send?.({ type: 'probe', id: message.id, sample: { ...probe(), ...more } }));
  });
}

function countFds(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return -1;
  }
}
