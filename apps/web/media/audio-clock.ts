/**
 * Where the AudioContext's timeline sits on the page's performance.now() timeline, at the
 * speaker: the sample the context renders at `contextTime` (s) is heard at
 * `performanceTime` (ms). Scheduling a click at the context time whose performance time maps
 * to server time S makes it sound at S, after the output latency.
 */
export interface AudioAnchor {
  contextTime: number;
  performanceTime: number;
  /** getOutputTimestamp (the browser's own account of the output path) or the fallback. */
  source: 'output-timestamp' | 'current-time';
}

export function contextTimeAt(anchor: AudioAnchor, performanceMs: number): number {
  return anchor.contextTime + (performanceMs - anchor.performanceTime) / 1000;
}

export function performanceTimeAt(anchor: AudioAnchor, contextTime: number): number {
  return anchor.performanceTime + (contextTime - anchor.contextTime) * 1000;
}

interface ContextClock {
  readonly currentTime: number;
  readonly baseLatency?: number;
  readonly outputLatency?: number;
  getOutputTimestamp?(): AudioTimestamp;
}

/**
 * getOutputTimestamp() already includes the output latency and is smooth (measured in
 * Chromium 156: stable to ±0.05 ms, and it agrees with currentTime + outputLatency to ~1 ms,
 * while currentTime alone moves in 10 ms steps). Before the first output it returns zeros; then,
 * and in browsers without it, currentTime plus outputLatency (or baseLatency where that is all
 * there is) stands in.
 */
export function readAudioAnchor(context: ContextClock, nowMs: number = performance.now()): AudioAnchor {
  const fallbackLatencyS = context.outputLatency || context.baseLatency || 0;
  const fallback: AudioAnchor = {
    contextTime: context.currentTime,
    performanceTime: nowMs + fallbackLatencyS * 1000,
    source: 'current-time',
  };
  const ts = context.getOutputTimestamp?.();
  if (!ts?.contextTime || !ts.performanceTime) return fallback;
  const anchor: AudioAnchor = { contextTime: ts.contextTime, performanceTime: ts.performanceTime, source: 'output-timestamp' };
  // A timestamp from a stalled or just-resumed device can be far off; trust it within half a second.
  const disagreement = Math.abs(performanceTimeAt(anchor, fallback.contextTime) - fallback.performanceTime);
  return disagreement < 500 ? anchor : fallback;
}

/**
 * Steadies the output timestamps: each anchor's mapping (performance time − context time) is
 * replaced by the median of the last `size`. Under load Chromium's getOutputTimestamp() now
 * and then returns a pair a few ms (up to tens of ms) off, for one or two reads; scheduling a
 * click through such a read would put it off by as much. A lasting shift of the audio clock (an
 * output underrun) still gets through, after half the window.
 */
export class AnchorSmoother {
  private readonly mappings: number[] = [];

  constructor(private readonly size = 9) {}

  smooth(anchor: AudioAnchor): AudioAnchor {
    this.mappings.push(anchor.performanceTime - anchor.contextTime * 1000);
    if (this.mappings.length > this.size) this.mappings.shift();
    const sorted = [...this.mappings].sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    const median = sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
    return { ...anchor, performanceTime: anchor.contextTime * 1000 + median };
  }
}
