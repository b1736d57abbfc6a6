import { frameRate, isControlModel, type ModelManifest } from '@bandmate/shared';

export class EngineSettingsError extends Error {
  override name = 'EngineSettingsError';
}

export interface EngineSettings {
  /** t_f in seconds, ≤ 0: each chunk is made from the mix heard up to t + t_f. */
  tf: number;
  /** k in seconds: chunk length, a multiple of the model's frame. */
  k: number;
  instrument: string;
  seed: number;
}

export interface ResolvedSettings extends EngineSettings {
  frameSeconds: number;
  /** t_f in frames; fractional for a control model whose t_f lies between frames. */
  tfFrames: number;
  kFrames: number;
  /**
   * How late the graphs receive the mix, in model-rate samples: the last frame of a chunk
   * [t, t+k) may only use mix that ended by t + t_f, so D = k − t_f. With the identity
   * fixture the output is exactly the input delayed by D.
   */
  delaySamples: number;
  /** D in frames (fractional for a control model when t_f lies between frames). */
  delayFrames: number;
  /** What the model hears per frame in its training terms (t_f for one-frame chunks): t_f − k + frame, seconds. */
  frameLookBack: number;
  instrumentIndex: number;
}

const EPS = 1e-6;

export function resolveSettings(manifest: ModelManifest, settings: EngineSettings): ResolvedSettings {
  const frameSeconds = 1 / frameRate(manifest);
  const multiple = (seconds: number, unit: number, what: string, unitName: string) => {
    const f = seconds / unit;
    if (Math.abs(f - Math.round(f)) > EPS * Math.max(1, Math.abs(f))) {
      throw new EngineSettingsError(`${what} = ${seconds} s is not a multiple of the model's ${unitName} (${(unit * 1000).toFixed(3)} ms)`);
    }
    return Math.round(f);
  };
  if (!Number.isFinite(settings.tf) || settings.tf > EPS) {
    throw new EngineSettingsError(`t_f must be ≤ 0 (got ${settings.tf}): a live engine cannot hear the future`);
  }
  // A control model's features hop finer than its frame, so its t_f may fall between frames.
  const tfFrames = isControlModel(manifest)
    ? (multiple(settings.tf, manifest.tfStep, 't_f', 't_f step') * manifest.tfStep) / frameSeconds
    : multiple(settings.tf, frameSeconds, 't_f', 'latent frame');
  const kFrames = multiple(settings.k, frameSeconds, 'k', isControlModel(manifest) ? 'frame' : 'latent frame');
  if (kFrames < 1) throw new EngineSettingsError(`k must be at least one latent frame (${(frameSeconds * 1000).toFixed(3)} ms)`);
  const staticFrames = manifest.graphs.generator.staticFrames;
  if (staticFrames && kFrames % staticFrames !== 0) {
    throw new EngineSettingsError(`this model steps ${staticFrames} frames at a time: k must be a multiple of ${staticFrames * frameSeconds} s`);
  }
  const frameLookBack = (tfFrames - kFrames + 1) * frameSeconds;
  const { min, max } = manifest.trainedTf;
  if (frameLookBack < min - EPS || frameLookBack > max + EPS) {
    throw new EngineSettingsError(
      `with k = ${settings.k} s and t_f = ${settings.tf} s the model would hear the mix ${(-frameLookBack).toFixed(3)} s late per frame; ` +
        `${manifest.name} was trained for ${-max}…${-min} s (choose t_f − k + frame within [${min}, ${max}] s)`,
    );
  }
  const instrumentIndex = (manifest.instruments as readonly string[]).indexOf(settings.instrument);
  if (instrumentIndex < 0) {
    throw new EngineSettingsError(`${manifest.name} cannot play "${settings.instrument}"; it plays ${manifest.instruments.join(', ')}`);
  }
  if (!Number.isInteger(settings.seed) || settings.seed < 0 || settings.seed > 0xffffffff) {
    throw new EngineSettingsError('seed must be an integer between 0 and 4294967295');
  }
  const delayFrames = kFrames - tfFrames;
  const delaySamples = Math.round(delayFrames * manifest.samplesPerFrame);
  return { ...settings, frameSeconds, tfFrames, kFrames, delaySamples, delayFrames, frameLookBack, instrumentIndex };
}
