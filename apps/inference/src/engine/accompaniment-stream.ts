import type { ModelManifest } from '@bandmate/shared';
import { Resampler } from '../audio/resampler.ts';
import { concatSamples, SampleQueue } from '../audio/sample-queue.ts';
import type { BeatGrid } from './conditioning.ts';
import type { ControlVoice } from './control-voice.ts';
import { GaussianNoise } from './gaussian-noise.ts';
import type { ResolvedSettings } from './settings.ts';
import type { StepBatcher } from './step-batcher.ts';

/**
 * One accompaniment voice following one mix: the streaming formulation in code.
 * Mix audio goes in at the room rate as it is heard; accompaniment comes out in
 * chunks of k, each made from the mix heard up to t + t_f. Output sample j belongs
 * at room time j (plus the resamplers' small delay when the model is not at the
 * room rate). The same class serves the live room and the offline CLI, for audio
 * models (the step returns audio) and control models (the step returns control
 * frames, which `control` turns into notes and renders at the room rate).
 */
export class AccompanimentStream {
  private readonly toModel: Resampler;
  private readonly toRoom: Resampler;
  private readonly noise: GaussianNoise;
  /** Mix at the model rate not yet stepped, starting with D = k − t_f of silence (the look-back). */
  private readonly pending: SampleQueue;
  private readonly stepSamples: number;
  private busy: Promise<unknown> = Promise.resolve();
  stepsDone = 0;

  constructor(
    readonly streamId: string,
    private readonly manifest: ModelManifest,
    readonly settings: ResolvedSettings,
    private readonly batcher: StepBatcher,
    readonly roomRate = 48000,
    private readonly control: ControlVoice | null = null,
  ) {
    this.toModel = new Resampler(roomRate, manifest.sampleRate);
    this.toRoom = new Resampler(manifest.sampleRate, roomRate);
    this.noise = new GaussianNoise(settings.seed);
    this.stepSamples = this.settings.kFrames * manifest.samplesPerFrame;
    this.pending = new SampleQueue(this.settings.delaySamples, this.stepSamples * 4);
  }

  /**
   * The room's metronome for a control model, from the next frame on (null: none). Audio
   * models take no grid and ignore it. `firstBeatSample` is on this stream's output timeline.
   */
  setBeatGrid(grid: BeatGrid | null): void {
    this.control?.setBeatGrid(grid);
  }

  /** Whether the model follows a beat grid (a control model). */
  get takesBeatGrid(): boolean {
    return this.control !== null;
  }

  /** Room-rate samples of mix that must be heard before the next chunk can be made. */
  get samplesUntilNextStep(): number {
    const missing = this.stepSamples - this.pending.length;
    return Math.max(0, Math.ceil((missing * this.roomRate) / this.manifest.sampleRate));
  }

  /**
   * Adds heard mix (mono, room rate) and returns the accompaniment of every chunk that
   * became computable, at the room rate. Calls are serialised per stream.
   */
  push(mix: Float32Array): Promise<Float32Array> {
    const run = this.busy.then(() => this.process(mix));
    this.busy = run.catch(() => undefined);
    return run;
  }

  private async process(mix: Float32Array): Promise<Float32Array> {
    this.pending.push(this.toModel.process(mix));
    const outputs: Float32Array[] = [];
    let offset = 0;
    while (this.pending.length - offset >= this.stepSamples) {
      // A graph exported with static shapes takes `staticFrames` per call: a chunk of k is then
      // several calls in a row (the same computation, the state carried between them).
      const callFrames = this.manifest.graphs.generator.staticFrames ?? this.settings.kFrames;
      const callSamples = callFrames * this.manifest.samplesPerFrame;
      for (let end = offset + this.stepSamples; offset < end; offset += callSamples) {
        const audio = this.pending.buffer.slice(offset, offset + callSamples);
        const noise = this.noise.fill(new Float32Array(callFrames * this.manifest.noiseSize));
        const cond = this.control?.nextCond(callFrames);
        const generated = await this.batcher.submit({ streamId: this.streamId, audio, noise, instrument: this.settings.instrumentIndex, cond });
        outputs.push(this.control ? this.control.render(generated, callFrames, cond!) : this.toRoom.process(generated));
      }
      this.stepsDone++;
    }
    this.pending.drop(offset);
    return concatSamples(outputs);
  }
}
