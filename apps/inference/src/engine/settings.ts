import { frameRate, type ModelManifest } from '@bandmate/shared';

export class EngineSettingsError extends Error {
  override name = 'EngineSettingsError';
}

export interface EngineSettings {
  /** t_f in seconds, ≤ 0: each chunk is made from the mix heard up to t + t_f. */
  tf: number;
  /** k in seconds: chunk length, a multiple of the model's latent frame. */
  k: number;
  instrument: string;
  seed: number;
}

export interface ResolvedSettings extends EngineSettings {
  frameSeconds: number;
  tfFrames: number;
  kFrames: number;
  /**
   * How many frames late the generator receives the mix: the last frame of a chunk
   * [t, t+k) may only use mix frames that ended by t + t_f, so D = k − t_f in frames.
   * With the identity fixture the output is exactly the input delayed by D frames.
   */
  delayFrames: number;
  instrumentIndex: number;
}

const EPS = 1e-6;

export function resolveSettings(manifest: ModelManifest, settings: EngineSettings): ResolvedSettings {
  const frameSeconds = 1 / frameRate(manifest);
  const frames = (seconds: number, what: string) => {
    const f = seconds / frameSeconds;
    if (Math.abs(f - Math.round(f)) > EPS * Math.max(1, Math.abs(f))) {
      throw new EngineSettingsError(
        `${what} = ${seconds} s is not a multiple of the model's latent frame (${(frameSeconds * 1000).toFixed(3)} ms)`,
      );
    }
    return Math.round(f);
  };
  if (!Number.isFinite(settings.tf) || settings.tf > EPS) {
    throw new EngineSettingsError(`t_f must be ≤ 0 (got ${settings.tf}): a live engine cannot hear the future`);
  }
  const tfFrames = frames(settings.tf, 't_f');
  const kFrames = frames(settings.k, 'k');
  if (kFrames < 1) throw new EngineSettingsError(`k must be at least one latent frame (${(frameSeconds * 1000).toFixed(3)} ms)`);
  const staticFrames = manifest.graphs.generator.staticFrames;
  if (staticFrames && kFrames % staticFrames !== 0) {
    throw new EngineSettingsError(`this model steps ${staticFrames} frames at a time: k must be a multiple of ${staticFrames * frameSeconds} s`);
  }
  // What the model sees per frame, in its own training terms (t_f for one-frame chunks).
  const seen = (tfFrames - kFrames + 1) * frameSeconds;
  const { min, max } = manifest.trainedTf;
  if (seen < min - EPS || seen > max + EPS) {
    throw new EngineSettingsError(
      `with k = ${settings.k} s and t_f = ${settings.tf} s the model would hear the mix ${(-seen).toFixed(3)} s late per frame; ` +
        `${manifest.name} was trained for ${-max}…${-min} s (choose t_f − k + frame within [${min}, ${max}] s)`,
    );
  }
  const instrumentIndex = manifest.instruments.indexOf(settings.instrument);
  if (instrumentIndex < 0) {
    throw new EngineSettingsError(`${manifest.name} cannot play "${settings.instrument}"; it plays ${manifest.instruments.join(', ')}`);
  }
  if (!Number.isInteger(settings.seed) || settings.seed < 0 || settings.seed > 0xffffffff) {
    throw new EngineSettingsError('seed must be an integer between 0 and 4294967295');
  }
  return { ...settings, frameSeconds, tfFrames, kFrames, delayFrames: kFrames - tfFrames, instrumentIndex };
}
