/**
 * The jitter buffer of our own playout path, for one received stream: decoded 10 ms frames in,
 * 128-sample render quanta out, on the AudioContext's clock. It runs inside an AudioWorklet, where
 * it is inlined as source text (playout-worklet.ts), so the class must not use anything from
 * outside itself: its constants are static fields.
 *
 * Timing model. A frame with media time ts (samples, since the stream's first frame) arrives at
 * local frame a; its transit is a − ts. The least transit over the last ~2 s is the stream's
 * "no-jitter" path; a frame's lateness is its transit above that. Each frame is played `depth`
 * samples after the moment it would have arrived with the least transit, so it is on time when its
 * lateness is under the depth (less one render quantum, which reads ahead). Because the least
 * transit follows the sender's clock, playing at that position also compensates the drift between
 * the sender's sample clock and ours, by resampling at a ratio within ±0.5 % (9 cents at most).
 *
 * Automatic depth: simulated buffers of every candidate depth are kept (after Jamulus), each
 * remembering when a frame last came later than it allowed, and the smallest depth no frame outran
 * in the last minute is chosen: the largest lateness of the last minute. Jamulus's IIR error rates
 * held a depth for a time that grew with the number of late frames: one stall of 50 ms (a run of
 * five late frames) held it for two minutes. A fixed depth can be set instead (the user's "lower
 * latency ↔ fewer dropouts" control).
 *
 * Coming down, after NetEQ's "accelerate": when the read position is more than ACCEL_MIN_MS behind
 * where the depth puts it (the depth came down, or a stall's frames all arrived at once), whole
 * pitch periods are cut out, each cross-faded into the next (the two are alike, so the cut is not
 * heard and the pitch is kept), or a stretch of silence is skipped, down to ACCEL_KEEP_MS behind;
 * the rest, and where neither is found, is closed by playing up to 0.5 % fast. A stall's extra
 * delay is gone within a second or so, where at 0.5 % it took twenty.
 *
 * Missing audio is concealed without clicks: a lost frame (a later one is here) is replaced by the
 * last good frame, repeated with overlapping joins and faded out over 20 ms, blended in from the last
 * value played; a late frame (nothing newer
 * is here) holds the read position while we are still ahead of where we should be, then gives up
 * on it. Real audio fades back in over 1.3 ms.
 */
export type PlayoutMode = { kind: 'auto' } | { kind: 'fixed'; delayMs: number };

export interface PlayoutStats {
  mode: 'auto' | 'fixed';
  /** The depth chosen now (auto) or set (fixed), ms above the least transit. */
  targetMs: number;
  /** How far behind the least-transit arrival the read position actually is, ms. */
  delayMs: number;
  /** Mean lateness of frames (transit above the least), ms: the arrival jitter. */
  jitterMs: number;
  /** The 99th percentile and the largest lateness of the last 1000 frames, ms. */
  latenessP99Ms: number;
  latenessMaxMs: number;
  received: number;
  /** Frames played over before they came (lost, or so late they were dropped on arrival). */
  lost: number;
  late: number;
  /** Gaps concealed in running audio, counted when the audio comes back within a second (a longer one is a pause). */
  dropouts: number;
  concealedMs: number;
  /** Seconds this stream has been playing (for dropouts per minute). */
  playingSeconds: number;
  /** Audio cut out to bring the delay down to the depth (periods and silence), ms in all. */
  acceleratedMs: number;
  /** Playback rate against our clock, minus one (drift and depth changes), in parts per million. */
  rateOffsetPpm: number;
}

export class PlayoutBuffer {
  static readonly CANDIDATE_STEP = 64;
  static readonly MAX_DEPTH_MS = 200;
  /**
   * A depth some frame outran is kept out for this many frames after (60 s of 10 ms frames): the
   * depth is the largest lateness of the last minute. For jitter whose spikes are alike over time,
   * a new spike is the largest of the last minute's less than once a minute, which bounds the
   * dropouts; a rare spike's depth is held a minute, which is the price.
   */
  static readonly HOLD_FRAMES = 6000;
  /**
   * Frames before the automatic depth may go below the start depth (10 s): a stream's first
   * seconds (its sender and our pipeline starting up) are its most jittery.
   */
  static readonly WARMUP_FRAMES = 1000;
  static readonly START_DEPTH_MS = 40;
  /**
   * Frames whose lateness is not learned from (3 s): a stream's start (the sender's encoder and
   * our decoder starting, a page still loading) brings spikes it never has again, which would
   * otherwise hold the depth up for a minute.
   */
  static readonly IGNORE_FRAMES = 300;
  static readonly MAX_RATE_OFFSET = 0.005;
  /** A concealment fades to silence over this many samples (20 ms: two lost frames in a row stay audible). */
  static readonly FADE_OUT = 960;
  static readonly JOIN = 32;
  static readonly FADE_IN = 64;
  /** Frames per block of the sliding least-transit window (two blocks are kept). */
  static readonly TRANSIT_BLOCK = 100;
  /** Frames held at most ahead of the read position (a flood cannot grow memory). */
  static readonly CAPACITY = 300;
  /** A stream silent this long is paused, not dropping out. */
  static readonly PAUSE_MS = 1000;
  /** A transit this far from the least one is a new timeline, not a late frame. */
  static readonly TIMELINE_JUMP_MS = 1000;
  /**
   * Behind the depth by more than this, periods are cut out, down to ACCEL_KEEP_MS behind; less is
   * left to the 0.5 % resampling. The least transit the depth is measured from wanders by a few ms
   * (the sender's own timing): followed quickly down and slowly up, it would leave the read position
   * short of frames, and cut audio for nothing.
   */
  static readonly ACCEL_MIN_MS = 8;
  static readonly ACCEL_KEEP_MS = 4;
  /** Cuts are whole periods of 2–15 ms (a pitch of 67–500 Hz, or several periods of a higher one). */
  static readonly ACCEL_MIN_LAG_MS = 2;
  static readonly ACCEL_MAX_LAG_MS = 15;
  /** Two periods at least this alike (normalised correlation) may be merged into one. */
  static readonly ACCEL_CORRELATION = 0.9;
  /** Below this RMS (−60 dBFS) a stretch is silence, skipped without a period search. */
  static readonly SILENCE_RMS = 1e-3;

  private readonly frames = new Map<number, Float32Array[]>();
  private frameLength = 0;
  private origin: number | undefined;
  private lastUnwrapped: number | undefined;
  private newestIndex = -1;
  private transitMinPrev = Infinity;
  private transitMinCur = Infinity;
  private transitCount = 0;
  /** Per candidate depth: the frame count when a frame last came later than it allowed. */
  private lastOutrun: Float64Array;
  private chosenDepth: number;
  private readPos: number | undefined;
  private ratio = 1;
  private mode: PlayoutMode = { kind: 'auto' };
  private resync = false;
  private lastGood: Float32Array[] | null = null;
  /** Samples into the current concealment episode (0 = playing real audio). */
  private concealedRun = 0;
  /** Frames played over in the current concealment (lost, unless it turns out to be a pause). */
  private runLost = 0;
  private fadeIn = 0;
  private lastOut: number[];
  private joinFrom: number[];
  /** The read position's delay behind the least-transit arrival after the last quantum, samples. */
  private currentDelay = 0;
  private lastArrival = -Infinity;
  private jitterSum = 0;
  private readonly recentLateness = new Float64Array(1000);
  private recentCount = 0;
  private readonly counters = { received: 0, lost: 0, late: 0, dropouts: 0, concealed: 0, playing: 0, accelerated: 0 };
  /** A cut under way: reading from pos and pos + lag at once, cross-fading into the latter. */
  private cut: { lag: number; length: number; done: number } | null = null;

  constructor(
    readonly sampleRate = 48000,
    readonly channels = 2,
    readonly quantum = 128,
  ) {
    const candidates = Math.ceil((PlayoutBuffer.MAX_DEPTH_MS / 1000) * sampleRate / PlayoutBuffer.CANDIDATE_STEP);
    this.lastOutrun = new Float64Array(candidates).fill(-Infinity);
    this.chosenDepth = this.ms(PlayoutBuffer.START_DEPTH_MS);
    this.lastOut = new Array<number>(channels).fill(0);
    this.joinFrom = new Array<number>(channels).fill(0);
  }

  /** A new mode takes effect at once (one jump, faded), not at the drift-correcting ±0.5 %. */
  setMode(mode: PlayoutMode): void {
    this.mode = mode.kind === 'fixed' ? { kind: 'fixed', delayMs: Math.max(0, Math.min(PlayoutBuffer.MAX_DEPTH_MS, mode.delayMs)) } : mode;
    this.resync = true;
  }

  /** A decoded frame: its 32-bit RTP timestamp, one array per channel, and our clock's frame when it came. */
  push(rtpTimestamp: number, data: Float32Array[], arrivalFrame: number): void {
    const length = data[0]?.length ?? 0;
    if (length === 0) return;
    if (this.frameLength !== length) {
      // A new stream, or the sender changed its packet time: start over on the new frame size.
      if (this.frameLength !== 0) this.reset();
      this.frameLength = length;
    }
    const ts = this.unwrap(rtpTimestamp);
    this.origin ??= ts;
    const rel = ts - this.origin;
    this.counters.received++;
    this.lastArrival = arrivalFrame;

    let transit = arrivalFrame - rel;
    if (Math.abs(transit - this.leastTransit()) > this.ms(PlayoutBuffer.TIMELINE_JUMP_MS)) {
      // Not jitter: the sender's timeline jumped (a restarted track, a resumed producer whose
      // timestamps moved on). Start a new timeline at this frame rather than learn it as lateness.
      this.restartTimeline();
      this.origin = ts;
      transit = arrivalFrame;
    }
    const index = Math.round((ts - this.origin) / length);
    if (transit < this.transitMinCur) this.transitMinCur = transit;
    if (++this.transitCount >= PlayoutBuffer.TRANSIT_BLOCK) {
      this.transitMinPrev = this.transitMinCur;
      this.transitMinCur = Infinity;
      this.transitCount = 0;
    }
    const lateness = Math.max(0, transit - this.leastTransit());
    this.jitterSum += lateness;
    this.recentLateness[this.recentCount++ % this.recentLateness.length] = lateness;
    if (this.counters.received > PlayoutBuffer.IGNORE_FRAMES) this.scoreCandidates(lateness);

    if (this.readPos !== undefined && (index + 1) * length <= this.readPos) {
      this.counters.late++;
      return;
    }
    if (this.frames.has(index)) return;
    if (this.readPos !== undefined && index - this.readPos / length > PlayoutBuffer.CAPACITY) {
      // Far ahead of where we play (a restarted sender, a clock jump): play from here instead.
      this.frames.clear();
      this.readPos = undefined;
    }
    this.frames.set(index, data);
    if (index > this.newestIndex) this.newestIndex = index;
  }

  /** Fills one render quantum (one array per channel) that starts at our clock's frame `now`. */
  render(out: Float32Array[], now: number): void {
    const n = out[0]?.length ?? this.quantum;
    if (this.frameLength === 0 || !Number.isFinite(this.leastTransit())) {
      for (const ch of out) ch.fill(0);
      return;
    }
    const ideal = now - this.leastTransit() - this.depth();
    let pos = this.readPos;
    if (pos === undefined || this.resync || Math.abs(ideal - pos) > this.ms(PlayoutBuffer.MAX_DEPTH_MS)) {
      pos = ideal;
      this.fadeIn = PlayoutBuffer.FADE_IN;
      this.resync = false;
      this.cut = null;
    }
    // Behind where we should be → a little faster, and the reverse, by at most ±0.5 %.
    const error = ideal - pos;
    const full = this.frameLength;
    this.ratio = 1 + Math.max(-PlayoutBuffer.MAX_RATE_OFFSET, Math.min(PlayoutBuffer.MAX_RATE_OFFSET, (error / full) * PlayoutBuffer.MAX_RATE_OFFSET));
    const paused = now - this.lastArrival > this.ms(PlayoutBuffer.PAUSE_MS);
    if (!paused) this.counters.playing += n;
    if (!this.cut && this.concealedRun === 0 && error > this.ms(PlayoutBuffer.ACCEL_MIN_MS)) this.cut = this.planCut(pos, error);

    for (let i = 0; i < n; i++) {
      if (this.cut) {
        const jump = this.playCut(out, i, pos);
        if (jump !== null) {
          pos += this.ratio + jump;
          continue;
        }
        this.cut = null; // what it needed is gone (a reset): play on as usual
      }
      const index = Math.floor(pos / full);
      const frame = this.frames.get(index);
      if (frame) {
        this.playReal(out, i, frame, index, pos);
        pos += this.ratio;
        continue;
      }
      // Missing. Still early (we should be later than here) and nothing newer came: wait for it.
      const waiting = index > this.newestIndex && pos > ideal + i;
      this.conceal(out, i);
      if (!waiting) {
        pos += this.ratio;
        if (index >= 0 && Math.floor(pos / full) > index && this.lastGood) this.runLost++;
      }
    }
    this.readPos = pos;
    this.currentDelay = now + n - this.leastTransit() - pos;
    // Frames behind the read position are done.
    const done = Math.floor(pos / full) - 1;
    for (const key of this.frames.keys()) if (key < done) this.frames.delete(key);
  }

  stats(): PlayoutStats {
    const recent = Array.from(this.recentLateness.subarray(0, Math.min(this.recentCount, this.recentLateness.length))).sort((a, b) => a - b);
    return {
      latenessP99Ms: recent.length ? this.toMs(recent[Math.floor(recent.length * 0.99)]!) : 0,
      latenessMaxMs: recent.length ? this.toMs(recent[recent.length - 1]!) : 0,
      mode: this.mode.kind,
      targetMs: this.toMs(this.depth()),
      delayMs: this.toMs(Math.max(0, this.currentDelay)),
      jitterMs: this.counters.received ? this.toMs(this.jitterSum / this.counters.received) : 0,
      received: this.counters.received,
      lost: this.counters.lost,
      late: this.counters.late,
      dropouts: this.counters.dropouts,
      concealedMs: this.toMs(this.counters.concealed),
      playingSeconds: this.counters.playing / this.sampleRate,
      acceleratedMs: this.toMs(this.counters.accelerated),
      rateOffsetPpm: Math.round((this.ratio - 1) * 1e6),
    };
  }

  /** Depth above the least transit at which frames play, samples. */
  private depth(): number {
    if (this.mode.kind === 'fixed') return this.ms(this.mode.delayMs) + this.quantum;
    return this.counters.received < PlayoutBuffer.WARMUP_FRAMES ? Math.max(this.chosenDepth, this.ms(PlayoutBuffer.START_DEPTH_MS)) : this.chosenDepth;
  }

  private leastTransit(): number {
    return Math.min(this.transitMinPrev, this.transitMinCur);
  }

  /** Simulated buffers: would a buffer of each candidate depth have had this frame in time? */
  private scoreCandidates(lateness: number): void {
    const last = this.lastOutrun;
    const frame = this.counters.received;
    // The smallest depth that no frame of the last HOLD_FRAMES outran (nor any above it).
    let chosen = last.length - 1;
    let safe = true;
    for (let j = last.length - 1; j >= 0; j--) {
      if (lateness > (j + 1) * PlayoutBuffer.CANDIDATE_STEP) last[j] = frame;
      safe &&= frame - last[j]! > PlayoutBuffer.HOLD_FRAMES;
      if (safe) chosen = j;
    }
    // The read-ahead of one quantum comes on top of the jitter the candidate covers.
    this.chosenDepth = (chosen + 1) * PlayoutBuffer.CANDIDATE_STEP + this.quantum;
  }

  private playReal(out: Float32Array[], i: number, frame: Float32Array[], index: number, pos: number): void {
    const offset = pos - index * this.frameLength;
    if (this.concealedRun > 0) {
      // A gap the listener heard end: a dropout, unless it was a pause (a muted or stopped sender).
      if (this.concealedRun < this.ms(PlayoutBuffer.PAUSE_MS) && this.lastGood) {
        this.counters.dropouts++;
        this.counters.concealed += this.concealedRun;
        this.counters.lost += this.runLost;
      }
      this.concealedRun = 0;
      this.runLost = 0;
      this.fadeIn = PlayoutBuffer.FADE_IN;
    }
    const w = this.fadeIn > 0 ? 1 - this.fadeIn / PlayoutBuffer.FADE_IN : 1;
    for (let c = 0; c < out.length; c++) {
      const v = w * this.interpolate(frame, index, c, offset) + (1 - w) * this.lastOut[c]!;
      out[c]![i] = v;
      this.lastOut[c] = v;
    }
    if (this.fadeIn > 0) this.fadeIn--;
    this.lastGood = frame;
  }

  /**
   * Channel c of frame number `index` at `offset` samples into it, interpolated towards the next
   * sample: at the frame's end, the next frame's first (if it is here).
   */
  private interpolate(frame: Float32Array[], index: number, c: number, offset: number): number {
    const k = Math.floor(offset);
    const src = frame[Math.min(c, frame.length - 1)]!;
    const a = src[k]!;
    let b = a;
    if (k + 1 < this.frameLength) b = src[k + 1]!;
    else {
      const next = this.frames.get(index + 1);
      if (next) b = next[Math.min(c, next.length - 1)]![0]!;
    }
    return a + (b - a) * (offset - k);
  }

  /** Channel c at (fractional) position p, or undefined where its frame is not here. */
  private sampleAt(c: number, p: number): number | undefined {
    const index = Math.floor(p / this.frameLength);
    const frame = this.frames.get(index);
    return frame ? this.interpolate(frame, index, c, p - index * this.frameLength) : undefined;
  }

  /** The channels' mean at whole sample p (the period search looks at one signal). */
  private mono(p: number): number {
    let sum = 0;
    for (let c = 0; c < this.channels; c++) sum += this.sampleAt(c, p) ?? 0;
    return sum / this.channels;
  }

  /**
   * What to cut out, reading on from `pos`, to come `error` samples closer to the depth: a stretch
   * of silence, or the longest lag (up to 15 ms) at which the next two stretches of that length are
   * alike (whole periods of what plays); null when neither is there or the frames are not all here.
   */
  private planCut(pos: number, error: number): { lag: number; length: number; done: number } | null {
    const full = this.frameLength;
    const start = Math.floor(pos);
    // Here without a hole: frames from the read position on, as far as two of the longest lags.
    let here = Math.floor(start / full);
    const wanted = start + 2 * this.ms(PlayoutBuffer.ACCEL_MAX_LAG_MS) + 2;
    while (here * full < wanted && this.frames.has(here)) here++;
    const available = here * full - start - 2;
    const maxLag = Math.min(this.ms(PlayoutBuffer.ACCEL_MAX_LAG_MS), Math.floor(error - this.ms(PlayoutBuffer.ACCEL_KEEP_MS)), Math.floor(available / 2));
    const minLag = this.ms(PlayoutBuffer.ACCEL_MIN_LAG_MS);
    if (maxLag < minLag) return null;
    const x = new Float32Array(2 * maxLag);
    let energy = 0;
    for (let i = 0; i < x.length; i++) {
      x[i] = this.mono(start + i);
      energy += x[i]! * x[i]!;
    }
    if (Math.sqrt(energy / x.length) < PlayoutBuffer.SILENCE_RMS) return { lag: maxLag, length: PlayoutBuffer.FADE_IN, done: 0 };
    // Every other lag, every other sample: a period is found to within a sample, at a quarter of the work.
    let best = 0;
    for (let lag = maxLag; lag >= minLag; lag -= 2) {
      let xy = 0;
      let xx = 0;
      let yy = 0;
      for (let i = 0; i < lag; i += 2) {
        const a = x[i]!;
        const b = x[i + lag]!;
        xy += a * b;
        xx += a * a;
        yy += b * b;
      }
      if (xx > 0 && yy > 0 && xy / Math.sqrt(xx * yy) >= PlayoutBuffer.ACCEL_CORRELATION) {
        best = lag;
        break;
      }
    }
    return best > 0 ? { lag: best, length: best, done: 0 } : null;
  }

  /**
   * One sample of a cut: the stretch at pos fades into the one a lag later. Returns how far the
   * read position jumps besides its step (the lag, at the cut's end), null if a frame is missing.
   */
  private playCut(out: Float32Array[], i: number, pos: number): number | null {
    const cut = this.cut!;
    const w = (cut.done + 1) / (cut.length + 1);
    for (let c = 0; c < out.length; c++) {
      const a = this.sampleAt(c, pos);
      const b = this.sampleAt(c, pos + cut.lag);
      if (a === undefined || b === undefined) return null;
      const v = (1 - w) * a + w * b;
      out[c]![i] = v;
      this.lastOut[c] = v;
    }
    if (++cut.done < cut.length) return 0;
    this.counters.accelerated += cut.lag;
    this.cut = null;
    return cut.lag;
  }

  /**
   * One sample of concealment: the last good frame again, fading out over FADE_OUT samples, blended
   * in over JOIN samples from the value last played (so the waveform does not jump).
   */
  private conceal(out: Float32Array[], i: number): void {
    const run = this.concealedRun++;
    if (run === 0) for (let c = 0; c < out.length; c++) this.joinFrom[c] = this.lastOut[c]!;
    const gain = Math.max(0, 1 - run / PlayoutBuffer.FADE_OUT);
    const w = Math.min(1, run / PlayoutBuffer.JOIN);
    for (let c = 0; c < out.length; c++) {
      const good = this.lastGood?.[Math.min(c, this.lastGood.length - 1)];
      let copy = 0;
      if (good && gain > 0) {
        // Repeats overlap by JOIN samples: each one's start is blended with what followed the
        // previous one's end, so the copies join without a step.
        const period = good.length - PlayoutBuffer.JOIN;
        const r = run % period;
        const x = run >= period && r < PlayoutBuffer.JOIN ? (r / PlayoutBuffer.JOIN) * good[r]! + (1 - r / PlayoutBuffer.JOIN) * good[period + r]! : good[r]!;
        copy = x * gain;
      }
      const v = (1 - w) * this.joinFrom[c]! + w * copy;
      out[c]![i] = v;
      this.lastOut[c] = v;
    }
  }

  /** A new stream: nothing of the old one's timeline, timestamps or audio is kept. */
  private reset(): void {
    this.restartTimeline();
    this.origin = undefined;
    this.lastUnwrapped = undefined;
    this.lastGood = null;
  }

  /** Frames, read position and least transit start over (the origin is the caller's to set). */
  private restartTimeline(): void {
    this.frames.clear();
    this.newestIndex = -1;
    this.readPos = undefined;
    this.transitMinPrev = Infinity;
    this.transitMinCur = Infinity;
    this.transitCount = 0;
    this.cut = null;
  }

  private unwrap(ts: number): number {
    if (this.lastUnwrapped === undefined) {
      this.lastUnwrapped = ts;
      return ts;
    }
    const cycle = 2 ** 32;
    let candidate = ts + Math.round((this.lastUnwrapped - ts) / cycle) * cycle;
    if (candidate - this.lastUnwrapped > cycle / 2) candidate -= cycle;
    if (candidate > this.lastUnwrapped) this.lastUnwrapped = candidate;
    return candidate;
  }

  private ms(value: number): number {
    return Math.round((value / 1000) * this.sampleRate);
  }

  private toMs(samples: number): number {
    return Math.round((samples / this.sampleRate) * 1000 * 10) / 10;
  }
}
