import type { PlayoutStats } from './playout-buffer.ts';

/**
 * When our path gives way to the browser's. Ours takes frames into a worker and posts them on to the
 * worklet, JavaScript hops in a busy renderer, where NetEQ decodes on the audio thread: on a
 * machine too busy for them (the soak: two Chromiums, the AI and the SFU on two cores), frames
 * reached our buffer 250–800 ms late at the p99 where NetEQ held 100–190 ms, so ours was no longer
 * the lower-latency path. Judged on the lateness p99 of the last 1000 frames once
 * the stream's first 3 s (start-up spikes) are out of that window; only in the automatic mode (a
 * depth the listener set is theirs).
 */
export const FALLBACK_LATENESS_P99_MS = 100;
export const FALLBACK_AFTER_FRAMES = 1300;

export function fallbackReason(stats: PlayoutStats): string | undefined {
  if (stats.mode !== 'auto' || stats.received < FALLBACK_AFTER_FRAMES || stats.latenessP99Ms < FALLBACK_LATENESS_P99_MS) return undefined;
  return `frames came ${Math.round(stats.latenessP99Ms)} ms late (p99): this machine is too busy for our path`;
}
