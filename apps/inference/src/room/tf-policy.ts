import { isControlModel, type ModelManifest } from '@bandmate/shared';

/**
 * The latency the AI's look-ahead t_f must cover, as measured at the worker: a chunk y(t : t+k) is
 * computed from the mix heard up to t + t_f, and the worker has that mix only after its jitter
 * buffer, then needs the step's compute, the hops to and from the SFU, and the chunk itself, so
 * |t_f| ≥ jitter + compute + network + margin + k. (The worker sends each frame at its room time,
 * so listeners hear the AI as aligned as the musicians are with each other; t_f decides how recent
 * the music it answers is.)
 */
export interface LatencyBudget {
  /** The worker's jitter buffer per musician. */
  jitterMs: number;
  /** The model step's 99th-percentile compute time. */
  computeP99Ms: number;
  /** SFU → worker → SFU (the control connection's round trip stands in for the RTP hops). */
  networkMs: number;
}

/** Room for a timer that fires late, on top of the measured figures. */
const MARGIN_MS = 5;

/** The t_f grid of a model and the range it was trained for. */
export interface TfGrid {
  kSeconds: number;
  frameSeconds: number;
  stepSeconds: number;
  trainedTf: { min: number; max: number };
}

export function tfGrid(manifest: ModelManifest, kSeconds: number): TfGrid {
  const frameSeconds = manifest.samplesPerFrame / manifest.sampleRate;
  return { kSeconds, frameSeconds, stepSeconds: isControlModel(manifest) ? manifest.tfStep : frameSeconds, trainedTf: manifest.trainedTf };
}

/**
 * The latest t_f (closest to 0) on the model's grid that covers `budget`, kept within what the
 * model was trained for (its look-back t_f − k + frame in [min, max]): a budget beyond that range
 * gets the range's end, and the AI is late by the rest (its late frames show it).
 */
export function tfFor(budget: LatencyBudget, grid: TfGrid): number {
  const needSeconds = (budget.jitterMs + budget.computeP99Ms + budget.networkMs + MARGIN_MS) / 1000 + grid.kSeconds;
  const steps = Math.ceil(needSeconds / grid.stepSeconds - 1e-9);
  const latest = grid.trainedTf.max + grid.kSeconds - grid.frameSeconds;
  const earliest = grid.trainedTf.min + grid.kSeconds - grid.frameSeconds;
  const tf = Math.min(latest, Math.max(earliest, -steps * grid.stepSeconds));
  return Math.round(tf * 1e6) / 1e6;
}

/**
 * Keeps a running player's t_f covering the measured latency: when `settle` reports in a row want
 * an earlier t_f (a busier machine, a slower network), it moves there (to the earliest of them, the
 * safe side). It never moves later mid-stream: that only saves a little look-ahead, and a stream
 * swap restarts the part's phrase; new players and instrument changes get the measured t_f anyway.
 */
export class TfFollower {
  private count = 0;
  private pick = 0;

  constructor(
    public current: number,
    private readonly settle = 3,
  ) {}

  /** The t_f to switch to now, or undefined to stay. */
  next(measured: number): number | undefined {
    if (measured >= this.current - 1e-9) {
      this.count = 0;
      return undefined;
    }
    this.pick = this.count === 0 ? measured : Math.min(this.pick, measured);
    if (++this.count < this.settle) return undefined;
    this.current = this.pick;
    this.count = 0;
    return this.current;
  }
}
