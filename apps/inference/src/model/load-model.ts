import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describeZodError, isControlModel, modelGraphs, modelManifestSchema, type GraphName, type ModelManifest } from '@bandmate/shared';

export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

export interface ModelFiles {
  dir: string;
  manifest: ModelManifest;
  graphPath: Partial<Record<GraphName, string>>;
  /** A control model's SoundFont. */
  soundFontPath?: string;
}

/** Reads and validates a model folder against the contract (manifest and files; I/O names are checked on session creation). */
export function loadModelFiles(dir: string): ModelFiles {
  const manifestPath = path.join(dir, 'model.json');
  if (!existsSync(manifestPath)) throw new ModelLoadError(`no model.json in ${dir}: is this a Bandmate model folder?`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (err) {
    throw new ModelLoadError(`${manifestPath} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = modelManifestSchema.safeParse(raw);
  if (!parsed.success) throw new ModelLoadError(`${manifestPath} does not follow the model contract: ${describeZodError(parsed.error)}`);
  const manifest = parsed.data;
  const graphPath: ModelFiles['graphPath'] = {};
  for (const { name, spec } of modelGraphs(manifest)) {
    const file = path.join(dir, spec.file);
    if (!existsSync(file)) throw new ModelLoadError(`model ${manifest.name}: ${name} graph ${file} is missing`);
    graphPath[name] = file;
  }
  if (!isControlModel(manifest)) return { dir, manifest, graphPath };
  const soundFontPath = path.join(dir, manifest.synth.soundFont);
  if (!existsSync(soundFontPath)) throw new ModelLoadError(`model ${manifest.name}: its SoundFont ${soundFontPath} is missing`);
  return { dir, manifest, graphPath, soundFontPath };
}
