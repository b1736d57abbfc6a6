import { z } from 'zod';

/**
 * The model contract: what a Bandmate accompaniment model is on disk, so that the
 * streaming engine (apps/inference) runs any model that follows it, on CPU or GPU.
 *
 * A model is a folder with `model.json` (this schema) and three ONNX graphs:
 *
 *   encoder    audio [B, S·n] (mono, model rate)            → latents [B, n, D]
 *   generator  mix [B, n, D], noise [B, n, Z], instrument [B] → accompaniment [B, n, D]
 *   decoder    latents [B, n, D]                             → audio [B, S·n]
 *
 * where n is the number of latent frames in one step, S `samplesPerFrame`, D `latentSize`,
 * Z `noiseSize`. Every graph is causal: output frame i depends only on inputs ≤ i and on
 * its state. State goes in and out explicitly: for each entry of a graph's `state` list
 * the graph has an input named `name` and an output named `name + STATE_OUTPUT_SUFFIX`
 * with the same shape and type; the engine starts every state at zeros and feeds each
 * step's output state to the next step. State shapes are fixed (the generator's
 * attention keeps a rolling window of `maxAttentionFrames`), so a jam can last for hours
 * with constant memory.
 *
 * Timing (the streaming formulation): the step that emits accompaniment frames
 * [t, t+n) is given the mix frames [t+tf, t+tf+n), tf = round(t_f · frameRate) ≤ 0.
 * The generator graph itself is frame-aligned; the engine applies tf by feeding it the
 * mix |tf| frames late. A model declares the t_f range it was trained for.
 */

export const MODEL_FORMAT = 'bandmate-model';
export const MODEL_FORMAT_VERSION = 1;
export const STATE_OUTPUT_SUFFIX = '_next';

export const GRAPH_IO = {
  encoder: { inputs: ['audio'], outputs: ['latents'] },
  generator: { inputs: ['mix', 'noise', 'instrument'], outputs: ['accompaniment'] },
  decoder: { inputs: ['latents'], outputs: ['audio'] },
} as const;
export type GraphName = keyof typeof GRAPH_IO;

const tensorName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, 'tensor names are identifiers').max(64);

export const stateTensorSchema = z.strictObject({
  name: tensorName,
  /** Full shape including the batch axis (first, size 1 in the manifest; the engine batches along it). */
  shape: z.array(z.number().int().positive()).min(1).max(6),
  dtype: z.enum(['float32', 'int64']).default('float32'),
});
export type StateTensor = z.infer<typeof stateTensorSchema>;

const graphSchema = z.strictObject({
  /** File name inside the model folder. */
  file: z.string().regex(/^[A-Za-z0-9_.-]+\.onnx$/, 'a plain .onnx file name inside the model folder'),
  state: z.array(stateTensorSchema).max(128),
  /**
   * Frames per call the graph was exported for; omitted when the frames axis is
   * dynamic. Static shapes run faster in onnxruntime-node; the engine then steps in
   * multiples of it.
   */
  staticFrames: z.number().int().positive().optional(),
});
export type GraphSpec = z.infer<typeof graphSchema>;

export const modelManifestSchema = z
  .strictObject({
    format: z.literal(MODEL_FORMAT),
    formatVersion: z.literal(MODEL_FORMAT_VERSION),
    name: z.string().min(1).max(80),
    version: z.string().min(1).max(40),
    description: z.string().max(2000).optional(),
    sampleRate: z.number().int().min(8000).max(96000),
    samplesPerFrame: z.number().int().positive().max(48000),
    latentSize: z.number().int().positive().max(4096),
    noiseSize: z.number().int().nonnegative().max(4096),
    /** Instruments the generator can play, in the order of its `instrument` index. */
    instruments: z.array(z.string().min(1).max(40)).min(1).max(128),
    /**
     * The t_f (seconds, ≤ 0, a multiple of the latent frame) the model was trained for, one value
     * or a range, in the streaming formulation's terms for one-frame chunks: latent output frame i
     * (audio [i, i+1) frames) was conditioned on the mix heard up to i + t_f, i.e. on mix latent
     * frames ≤ i − 1 + t_f/frame. (t_f = −0.12 s at 40 ms frames: output frame i sees mix frames
     * ≤ i − 4.) The engine runs a model with chunk k and t_f so that t_f − k + frame lies here.
     */
    trainedTf: z.strictObject({ min: z.number().max(0), max: z.number().max(0) }),
    /** Longest attention window of the generator, in latent frames. */
    maxAttentionFrames: z.number().int().positive(),
    graphs: z.strictObject({ encoder: graphSchema, generator: graphSchema, decoder: graphSchema }),
    /** Free-form facts (training data, steps, metrics) shown in the model card. */
    card: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((m) => m.trainedTf.min <= m.trainedTf.max, { message: 'trainedTf.min must not exceed trainedTf.max' });
export type ModelManifest = z.infer<typeof modelManifestSchema>;

/** Latent frames per second. */
export const frameRate = (m: ModelManifest) => m.sampleRate / m.samplesPerFrame;
