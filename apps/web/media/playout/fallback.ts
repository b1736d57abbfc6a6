import type { PlayoutStats } from './playout-buffer.ts';

/**
 * When one stream leaves our path for the browser's. Our path reads frames in a worker, which the
 * browser runs at normal priority, where its own path (NetEQ) runs on raised-priority threads: on a
 * machine too busy to give the worker its turn (the soak: two Chromiums, the AI and the SFU on two
 * cores), frames reach our buffer hundreds of ms late and it needs more depth than NetEQ does, so
 * ours is no longer the lower-latency path. Judged on the lateness p99 of the last 1000 frames once
 * the stream's first 3 s (start-up spikes) are out of that window; only in the automatic mode (a
 * depth the listener set is theirs).
 */
export const FALLBACK_LATENESS_P99_MS = 100;
export const FALLBACK_AFTER_FRAMES = 1300;

export function fallbackReason(stats: PlayoutStats): string | undefined {
  if (stats.mode !== 'auto' || stats.received < FALLBACK_AFTER_FRAMES || stats.latenessP99Ms < FALLBACK_LATENESS_P99_MS) return undefined;
  return `frames came ${Math.round(stats.latenessP99Ms)} ms late (p99): this machine is too busy for our path`;
}
