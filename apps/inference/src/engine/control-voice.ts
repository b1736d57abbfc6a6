import { CONTROL_COND_SIZE, type ControlInstrument, type ControlModelManifest } from '@bandmate/shared';
import { DEFAULT_GAIN, SoundFontSynth, type NoteEvent } from '@bandmate/synth';
import { BeatTracker } from './beat-tracker.ts';
import { checkBeatGrid, writeConditioning, type BeatGrid } from './conditioning.ts';
import { ControlDecoder } from './control-decoder.ts';
import { EngineSettingsError, type ResolvedSettings } from './settings.ts';

/**
 * What a control model's stream adds around the model step: the cond rows going in (look-back
 * and beat grid per frame), and coming out, the control frames decoded into notes and played
 * by the model's SoundFont. The synth renders at the room rate, so note times keep their
 * sample precision and no output resampler is needed: frame m is room samples
 * [m·S', (m+1)·S'), S' = samplesPerFrame · roomRate / sampleRate.
 */
export class ControlVoice {
  private grid: BeatGrid | null = null;
  private condFrame = 0;

  private constructor(
    private readonly decoder: ControlDecoder,
    private readonly synth: SoundFontSynth,
    private readonly channel: number,
    private readonly frameSamples: number,
    private readonly frameLookBack: number,
    private readonly controlSize: number,
    private readonly roomRate: number,
    /** Finds the beat by listening while no metronome grid is set (models that have one). */
    private readonly tracker: BeatTracker | null,
  ) {}

  static async create(
    manifest: ControlModelManifest,
    soundFontPath: string,
    settings: ResolvedSettings,
    roomRate: number,
  ): Promise<ControlVoice> {
    const frameSamples = (manifest.samplesPerFrame * roomRate) / manifest.sampleRate;
    if (!Number.isInteger(frameSamples)) {
      throw new EngineSettingsError(`a room rate of ${roomRate} Hz does not hold a whole number of samples per ${manifest.name} frame`);
    }
    const instrument = settings.instrument as ControlInstrument;
    const program = manifest.synth.instruments[instrument]!;
    const synth = await SoundFontSynth.load(soundFontPath, {
      sampleRate: roomRate,
      channels: [program],
      gain: DEFAULT_GAIN * manifest.synth.gain,
    });
    const decoder = new ControlDecoder(instrument, manifest.control, frameSamples);
    const bt = manifest.beatTracker;
    // The mix the features describe trails the output timeline by the stream's delay D.
    const tracker = bt ? new BeatTracker(bt, settings.delaySamples / (manifest.samplesPerFrame / bt.hopsPerFrame)) : null;
    return new ControlVoice(decoder, synth, program.channel, frameSamples, settings.frameLookBack, manifest.controlSize, roomRate, tracker);
  }

  /**
   * Decodes every instrument's samples now: the first synth of a preset decodes its SF3 samples
   * (~0.3 s), which would block the event loop that paces the rooms already playing.
   */
  static async preload(manifest: ControlModelManifest, soundFontPath: string, roomRate: number): Promise<void> {
    const channels = manifest.instruments.map((i) => manifest.synth.instruments[i]!);
    await SoundFontSynth.load(soundFontPath, { sampleRate: roomRate, channels });
  }

  /** The grid for frames not yet stepped; null: no metronome. */
  setBeatGrid(grid: BeatGrid | null): void {
    if (grid) checkBeatGrid(grid);
    this.grid = grid && { ...grid };
  }

  /** cond rows for the next `frames` frames. */
  nextCond(frames: number): Float32Array {
    const cond = new Float32Array(frames * CONTROL_COND_SIZE);
    writeConditioning(cond, this.condFrame, frames, this.frameLookBack, this.grid, this.frameSamples, this.roomRate, this.tracker);
    this.condFrame += frames;
    return cond;
  }

  /**
   * Decodes `frames` control frames and renders them: frames · S' samples at the room rate.
   * A model with a beat tracker returns its hops' onset strengths after the frames: the
   * tracker hears them (it keeps listening while a metronome runs, so it is ready without one).
   * `cond`: the rows nextCond gave these frames (the decoder places moved notes on their grid).
   */
  render(step: Float32Array, frames: number, cond: Float32Array): Float32Array {
    const control = step.subarray(0, frames * this.controlSize);
    this.tracker?.push(step.subarray(frames * this.controlSize));
    const events: NoteEvent[] = [];
    for (let f = 0; f < frames; f++) {
      const row = cond.subarray(f * CONTROL_COND_SIZE, (f + 1) * CONTROL_COND_SIZE);
      for (const e of this.decoder.step(control.subarray(f * this.controlSize, (f + 1) * this.controlSize), row)) {
        events.push({ sample: e.sample, type: e.on ? 'on' : 'off', channel: this.channel, key: e.key, velocity: e.velocity });
      }
    }
    return this.synth.render(frames * this.frameSamples, events);
  }
}
