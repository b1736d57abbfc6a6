/**
 * Clock synchronisation with the SFU, NTP style. The page sends its clock (t0); the SFU
 * answers with when it received (t1) and answered (t2) on its own clock; the page notes the
 * arrival (t3). Each exchange gives an offset (server − local) whose error is at most half the
 * round trip, because only the asymmetry of the two network legs biases it. So the estimate is
 * the offset of the exchange with the smallest round trip among the recent ones, and its
 * uncertainty is half that round trip.
 *
 * Local time is performance.timeOrigin + performance.now(): monotonic, high-resolution and
 * near the Unix epoch like the server's clock, so the offset is small and says something.
 */

export interface ClockSample {
  /** Local send time, ms. */
  t0: number;
  /** Server receive and send times, ms. */
  t1: number;
  t2: number;
  /** Local receive time, ms. */
  t3: number;
}

export interface ClockEstimate {
  /** Server time − local time, ms. */
  offsetMs: number;
  /** Half the round trip of the sample used: the most the offset can be off by. */
  uncertaintyMs: number;
  rttMs: number;
  /** Samples in the window. */
  samples: number;
}

export function sampleOffsetMs(s: ClockSample): number {
  return (s.t1 - s.t0 + (s.t2 - s.t3)) / 2;
}

/** Round trip minus the server's own processing time. */
export function sampleRttMs(s: ClockSample): number {
  return s.t3 - s.t0 - (s.t2 - s.t1);
}

/**
 * Keeps the last `windowSize` samples and estimates from the minimum-round-trip one. The
 * window bounds how old the chosen sample can be, so drift between the two clocks
 * (tens of ppm) does not pile up.
 */
export class ClockEstimator {
  private readonly samples: ClockSample[] = [];

  constructor(private readonly windowSize = 16) {}

  /** Adds a sample; false (and ignored) when it cannot be right: negative round trip or server time. */
  add(sample: ClockSample): boolean {
    const values = [sample.t0, sample.t1, sample.t2, sample.t3];
    if (!values.every(Number.isFinite) || sample.t2 < sample.t1 || sampleRttMs(sample) < 0) return false;
    this.samples.push(sample);
    if (this.samples.length > this.windowSize) this.samples.shift();
    return true;
  }

  estimate(): ClockEstimate | null {
    let best: ClockSample | undefined;
    for (const s of this.samples) if (!best || sampleRttMs(s) < sampleRttMs(best)) best = s;
    if (!best) return null;
    const rttMs = sampleRttMs(best);
    return { offsetMs: sampleOffsetMs(best), uncertaintyMs: rttMs / 2, rttMs, samples: this.samples.length };
  }
}

/**
 * How the offset the page schedules with follows a new estimate: slewed at `rateMsPerS`, so a
 * better estimate moves the clicks by a fraction of a millisecond per beat instead of in one
 * jump, and stepped only when it is off by more than `stepMs` (the first sync, a server restart),
 * where being wrong for seconds is worse than one jump. NTP's clock discipline in miniature.
 */
export interface SlewPolicy {
  rateMsPerS: number;
  stepMs: number;
}

/**
 * 1 ms/s moves a click by 0.4 ms per beat at 150 BPM, far below what anyone hears. Beyond 3 ms
 * the page is audibly off the others, so it jumps: that happens when the first good exchanges
 * come in after a busy join (the browser tests saw first estimates 3–4 ms off on a loaded
 * machine), rarely later.
 */
export const DEFAULT_SLEW: SlewPolicy = { rateMsPerS: 1, stepMs: 3 };

export function slewOffset(applied: number | null, target: number, elapsedMs: number, policy: SlewPolicy = DEFAULT_SLEW): number {
  if (applied === null || Math.abs(target - applied) > policy.stepMs) return target;
  const max = (Math.max(0, elapsedMs) / 1000) * policy.rateMsPerS;
  return applied + Math.max(-max, Math.min(max, target - applied));
}

export interface ClockReply {
  t0: number;
  t1: number;
  t2: number;
}

export interface ClockSyncOptions {
  /** Exchanges when starting, one after another, `burstGapMs` apart. */
  burst: number;
  burstGapMs: number;
  /** Then one every `fastIntervalMs` until the window is full, then one every `intervalMs`. */
  fastIntervalMs: number;
  intervalMs: number;
  windowSize: number;
  slew: SlewPolicy;
}

// The burst gives a first estimate within half a second, but it runs while the page is busy
// joining (transports, microphone), which delays replies; the exchanges that follow, four a
// second until the window is full and then one a second, find the quiet moments. A window of 24
// exchanges (24 s in the steady state) keeps drift between the clocks (≤ 50 ppm) under ~1 ms.
const DEFAULTS: ClockSyncOptions = {
  burst: 8,
  burstGapMs: 60,
  fastIntervalMs: 250,
  intervalMs: 1000,
  windowSize: 24,
  slew: DEFAULT_SLEW,
};

export function localNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Runs the exchanges over the signalling socket and answers time conversions. */
export class ClockSync {
  private readonly estimator: ClockEstimator;
  private readonly options: ClockSyncOptions;
  private current: ClockEstimate | null = null;
  private applied: { offsetMs: number; at: number } | null = null;
  /** Every sample taken, newest last (bounded): for diagnostics and the browser tests. */
  readonly samples: Array<ClockSample & { offsetMs: number; rttMs: number }> = [];
  private timer?: ReturnType<typeof setTimeout>;
  private stopped = false;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly ping: (t0: number) => Promise<ClockReply>,
    options: Partial<ClockSyncOptions> = {},
    private readonly now: () => number = localNow,
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.estimator = new ClockEstimator(this.options.windowSize);
  }

  get estimate(): ClockEstimate | null {
    return this.current;
  }

  get synced(): boolean {
    return this.current !== null;
  }

  /** The offset conversions use now: the estimate, slewed (see SlewPolicy). */
  get offsetMs(): number {
    if (!this.current) return 0;
    const now = this.now();
    const offsetMs = slewOffset(this.applied?.offsetMs ?? null, this.current.offsetMs, now - (this.applied?.at ?? now), this.options.slew);
    this.applied = { offsetMs, at: now };
    return offsetMs;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  start(): void {
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** One exchange now (also used by tests); resolves when its sample is in. */
  async exchange(): Promise<void> {
    const t0 = this.now();
    let reply: ClockReply;
    try {
      reply = await this.ping(t0);
    } catch {
      return; // disconnected, rate-limited or timed out: the next exchange will do
    }
    const t3 = this.now();
    const sample = { t0, t1: reply.t1, t2: reply.t2, t3 };
    if (reply.t0 !== t0 || !this.estimator.add(sample)) return;
    this.samples.push({ ...sample, offsetMs: sampleOffsetMs(sample), rttMs: sampleRttMs(sample) });
    if (this.samples.length > 256) this.samples.shift();
    this.current = this.estimator.estimate();
    for (const listener of this.listeners) listener();
  }

  serverNow(): number {
    return this.toServer(this.now());
  }

  toServer(localMs: number): number {
    return localMs + this.offsetMs;
  }

  toLocal(serverMs: number): number {
    return serverMs - this.offsetMs;
  }

  /** A server time on this page's performance.now() timeline (what AudioContext timestamps use). */
  toPerformanceTime(serverMs: number): number {
    return this.toLocal(serverMs) - performance.timeOrigin;
  }

  fromPerformanceTime(performanceMs: number): number {
    return this.toServer(performanceMs + performance.timeOrigin);
  }

  private async run(): Promise<void> {
    for (let i = 0; i < this.options.burst && !this.stopped; i++) {
      await this.exchange();
      await new Promise((resolve) => setTimeout(resolve, this.options.burstGapMs));
    }
    const gap = () => ((this.current?.samples ?? 0) < this.options.windowSize ? this.options.fastIntervalMs : this.options.intervalMs);
    const again = async () => {
      if (this.stopped) return;
      await this.exchange();
      if (!this.stopped) this.timer = setTimeout(() => void again(), gap());
    };
    if (!this.stopped) this.timer = setTimeout(() => void again(), gap());
  }
}
