import type { Beat, TempoState } from '@bandmate/shared';
import { AnchorSmoother, contextTimeAt, performanceTimeAt, readAudioAnchor, type AudioAnchor } from './audio-clock.ts';
import { BeatScheduler } from './beat-scheduler.ts';

/** The two clicks: a higher, louder one on the downbeat. */
export const CLICK_SOUNDS = {
  accent: { hz: 2000, amplitude: 0.9 },
  beat: { hz: 1000, amplitude: 0.6 },
  durationMs: 30,
  /** Exponential decay time constant. */
  decayMs: 6,
} as const;

/**
 * How far ahead clicks are placed on the audio clock, and how often the timer looks. Once
 * placed, a click plays whatever the page's main thread does, so the look-ahead is how long a
 * stall (a busy page, a loaded machine) may last without a click going missing: the browser
 * tests measured main-thread stalls of 340–460 ms on a heavily loaded 2-core machine, and lost
 * a click with 500 ms. Placed clicks are cancelled when the grid changes and moved when their
 * time moves (REPLACE_MS), and the volume acts on the output node, so a long look-ahead delays
 * nothing the player controls.
 */
const LOOKAHEAD_MS = 1000;
const TICK_MS = 25;
/** A click must start this far after the audio thread's current position to be on time. */
const SAFETY_MS = 10;
/**
 * A placed click whose target context time has moved by more than this is placed again: the
 * audio clock slipped against the page's clock (an output underrun on a starved machine), or
 * the clock sync corrected itself. Well above the output timestamp's jitter (±0.05 ms).
 */
export const REPLACE_MS = 0.5;
const LOG_SIZE = 512;

/** The clock conversions the metronome needs (ClockSync). */
export interface ServerClock {
  readonly synced: boolean;
  readonly offsetMs: number;
  readonly estimate: { uncertaintyMs: number } | null;
  toPerformanceTime(serverMs: number): number;
  fromPerformanceTime(performanceMs: number): number;
}

export interface ScheduledClick extends Beat {
  /** Where it was placed on the AudioContext timeline (s). */
  contextTime: number;
  anchor: AudioAnchor['source'];
  /** The clock offset it was placed with and that estimate's uncertainty (diagnostics). */
  offsetMs: number;
  uncertaintyMs: number;
  /**
   * Once it has started: when this page's output path says it reaches the speaker (its
   * performance.now() timeline, ms) and that instant on the server clock. Read at the first
   * timer tick after it starts, so a later slip of the audio clock does not rewrite it.
   */
  heardPerformanceTime?: number;
  heardServerTime?: number;
  /** The performance.now() of that tick: an audio clock slip noted at the same tick moved what was heard. */
  heardTick?: number;
  /** Cancelled by a grid change, or replaced by a new placement of the same beat. */
  cancelled?: boolean;
}

/**
 * The click, made locally in Web Audio: nothing of it crosses the network. A timer hands the
 * room's grid (BeatScheduler) window by window; each beat becomes an AudioBufferSourceNode
 * started at the context time that the page's clock sync and the output timestamp map its
 * server time to, so every participant hears it at the same server instant.
 */
export class Metronome {
  /** Click volume and mute; taps (meters, tests) connect here. */
  readonly output: GainNode;
  private readonly scheduler = new BeatScheduler();
  private readonly sounds: { accent: AudioBuffer; beat: AudioBuffer };
  private readonly playing = new Map<AudioBufferSourceNode, ScheduledClick>();
  /** The last clicks placed, newest last (diagnostics and the browser tests). */
  readonly log: ScheduledClick[] = [];
  private timer?: ReturnType<typeof setInterval>;
  private lastTick?: number;
  /** The longest gap between two timer ticks while running (ms): how long the page stalled. */
  longestStallMs = 0;
  /** Clicks placed again because their time moved. */
  replaced = 0;
  /**
   * Moves of the audio clock against the page's clock (ms, where the output timestamp's mapping
   * changed by more than REPLACE_MS between two ticks): output underruns, device changes.
   */
  readonly audioClockSlips: Array<{ at: number; slipMs: number }> = [];
  private lastMappingMs?: number;
  private readonly anchors = new AnchorSmoother();
  private settings = { volume: 1, muted: false };

  constructor(
    private readonly context: AudioContext,
    private readonly clock: ServerClock,
    destination: AudioNode = context.destination,
  ) {
    this.output = new GainNode(context, { gain: 1 });
    this.output.connect(destination);
    this.sounds = { accent: clickBuffer(context, CLICK_SOUNDS.accent), beat: clickBuffer(context, CLICK_SOUNDS.beat) };
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  get tempo(): TempoState | null {
    return this.scheduler.tempo;
  }

  get dropped(): number {
    return this.scheduler.dropped;
  }

  setTempo(tempo: TempoState): void {
    const change = this.scheduler.setTempo(tempo);
    if (!change) return;
    for (const [source, click] of this.playing) {
      if (click.time >= change.cancelFrom && click.contextTime > this.context.currentTime) this.cancel(source, click);
    }
    this.tick();
  }

  setVolume(settings: Partial<{ volume: number; muted: boolean }>): void {
    this.settings = { ...this.settings, ...settings };
    // A short ramp, so a change between clicks never makes a click of its own.
    this.output.gain.setTargetAtTime(this.settings.muted ? 0 : this.settings.volume, this.context.currentTime, 0.005);
  }

  close(): void {
    clearInterval(this.timer);
    for (const source of this.playing.keys()) source.stop();
    this.playing.clear();
    this.output.disconnect();
  }

  private tick(): void {
    if (!this.clock.synced || this.context.state !== 'running') return;
    const now = performance.now();
    if (this.lastTick !== undefined && this.scheduler.tempo?.running) {
      this.longestStallMs = Math.max(this.longestStallMs, now - this.lastTick);
    }
    this.lastTick = now;
    const anchor = this.anchors.smooth(readAudioAnchor(this.context));
    const mappingMs = anchor.performanceTime - anchor.contextTime * 1000;
    if (this.lastMappingMs !== undefined && Math.abs(mappingMs - this.lastMappingMs) > REPLACE_MS) {
      this.audioClockSlips.push({ at: now, slipMs: mappingMs - this.lastMappingMs });
      if (this.audioClockSlips.length > 64) this.audioClockSlips.shift();
    }
    this.lastMappingMs = mappingMs;
    const earliestContext = this.context.currentTime + SAFETY_MS / 1000;
    this.follow(anchor, earliestContext, now);
    const earliest = this.clock.fromPerformanceTime(performanceTimeAt(anchor, earliestContext));
    for (const beat of this.scheduler.take(earliest, earliest + LOOKAHEAD_MS)) this.place(beat, anchor);
  }

  /** Notes when started clicks are heard; places again those not started whose time moved. */
  private follow(anchor: AudioAnchor, earliestContext: number, tick: number): void {
    const now = this.context.currentTime;
    for (const click of this.log.slice(-64)) {
      if (click.cancelled || click.heardPerformanceTime !== undefined || click.contextTime > now) continue;
      click.heardTick = tick;
      click.heardPerformanceTime = performanceTimeAt(anchor, click.contextTime);
      click.heardServerTime = this.clock.fromPerformanceTime(click.heardPerformanceTime);
    }
    for (const [source, click] of [...this.playing]) {
      // Within SAFETY_MS the audio thread may have started it already: cut and placed again, it
      // would sound twice over (a browser test heard such a click's pitch 10 % off).
      if (click.contextTime <= earliestContext) continue;
      const target = contextTimeAt(anchor, this.clock.toPerformanceTime(click.time));
      if (Math.abs(target - click.contextTime) * 1000 > REPLACE_MS && target >= earliestContext) {
        this.cancel(source, click);
        this.place(click, anchor);
        this.replaced++;
      }
    }
  }

  private cancel(source: AudioBufferSourceNode, click: ScheduledClick): void {
    source.stop();
    click.cancelled = true;
    this.playing.delete(source);
  }

  private place(beat: Beat, anchor: AudioAnchor): void {
    const contextTime = contextTimeAt(anchor, this.clock.toPerformanceTime(beat.time));
    const source = new AudioBufferSourceNode(this.context, { buffer: beat.accent ? this.sounds.accent : this.sounds.beat });
    source.connect(this.output);
    source.start(contextTime);
    const click: ScheduledClick = {
      index: beat.index,
      bar: beat.bar,
      beatInBar: beat.beatInBar,
      accent: beat.accent,
      countIn: beat.countIn,
      time: beat.time,
      contextTime,
      anchor: anchor.source,
      offsetMs: this.clock.offsetMs,
      uncertaintyMs: this.clock.estimate?.uncertaintyMs ?? Number.NaN,
    };
    this.playing.set(source, click);
    source.onended = () => {
      this.playing.delete(source);
      source.disconnect();
    };
    this.log.push(click);
    if (this.log.length > LOG_SIZE) this.log.shift();
  }
}

/** A short decaying sine whose very first sample is already loud: the onset is the start time. */
function clickBuffer(context: BaseAudioContext, sound: { hz: number; amplitude: number }): AudioBuffer {
  const rate = context.sampleRate;
  const length = Math.round((CLICK_SOUNDS.durationMs / 1000) * rate);
  const buffer = new AudioBuffer({ length, sampleRate: rate, numberOfChannels: 1 });
  const data = buffer.getChannelData(0);
  const attack = Math.round(0.00025 * rate);
  const decay = (CLICK_SOUNDS.decayMs / 1000) * rate;
  for (let i = 0; i < length; i++) {
    const envelope = Math.min(1, (i + 1) / attack) * Math.exp(-i / decay);
    data[i] = sound.amplitude * envelope * Math.cos((2 * Math.PI * sound.hz * i) / rate);
  }
  return buffer;
}
