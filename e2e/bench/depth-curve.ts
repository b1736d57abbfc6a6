import { PlayoutBuffer } from '../../apps/web/media/playout/playout-buffer.ts';

/**
 * What the network really did to our path, replayed against jitter buffers of other depths.
 *
 * A playout trace holds each frame's arrival, transit and lateness as our buffer took it (its
 * transit above the least of the last one to two 100-frame blocks), in samples of the listener's
 * clock. A buffer of depth d drops out when a frame is later than d, and frames late within
 * LATE_RUN_GAP of each other are one dropout (one gap heard, as the buffer waits for the late
 * frame and the frames behind it come on time again). That gives, from one run, the dropouts per
 * minute each fixed depth would have cost, so the bench can say which depth this machine needs;
 * replaying the depths the buffer really had checks the replay against the dropouts it counted.
 */
const LATE_RUN_GAP = 10;
const FRAMES_PER_MINUTE = 6000;

/** Values per frame in a trace: arrival, transit, lateness, the lateness the buffer's depth covered. */
export const TRACE_STRIDE = PlayoutBuffer.TRACE_STRIDE;

/** Each frame's lateness in samples, as the buffer took it, from a trace's frames. */
export function latenessOf(frames: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 2; i < frames.length; i += TRACE_STRIDE) out.push(frames[i]!);
  return out;
}

/** Dropouts per minute (10 ms frames) for a buffer whose depth before frame i is depth(i), samples. */
export function dropoutsPerMinute(lateness: readonly number[], depth: (i: number) => number): number {
  if (lateness.length === 0) return Number.NaN;
  let dropouts = 0;
  let lastLate = -Infinity;
  for (let i = 0; i < lateness.length; i++) {
    if (lateness[i]! <= depth(i)) continue;
    if (i - lastLate > LATE_RUN_GAP) dropouts++;
    lastLate = i;
  }
  return dropouts / (lateness.length / FRAMES_PER_MINUTE);
}

/** The lateness the buffer's own depth covered at each frame, from a trace's frames. */
export function coveredOf(frames: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 3; i < frames.length; i += TRACE_STRIDE) out.push(frames[i]!);
  return out;
}

export function quantile(xs: readonly number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}
