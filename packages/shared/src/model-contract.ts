import { z } from 'zod';

/**
 * The model contract: what a Bandmate accompaniment model is on disk, so that the
 * streaming engine (apps/inference) runs any model that follows it, on CPU or GPU.
 * A model is a folder with `model.json` (this schema) and its ONNX graphs, in one of two
 * formats (`formatVersion`):
 *
 * Format 1, audio models: the generator works on audio latents.
 *
 *   encoder    audio [B, S·n] (mono, model rate)            → latents [B, n, D]
 *   generator  mix [B, n, D], noise [B, n, Z], instrument [B] → accompaniment [B, n, D]
 *   decoder    latents [B, n, D]                             → audio [B, S·n]
 *
 * Format 2 (`kind: "control"`), control models: the generator plays notes. Per frame it
 * outputs a control vector (onsets, offsets, velocities, pitches; `control.layout` names its
 * blocks) that the engine decodes into note events and renders with the SoundFont in the
 * model folder (`synth`).
 *
 *   features   audio [B, S·n] (mono, model rate)            → features [B, n, F]
 *   generator  features [B, n, F], cond [B, n, C], noise [B, n, Z], instrument [B] → control [B, n, K]
 *
 * `cond` is computed by the engine per output frame: t_f's per-frame look-back / 0.2 s, then the
 * room's beat grid at the frame's start (all zeros without a grid); see CONTROL_COND_SIZE.
 *
 * n is the number of frames in one step, S `samplesPerFrame`. Every graph is causal: output
 * frame i depends only on inputs ≤ i and on its state. State goes in and out explicitly: for
 * each entry of a graph's `state` list the graph has an input named `name` and an output named
 * `name + STATE_OUTPUT_SUFFIX` with the same shape and type; the engine starts every state at
 * zeros and feeds each step's output state to the next step. State shapes are fixed (the
 * generator's attention keeps a rolling window of `maxAttentionFrames`), so a jam can last for
 * hours with constant memory.
 *
 * Timing (the streaming formulation): the step that emits the chunk [t, t+k) is given the mix
 * heard up to t + t_f (t_f ≤ 0): the engine feeds the graphs the mix D = k − t_f late. Format 1
 * takes t_f on its frame grid; format 2 on its finer `tfStep` (the features graph hops 10 ms), so
 * D is counted in samples. A model declares the t_f range it was trained for.
 */

export const MODEL_FORMAT = 'bandmate-model';
/** Format 1: audio models (encoder → generator → decoder). */
export const MODEL_FORMAT_VERSION = 1;
/** Format 2: control models (features → generator → note decoder → SoundFont synth). */
export const CONTROL_MODEL_FORMAT_VERSION = 2;
export const STATE_OUTPUT_SUFFIX = '_next';

const AUDIO_GRAPH_IO = {
  encoder: { inputs: ['audio'], outputs: ['latents'] },
  generator: { inputs: ['mix', 'noise', 'instrument'], outputs: ['accompaniment'] },
  decoder: { inputs: ['latents'], outputs: ['audio'] },
} as const;
const CONTROL_GRAPH_IO = {
  features: { inputs: ['audio'], outputs: ['features'] },
  generator: { inputs: ['features', 'cond', 'noise', 'instrument'], outputs: ['control'] },
} as const;
/** Each format's graphs, in the order a step runs them, with their input and output names. */
export const GRAPH_IO = { 1: AUDIO_GRAPH_IO, 2: CONTROL_GRAPH_IO } as const;
export type GraphName = keyof typeof AUDIO_GRAPH_IO | keyof typeof CONTROL_GRAPH_IO;

/** Instruments the note decoder knows how to play from control frames. */
export const CONTROL_INSTRUMENTS = ['drums', 'bass', 'keys'] as const;
export type ControlInstrument = (typeof CONTROL_INSTRUMENTS)[number];
/** cond per frame: [t_f look-back / 0.2 s, grid on, beat phase, sin, cos, beats per frame · 10, bar phase, sin, cos, beats per bar / 8]. */
export const CONTROL_COND_SIZE = 10;

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

const trainedTfSchema = z
  .strictObject({ min: z.number().max(0), max: z.number().max(0) })
  .refine((tf) => tf.min <= tf.max, { message: 'trainedTf.min must not exceed trainedTf.max' });

/** Fields both formats share. */
const commonFields = {
  format: z.literal(MODEL_FORMAT),
  name: z.string().min(1).max(80),
  version: z.string().min(1).max(40),
  description: z.string().max(2000).optional(),
  sampleRate: z.number().int().min(8000).max(96000),
  samplesPerFrame: z.number().int().positive().max(48000),
  noiseSize: z.number().int().nonnegative().max(4096),
  /**
   * The t_f (seconds, ≤ 0) the model was trained for, one value or a range, in the streaming
   * formulation's terms for one-frame chunks: output frame i (audio [i, i+1) frames) was
   * conditioned on the mix heard up to time i + t_f. (t_f = −0.12 s at 40 ms frames: output
   * frame i sees mix frames ≤ i − 4.) The engine runs a model with chunk k and t_f so that the
   * per-frame look-back t_f − k + frame lies here.
   */
  trainedTf: trainedTfSchema,
  /** Longest attention window of the generator, in frames. */
  maxAttentionFrames: z.number().int().positive(),
  /** Free-form facts (training data, steps, metrics) shown in the model card. */
  card: z.record(z.string(), z.unknown()).optional(),
};

export const audioModelManifestSchema = z.strictObject({
  ...commonFields,
  formatVersion: z.literal(MODEL_FORMAT_VERSION),
  latentSize: z.number().int().positive().max(4096),
  /** Instruments the generator can play, in the order of its `instrument` index. Format 1 t_f lies on the frame grid. */
  instruments: z.array(z.string().min(1).max(40)).min(1).max(128),
  graphs: z.strictObject({ encoder: graphSchema, generator: graphSchema, decoder: graphSchema }),
});
export type AudioModelManifest = z.infer<typeof audioModelManifestSchema>;

const midiKey = z.number().int().min(0).max(127);
const block = z.tuple([z.number().int().nonnegative(), z.number().int().positive()]);

const controlSpecSchema = z.strictObject({
  /** Named blocks of the control vector, [start, end). */
  layout: z.record(z.string().regex(/^[a-z_]+$/), block),
  /** The GM key each drum lane plays, in the order of the drums_* blocks. */
  drumKeys: z.array(midiKey).min(1).max(32),
  /** MIDI key of bass_pitch's first entry. */
  bassLowKey: midiKey,
  /** Keys voices its chords within [lo, hi). */
  keysRange: z.tuple([midiKey, z.number().int().min(1).max(128)]),
  /**
   * Logit thresholds: an onset fires, a note is held, a pitch class sounds above them. A held
   * bass or keys part whose pitch has moved for revoiceFrames frames in a row is struck again on the
   * new notes (absent or 0: never).
   */
  thresholds: z.strictObject({ onset: z.number(), held: z.number(), pc: z.number(), revoiceFrames: z.number().int().min(0).max(100).optional() }),
});
export type ControlSpec = z.infer<typeof controlSpecSchema>;

const channelProgramSchema = z.strictObject({
  channel: z.number().int().min(0).max(15),
  /** 128: the General MIDI percussion bank. */
  bank: z.number().int().min(0).max(128),
  program: z.number().int().min(0).max(127),
});

const synthSpecSchema = z.strictObject({
  /** SoundFont (.sf2 or .sf3) file name inside the model folder. */
  soundFont: z.string().regex(/^[A-Za-z0-9_.-]+\.sf[23]$/, 'a plain .sf2 or .sf3 file name inside the model folder'),
  /** Level relative to the synth's calibrated one (1: a velocity-100 note about −20 dBFS RMS). */
  gain: z.number().nonnegative().max(100),
  /** The channel and preset each instrument plays on. */
  instruments: z.record(z.string(), channelProgramSchema),
});
export type SynthSpec = z.infer<typeof synthSpecSchema>;

/**
 * How the engine finds the beat by listening when the room's metronome is off (format 2,
 * optional; without it such a model gets no grid). The tracker's input is each hop's onset
 * strength: the sum of `onsetFeatures` [start, end) of that hop's `hopFeatures` values in the
 * features graph's output (`hopsPerFrame` hops per frame). The rest are the tracker's settings,
 * as ml/bandmate_ml/features/beat_tracker.py names them.
 */
export const beatTrackerSpecSchema = z.strictObject({
  hopsPerFrame: z.number().int().positive().max(64),
  hopFeatures: z.number().int().positive().max(4096),
  onsetFeatures: block,
  windowHops: z.number().int().min(50).max(6000),
  warmupHops: z.number().int().nonnegative().max(6000),
  minBpm: z.number().min(20).max(400),
  maxBpm: z.number().min(20).max(400),
  priorBpm: z.number().min(20).max(400),
  priorOctaves: z.number().positive().max(10),
  harmonic: z.number().min(0).max(10),
  combBeats: z.number().int().min(1).max(32),
  combDecay: z.number().positive().max(1),
  minConfidence: z.number().min(0).max(1),
  phaseGain: z.number().min(0).max(1),
  tempoGain: z.number().min(0).max(1),
  tempoTolerance: z.number().positive().max(1),
  switchFrames: z.number().int().min(1).max(1000),
  quietHops: z.number().int().min(1).max(6000),
  quietRatio: z.number().min(0).max(1),
  beatsPerBar: z.number().int().min(1).max(32),
});
export type BeatTrackerSpec = z.infer<typeof beatTrackerSpecSchema>;

/** The blocks the note decoder reads for each instrument, and their sizes (0: as many as drumKeys; −1: bass pitches, any). */
const DECODER_BLOCKS: Record<ControlInstrument, Record<string, number>> = {
  drums: { drums_onset: 0, drums_offset: 0, drums_velocity: 0 },
  bass: { bass_onset: 1, bass_held: 1, bass_offset: 1, bass_velocity: 1, bass_pitch: -1 },
  keys: { keys_onset: 1, keys_held: 1, keys_offset: 1, keys_velocity: 1, keys_pc: 12 },
};

export const controlModelManifestSchema = z
  .strictObject({
    ...commonFields,
    formatVersion: z.literal(CONTROL_MODEL_FORMAT_VERSION),
    kind: z.literal('control'),
    featureSize: z.number().int().positive().max(65536),
    condSize: z.literal(CONTROL_COND_SIZE),
    controlSize: z.number().int().positive().max(4096),
    /** Instruments the generator can play, in the order of its `instrument` index. */
    instruments: z.array(z.enum(CONTROL_INSTRUMENTS)).min(1).max(CONTROL_INSTRUMENTS.length),
    /** t_f may be any multiple of this (seconds), not only of the frame. */
    tfStep: z.number().positive().max(1),
    graphs: z.strictObject({ features: graphSchema, generator: graphSchema }),
    control: controlSpecSchema,
    synth: synthSpecSchema,
    beatTracker: beatTrackerSpecSchema.optional(),
  })
  .superRefine((m, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    for (const [name, [start, end]] of Object.entries(m.control.layout)) {
      if (start >= end || end > m.controlSize) {
        issue(['control', 'layout', name], `block [${start}, ${end}) must be non-empty and lie within controlSize ${m.controlSize}`);
      }
    }
    for (const instrument of m.instruments) {
      for (const [name, size] of Object.entries(DECODER_BLOCKS[instrument])) {
        const b = m.control.layout[name];
        const want = size === 0 ? m.control.drumKeys.length : size;
        if (!b) issue(['control', 'layout'], `${instrument} needs the block ${name}`);
        else if (want > 0 && b[1] - b[0] !== want) issue(['control', 'layout', name], `${name} must have ${want} entries, not ${b[1] - b[0]}`);
      }
      if (!m.synth.instruments[instrument]) issue(['synth', 'instruments'], `no channel and program for "${instrument}"`);
    }
    const bt = m.beatTracker;
    if (bt) {
      if (bt.hopFeatures * bt.hopsPerFrame !== m.featureSize) issue(['beatTracker'], `hopFeatures · hopsPerFrame must be featureSize ${m.featureSize}`);
      if (bt.onsetFeatures[0] >= bt.onsetFeatures[1] || bt.onsetFeatures[1] > bt.hopFeatures) issue(['beatTracker', 'onsetFeatures'], 'must be a non-empty block within one hop');
      if (bt.minBpm >= bt.maxBpm) issue(['beatTracker', 'minBpm'], 'minBpm must be below maxBpm');
      if (m.samplesPerFrame % bt.hopsPerFrame !== 0) issue(['beatTracker', 'hopsPerFrame'], 'must divide samplesPerFrame');
    }
    const pitch = m.control.layout.bass_pitch;
    if (pitch && m.control.bassLowKey + pitch[1] - pitch[0] > 128) issue(['control', 'bassLowKey'], 'bass pitches must stay within MIDI keys 0–127');
    const [lo, hi] = m.control.keysRange;
    // Every pitch class needs a key in the range to voice a chord.
    if (hi - lo < 12) issue(['control', 'keysRange'], `keysRange [${lo}, ${hi}) must span at least an octave`);
  });
export type ControlModelManifest = z.infer<typeof controlModelManifestSchema>;

export const modelManifestSchema = z.discriminatedUnion('formatVersion', [audioModelManifestSchema, controlModelManifestSchema], {
  error: (iss) =>
    iss.code === 'invalid_union' && (iss.input as { formatVersion?: unknown } | undefined)?.formatVersion !== undefined
      ? `formatVersion ${JSON.stringify((iss.input as { formatVersion: unknown }).formatVersion)} is not one this engine runs (1: audio, 2: control)`
      : undefined,
});
export type ModelManifest = z.infer<typeof modelManifestSchema>;

export function isControlModel(m: ModelManifest): m is ControlModelManifest {
  return m.formatVersion === CONTROL_MODEL_FORMAT_VERSION;
}

export interface ModelGraph {
  name: GraphName;
  spec: GraphSpec;
  inputs: readonly string[];
  outputs: readonly string[];
}

/** The model's graphs with their I/O names, in the order a step runs them. */
export function modelGraphs(m: ModelManifest): ModelGraph[] {
  const specs = m.graphs as Partial<Record<GraphName, GraphSpec>>;
  return Object.entries(GRAPH_IO[m.formatVersion]).map(([name, io]) => ({ name: name as GraphName, spec: specs[name as GraphName]!, ...io }));
}

/** Frames per second. */
export const frameRate = (m: ModelManifest) => m.sampleRate / m.samplesPerFrame;
