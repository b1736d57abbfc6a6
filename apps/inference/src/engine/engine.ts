import type { ModelManifest } from '@bandmate/shared';
import { ThreadedModel, type ThreadedModelOptions } from '../model/threaded-model.ts';
import { AccompanimentStream } from './accompaniment-stream.ts';
import type { EngineSettings } from './settings.ts';
import { StepBatcher } from './step-batcher.ts';

/** A loaded model and the streams that run on it; the entry point for the live worker and the CLI. */
export class AccompanimentEngine {
  private streams = 0;

  private constructor(
    readonly model: ThreadedModel,
    readonly batcher: StepBatcher,
  ) {}

  static async load(modelDir: string, options: ThreadedModelOptions = {}): Promise<AccompanimentEngine> {
    const model = await ThreadedModel.load(modelDir, options);
    return new AccompanimentEngine(model, new StepBatcher(model));
  }

  get manifest(): ModelManifest {
    return this.model.manifest;
  }

  async openStream(settings: EngineSettings, roomRate = 48000): Promise<AccompanimentStream> {
    const id = `stream-${++this.streams}`;
    const stream = new AccompanimentStream(id, this.manifest, settings, this.batcher, roomRate);
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
