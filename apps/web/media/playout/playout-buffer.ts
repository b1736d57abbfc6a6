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
 * five late frames) held it for two minutes. Letting a lone spike go after 10 s (and holding one
 * that comes back twice in two minutes) was tried: replayed on 12 minutes of the latency bench's
 * arrivals from their streams' start, it held 14 % less depth for 46 % more dropouts (2.6 against
 * 1.8 a minute), so the minute stays. A fixed depth can be set instead (the user's "lower
 * latency ↔ fewer dropouts" control).
 *
 * One depth for a room: the page's automatic streams all play at the deepest that any of them
 * needs (the worklet shares it: setSharedDepth). Streams that left together (the band and an AI
 * that plays in time with it) are heard together only if each is held the same time above its
 * least transit; with a depth each, a drummer was heard 34–134 ms off the band it played with. A
 * stream the listener gave a fixed depth keeps it and neither sets nor takes the shared one.
 *
 * Coming down, after NetEQ's "accelerate": when the read position is more than ACCEL_MIN_MS behind
 * where the depth puts it (the depth came down, or a stall's frames all arrived at once), whole
 * pitch periods are cut out, each cross-faded into the next (the two are alike, so the cut is not
 * heard and the pitch is kept), or a stretch of silence is skipped, or, in a sound with neither (a
 * drum part), a stretch 30 dB under the last second's loudest is cross-faded out, down to
 * ACCEL_KEEP_MS behind; the rest, and where none is found, is closed by playing up to 0.5 % fast.
 * A stall's extra delay is gone within a second or so, where at 0.5 % it took twenty.
 *
 * Going deeper, the mirror of that (NetEQ's "preemptive expand"): a period is played twice, or
 * silence lengthened, until the read position is within ACCEL_KEEP_MS of the depth, so a stream
 * follows a deeper room depth within a second instead of slowing 0.5 % for twenty.
 *
 * Missing audio is concealed as NetEQ's "expand" does: the last pitch period played (the lag of
 * 2–15 ms at which the last audio best matches itself) is looped, its end cross-faded into the
 * stretch a period earlier so the loop has no seam, blended in from the value last played. A tone
 * (a strong match) is held at full level for EXPAND_HOLD_MS and faded over EXPAND_FADE_MS: a gap
 * of a starved page's tenth of a second is heard as the note going on, not as silence; a sound
 * without a period (noise, a drum) fades within 20 ms, as a repeated one would buzz. A lost frame
 * (a later one is here) is played over; a late one (nothing newer is here) is waited for, the
 * read position held, as NetEQ stretches rather than skips: its audio is heard late instead of
 * never, and the delay the wait added is cut back by the accelerate above. A fixed depth (the
 * listener chose that delay over fewer dropouts) waits only while the read position is early.
 * Real audio fades back in over 1.3 ms.
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
  /** Audio played twice (periods and silence) to take the delay up to the depth, ms in all. */
  stretchedMs: number;
  /** The depth this stream alone would need (auto), ms; targetMs is the room's when deeper. */
  ownTargetMs: number;
  /** Playback rate against our clock, minus one (drift and depth changes), in parts per million. */
  rateOffsetPpm: number;
}

/**
 * What a trace recorded, in samples of our clock: `frames` holds (arrival, transit, lateness, the
 * lateness the depth covered then) for each frame received (PlayoutBuffer.TRACE_STRIDE values); `dropouts` (arrival of the last frame, concealed
 * samples, frames lost, depth) for each dropout.
 */
export interface PlayoutTrace {
  frames: number[];
  dropouts: number[];
}

export class PlayoutBuffer {
  /** The most frames a trace keeps (5 min of 10 ms frames). */
  static readonly TRACE_FRAMES = 30_000;
  /** Values a trace keeps per frame: arrival, transit, lateness, the lateness covered. */
  static readonly TRACE_STRIDE = 4;
  static readonly CANDIDATE_STEP = 64;
  /**
   * The deepest the buffer goes. A starved machine (two Chromiums, the AI and the SFU on two cores)
   * brings frames 200 ms late and more; a depth capped below that drops out at every such frame.
   */
  static readonly MAX_DEPTH_MS = 500;
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
   * A stream's first frames (3 s): the start (the sender's encoder and our decoder starting, a page
   * still loading) brings spikes it never has again, so their lateness is held only START_HOLD_FRAMES
   * (2 s), not a minute; but it is learned at once, or a stream that is bursty from its first packet
   * (a starved sender) drops out at every burst until the start is over.
   */
  static readonly START_FRAMES = 300;
  static readonly START_HOLD_FRAMES = 200;
  static readonly MAX_RATE_OFFSET = 0.005;
  /** A concealment of a sound without a period fades to silence over this many samples (20 ms). */
  static readonly FADE_OUT = 960;
  /** A concealment of a periodic sound (a match of EXPAND_PERIODIC or better) is held this long at full level, then faded over EXPAND_FADE_MS. */
  static readonly EXPAND_HOLD_MS = 100;
  static readonly EXPAND_FADE_MS = 400;
  /** Normalised correlation of a period with the one before: at least this is a tone; at most EXPAND_APERIODIC, noise. */
  static readonly EXPAND_PERIODIC = 0.9;
  static readonly EXPAND_APERIODIC = 0.5;
  /** Samples of played audio kept for the period search of a concealment (> 2 × 15 ms). */
  static readonly HISTORY = 2048;
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
  /**
   * Neither periodic nor silent, a stretch this far under the loudest of the last second (−30 dB:
   * the decay between a drummer's hits) is cut or repeated with a cross-fade as long as the lag: a
   * drum part has no period and little true silence, and following the room's depth at 0.5 % it
   * was heard up to 27 ms off the band for seconds after each change of depth.
   */
  static readonly QUIET_RELATIVE = 0.0316;

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
  /** Whether a frame of this stream has played (before that a concealment is silence). */
  private playedAny = false;
  /** What was played last (HISTORY samples per channel, a ring at historyAt), for a concealment to loop. */
  private readonly history: Float32Array[];
  private historyAt = 0;
  /** The current concealment: one period per channel, looped, and its gain's hold and fade (samples). */
  private expand: { loop: Float32Array[]; hold: number; fade: number } | null = null;
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
  private readonly counters = { received: 0, lost: 0, late: 0, dropouts: 0, concealed: 0, playing: 0, accelerated: 0, stretched: 0 };
  /** Diagnostics on request (the latency bench): each frame's arrival, transit and depth, each dropout. */
  private tracing?: PlayoutTrace;
  /** The deepest any automatic stream of the page needs, samples (0: none shared). */
  private sharedDepth = 0;
  /** A cut under way: reading from pos and pos + lag at once, cross-fading into the latter (a negative lag repeats audio). */
  private cut: { lag: number; length: number; done: number } | null = null;
  /** The loudest RMS of a render quantum in each of the last ten 100 ms blocks (a ring), and in the current one. */
  private readonly loudest = new Float64Array(10);
  private loudestNow = 0;
  private loudestQuanta = 0;

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
    this.history = Array.from({ length: channels }, () => new Float32Array(PlayoutBuffer.HISTORY));
  }

  /** Starts recording a trace (diagnostics), or hands over the one recorded and stops. */
  trace(action: 'start' | 'take'): PlayoutTrace | undefined {
    if (action === 'start') {
      this.tracing = { frames: [], dropouts: [] };
      return undefined;
    }
    const t = this.tracing;
    this.tracing = undefined;
    return t;
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
    if (this.tracing && this.tracing.frames.length < PlayoutBuffer.TRACE_FRAMES * PlayoutBuffer.TRACE_STRIDE) {
      this.tracing.frames.push(arrivalFrame, transit, lateness, this.depth() - this.quantum);
    }
    this.jitterSum += lateness;
    this.recentLateness[this.recentCount++ % this.recentLateness.length] = lateness;
    this.scoreCandidates(lateness, this.counters.received > PlayoutBuffer.START_FRAMES ? PlayoutBuffer.HOLD_FRAMES : PlayoutBuffer.START_HOLD_FRAMES);

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
    if (!this.cut && this.concealedRun === 0) {
      if (error > this.ms(PlayoutBuffer.ACCEL_MIN_MS)) this.cut = this.planCut(pos, error);
      else if (-error > this.ms(PlayoutBuffer.ACCEL_MIN_MS)) this.cut = this.planStretch(pos, -error);
    }

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
      // Missing. Nothing newer came: it is late, not lost; wait for it (the delay this adds is cut
      // back later). A depth the listener set is kept instead: waited for only while we are early.
      const waiting = index > this.newestIndex && (this.mode.kind === 'auto' || pos > ideal + i);
      this.conceal(out, i);
      if (!waiting) {
        pos += this.ratio;
        if (index >= 0 && Math.floor(pos / full) > index && this.playedAny) this.runLost++;
      }
    }
    this.readPos = pos;
    this.trackLoudest(out, n);
    this.currentDelay = now + n - this.leastTransit() - pos;
    // Frames behind the read position are done, but for the longest stretch a repeat reads back
    // (a repeat of 15 ms read frames already deleted and was dropped half-way, so drum parts,
    // repeated in their quiet tails, hardly went deeper).
    const done = Math.floor((pos - this.ms(PlayoutBuffer.ACCEL_MAX_LAG_MS)) / full) - 1;
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
      stretchedMs: this.toMs(this.counters.stretched),
      ownTargetMs: this.toMs(this.ownDepth() ?? this.depth()),
      rateOffsetPpm: Math.round((this.ratio - 1) * 1e6),
    };
  }

  /**
   * The automatic depth this stream needs on its own, samples, for the page to share; undefined
   * before its first frame and under a fixed depth (which takes no part in the room's).
   */
  ownDepth(): number | undefined {
    if (this.mode.kind === 'fixed' || this.frameLength === 0) return undefined;
    return this.counters.received < PlayoutBuffer.WARMUP_FRAMES ? Math.max(this.chosenDepth, this.ms(PlayoutBuffer.START_DEPTH_MS)) : this.chosenDepth;
  }

  /** The deepest automatic depth of the page's streams (this one's included), samples. */
  setSharedDepth(samples: number): void {
    this.sharedDepth = Math.max(0, Math.min(this.ms(PlayoutBuffer.MAX_DEPTH_MS) + this.quantum, samples));
  }

  /** Depth above the least transit at which frames play, samples. */
  private depth(): number {
    if (this.mode.kind === 'fixed') return this.ms(this.mode.delayMs) + this.quantum;
    return Math.max(this.ownDepth() ?? this.ms(PlayoutBuffer.START_DEPTH_MS), this.sharedDepth);
  }

  private leastTransit(): number {
    return Math.min(this.transitMinPrev, this.transitMinCur);
  }

  /**
   * Simulated buffers: would a buffer of each candidate depth have had this frame in time? One it
   * would not have is kept out for `hold` frames.
   */
  private scoreCandidates(lateness: number, hold: number): void {
    const last = this.lastOutrun;
    const frame = this.counters.received;
    // Marked as if outrun `hold` frames before HOLD_FRAMES run out (never earlier than a mark it has).
    const mark = frame - PlayoutBuffer.HOLD_FRAMES + hold;
    // The smallest depth that no frame of the last HOLD_FRAMES outran (nor any above it).
    let chosen = last.length - 1;
    let safe = true;
    for (let j = last.length - 1; j >= 0; j--) {
      if (lateness > (j + 1) * PlayoutBuffer.CANDIDATE_STEP && mark > last[j]!) last[j] = mark;
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
      if (this.concealedRun < this.ms(PlayoutBuffer.PAUSE_MS) && this.playedAny) {
        this.counters.dropouts++;
        if (this.tracing && this.tracing.dropouts.length < PlayoutBuffer.TRACE_FRAMES) this.tracing.dropouts.push(this.lastArrival, this.concealedRun, this.runLost, this.depth());
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
      this.history[c]![this.historyAt] = v;
    }
    this.historyAt = (this.historyAt + 1) % PlayoutBuffer.HISTORY;
    if (this.fadeIn > 0) this.fadeIn--;
    this.playedAny = true;
  }

  /**
   * Channel c of frame number `index` at `offset` samples into it: between samples, a cubic
   * (Catmull-Rom) through the two on each side, reaching into the frames before and after. Drift
   * compensation reads at every fraction in turn, and linear interpolation took up to 2 dB off
   * 10 kHz there (1.8 dB off white noise), coming and going; this takes at most 0.6 dB at 10 kHz.
   * A neighbour not here counts as the nearest sample that is.
   */
  private interpolate(frame: Float32Array[], index: number, c: number, offset: number): number {
    const k = Math.floor(offset);
    const t = offset - k;
    const length = this.frameLength;
    const src = frame[Math.min(c, frame.length - 1)]!;
    const x1 = src[k]!;
    if (t === 0) return x1;
    const x0 = k > 0 ? src[k - 1]! : (this.sampleOfFrame(index - 1, c, length - 1) ?? x1);
    const x2 = k + 1 < length ? src[k + 1]! : (this.sampleOfFrame(index + 1, c, 0) ?? x1);
    const x3 = k + 2 < length ? src[k + 2]! : (this.sampleOfFrame(index + 1, c, k + 2 - length) ?? x2);
    return x1 + 0.5 * t * (x2 - x0 + t * (2 * x0 - 5 * x1 + 4 * x2 - x3 + t * (3 * (x1 - x2) + x3 - x0)));
  }

  private sampleOfFrame(index: number, c: number, k: number): number | undefined {
    const frame = this.frames.get(index);
    return frame?.[Math.min(c, frame.length - 1)]![k];
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
    const { x, rms } = this.monoWindow(start, 2 * maxLag);
    if (rms < PlayoutBuffer.SILENCE_RMS) return { lag: maxLag, length: PlayoutBuffer.FADE_IN, done: 0 };
    // Every other lag, every other sample: a period is found to within a sample, at a quarter of the work.
    for (let lag = maxLag; lag >= minLag; lag -= 2) {
      if (PlayoutBuffer.correlation(x, 0, lag, lag, 2) >= PlayoutBuffer.ACCEL_CORRELATION) return { lag, length: lag, done: 0 };
    }
    return this.quietAgainstLoudest(rms) ? { lag: maxLag, length: maxLag, done: 0 } : null;
  }

  /** `length` samples of the channels' mean from whole sample `from`, and their RMS (what a cut or a repeat looks at). */
  private monoWindow(from: number, length: number): { x: Float32Array; rms: number } {
    const x = new Float32Array(length);
    let energy = 0;
    for (let i = 0; i < length; i++) {
      x[i] = this.mono(from + i);
      energy += x[i]! * x[i]!;
    }
    return { x, rms: Math.sqrt(energy / length) };
  }

  /** Whether a stretch of this RMS is far enough under the last second's loudest to cut or repeat unheard. */
  private quietAgainstLoudest(rms: number): boolean {
    return rms < Math.max(this.loudestNow, ...this.loudest) * PlayoutBuffer.QUIET_RELATIVE;
  }

  private trackLoudest(out: Float32Array[], n: number): void {
    let sum = 0;
    for (const ch of out) for (let i = 0; i < n; i++) sum += ch[i]! * ch[i]!;
    this.loudestNow = Math.max(this.loudestNow, Math.sqrt(sum / (n * out.length)));
    // Blocks of 37 quanta of 128 (~100 ms at 48 kHz).
    if (++this.loudestQuanta % 37 === 0) {
      this.loudest[(this.loudestQuanta / 37) % this.loudest.length] = this.loudestNow;
      this.loudestNow = 0;
    }
  }

  /**
   * What to play twice, reading on from `pos`, to go `ahead` samples deeper: a stretch of silence,
   * or the longest lag (up to 15 ms) at which the stretch before the read position is like the one
   * after it (a whole number of periods): a negative lag for playCut. Null as for planCut.
   */
  private planStretch(pos: number, ahead: number): { lag: number; length: number; done: number } | null {
    const full = this.frameLength;
    const start = Math.floor(pos);
    const longest = this.ms(PlayoutBuffer.ACCEL_MAX_LAG_MS);
    let back = Math.floor(start / full);
    if (!this.frames.has(back)) return null;
    while (start - back * full < longest && this.frames.has(back - 1)) back--;
    let here = Math.floor(start / full);
    while (here * full < start + longest + 2 && this.frames.has(here)) here++;
    const maxLag = Math.min(longest, Math.floor(ahead - this.ms(PlayoutBuffer.ACCEL_KEEP_MS)), start - back * full, here * full - start - 2);
    const minLag = this.ms(PlayoutBuffer.ACCEL_MIN_LAG_MS);
    if (maxLag < minLag) return null;
    // x[maxLag] is the read position: x[maxLag − lag …] before it against x[maxLag …] after it.
    const { x, rms } = this.monoWindow(start - maxLag, 2 * maxLag);
    if (rms < PlayoutBuffer.SILENCE_RMS) return { lag: -maxLag, length: PlayoutBuffer.FADE_IN, done: 0 };
    for (let lag = maxLag; lag >= minLag; lag -= 2) {
      if (PlayoutBuffer.correlation(x, maxLag - lag, maxLag, lag, 2) >= PlayoutBuffer.ACCEL_CORRELATION) return { lag: -lag, length: lag, done: 0 };
    }
    return this.quietAgainstLoudest(rms) ? { lag: -maxLag, length: maxLag, done: 0 } : null;
  }

  /**
   * One sample of a cut: the stretch at pos fades into the one a lag later (earlier, for a negative
   * lag). Returns how far the read position jumps besides its step (the lag, at the cut's end),
   * null if a frame is missing.
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
      this.history[c]![this.historyAt] = v;
    }
    this.historyAt = (this.historyAt + 1) % PlayoutBuffer.HISTORY;
    if (++cut.done < cut.length) return 0;
    if (cut.lag > 0) this.counters.accelerated += cut.lag;
    else this.counters.stretched -= cut.lag;
    this.cut = null;
    return cut.lag;
  }

  /**
   * One sample of concealment: the loop planned at its start, at full level for its hold, then
   * fading; blended in over JOIN samples from the value last played (so the waveform does not jump).
   */
  private conceal(out: Float32Array[], i: number): void {
    const run = this.concealedRun++;
    if (run === 0) {
      for (let c = 0; c < out.length; c++) this.joinFrom[c] = this.lastOut[c]!;
      this.expand = this.playedAny ? this.planExpand() : null;
    }
    const expand = this.expand;
    const gain = expand ? Math.max(0, Math.min(1, 1 - (run - expand.hold) / expand.fade)) : 0;
    const w = Math.min(1, run / PlayoutBuffer.JOIN);
    for (let c = 0; c < out.length; c++) {
      let copy = 0;
      if (expand && gain > 0) {
        const loop = expand.loop[Math.min(c, expand.loop.length - 1)]!;
        copy = loop[run % loop.length]! * gain;
      }
      const v = (1 - w) * this.joinFrom[c]! + w * copy;
      out[c]![i] = v;
      this.lastOut[c] = v;
      // Kept as played: a concealment soon after this one loops what the listener heard (with a
      // hole here, its period would straddle a jump: a click at every turn of the loop).
      this.history[c]![this.historyAt] = v;
    }
    this.historyAt = (this.historyAt + 1) % PlayoutBuffer.HISTORY;
  }

  /**
   * The loop a concealment plays: the last `lag` samples played, for the lag of 2–15 ms at which
   * they best match the stretch before (a whole number of periods), its last JOIN samples faded
   * into those a lag earlier, so its end runs on into its start. How well they matched sets how
   * long it is held.
   */
  private planExpand(): { loop: Float32Array[]; hold: number; fade: number } {
    const size = PlayoutBuffer.HISTORY;
    const end = this.historyAt + size; // index of the next sample, kept positive for the ring
    const at = (c: number, k: number) => this.history[c]![(end + k) % size]!; // k < 0: k samples back
    const mono = (k: number) => {
      let sum = 0;
      for (let c = 0; c < this.channels; c++) sum += at(c, k);
      return sum / this.channels;
    };
    const minLag = this.ms(PlayoutBuffer.ACCEL_MIN_LAG_MS);
    const maxLag = Math.min(this.ms(PlayoutBuffer.ACCEL_MAX_LAG_MS), size - PlayoutBuffer.JOIN - 1);
    const window = this.ms(5);
    const m = new Float32Array(maxLag + window);
    for (let k = 0; k < m.length; k++) m[k] = mono(k - m.length);
    const correlation = (lag: number, step: number) => PlayoutBuffer.correlation(m, m.length - window, m.length - window - lag, window, step);
    // Every other lag and sample, then the best one's neighbours in full.
    let best = maxLag;
    let bestCorr = -1;
    for (let lag = maxLag; lag >= minLag; lag -= 2) {
      const r = correlation(lag, 2);
      if (r > bestCorr + 1e-3) [best, bestCorr] = [lag, r];
    }
    for (const lag of [best - 1, best, best + 1]) {
      if (lag < minLag || lag > maxLag) continue;
      const r = correlation(lag, 1);
      if (lag === best || r > bestCorr) [best, bestCorr] = [lag, r];
    }
    const join = PlayoutBuffer.JOIN;
    const loop = Array.from({ length: this.channels }, (_, c) => {
      const period = new Float32Array(best);
      for (let r = 0; r < best; r++) period[r] = at(c, r - best);
      for (let r = 0; r < join; r++) {
        const w = (r + 1) / (join + 1);
        period[best - join + r] = (1 - w) * at(c, r - join) + w * at(c, r - join - best);
      }
      return period;
    });
    // Between noise and a tone, the hold and the fade go from none and 20 ms to the tone's.
    const { EXPAND_PERIODIC: hi, EXPAND_APERIODIC: lo } = PlayoutBuffer;
    const tonal = Math.max(0, Math.min(1, (bestCorr - lo) / (hi - lo)));
    return {
      loop,
      hold: Math.round(tonal * this.ms(PlayoutBuffer.EXPAND_HOLD_MS)),
      fade: Math.round(PlayoutBuffer.FADE_OUT + tonal * (this.ms(PlayoutBuffer.EXPAND_FADE_MS) - PlayoutBuffer.FADE_OUT)),
    };
  }

  /**
   * Normalised correlation of x's `length` samples from a with those from b, every `step`th: 1 for
   * two stretches alike but for level, 0 where either is silent. (Static: the worklet inlines the
   * class's text.)
   */
  private static correlation(x: Float32Array, a: number, b: number, length: number, step: number): number {
    let xy = 0;
    let xx = 0;
    let yy = 0;
    for (let i = 0; i < length; i += step) {
      const u = x[a + i]!;
      const v = x[b + i]!;
      xy += u * v;
      xx += u * u;
      yy += v * v;
    }
    return xx > 0 && yy > 0 ? xy / Math.sqrt(xx * yy) : 0;
  }

  /** A new stream: nothing of the old one's timeline, timestamps or audio is kept. */
  private reset(): void {
    this.restartTimeline();
    this.origin = undefined;
    this.lastUnwrapped = undefined;
    this.playedAny = false;
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
