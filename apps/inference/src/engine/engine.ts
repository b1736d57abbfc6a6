import path from 'node:path';
import { isControlModel, type ModelManifest } from '@bandmate/shared';
import { ModelLoadError } from '../model/load-model.ts';
import { ThreadedModel, type ThreadedModelOptions } from '../model/threaded-model.ts';
import { AccompanimentStream } from './accompaniment-stream.ts';
import { ControlVoice } from './control-voice.ts';
import { resolveSettings, type EngineSettings } from './settings.ts';
import { StepBatcher } from './step-batcher.ts';

/** A loaded model and the streams that run on it; the entry point for the live worker and the CLI. */
export class AccompanimentEngine {
  private streams = 0;

  private constructor(
    readonly model: ThreadedModel,
    readonly batcher: StepBatcher,
    readonly modelDir: string,
  ) {}

  static async load(modelDir: string, options: ThreadedModelOptions = {}): Promise<AccompanimentEngine> {
    const model = await ThreadedModel.load(modelDir, options);
    const m = model.manifest;
    if (isControlModel(m)) {
      await ControlVoice.preload(m, path.join(modelDir, m.synth.soundFont), 48000).catch(async (err: Error) => {
        await model.close();
        throw new ModelLoadError(`model ${m.name}: its SoundFont cannot play its instruments: ${err.message}`);
      });
    }
    return new AccompanimentEngine(model, new StepBatcher(model), modelDir);
  }

  get manifest(): ModelManifest {
    return this.model.manifest;
  }

  async openStream(settings: EngineSettings, roomRate = 48000): Promise<AccompanimentStream> {
    const id = `stream-${++this.streams}`;
    const m = this.manifest;
    const resolved = resolveSettings(m, settings);
    // A control model's stream plays its notes on its own synth (one instrument, one channel).
    const voice = isControlModel(m) ? await ControlVoice.create(m, path.join(this.modelDir, m.synth.soundFont), resolved, roomRate) : null;
    const stream = new AccompanimentStream(id, m, resolved, this.batcher, roomRate, voice);
    await this.model.openStream(id);
    return stream;
  }

  closeStream(stream: AccompanimentStream): Promise<void> {
    return this.model.closeStream(stream.streamId);
  }

  close(): Promise<void> {
    return this.model.close();
  }
}
