import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { downmix, readWav, writeWav } from '@bandmate/media/wav';
import { Resampler } from '../audio/resampler.ts';
import { checkBeatGrid, type BeatGrid } from '../engine/conditioning.ts';
import { AccompanimentEngine } from '../engine/engine.ts';
import { concatSamples } from '../audio/sample-queue.ts';
import { EngineSettingsError } from '../engine/settings.ts';
import { DEFAULT_MODEL_DIR } from '../model/default-model.ts';
import { ProgressBar } from './progress-bar.ts';

export class UsageError extends Error {
  override name = 'UsageError';
}

const ROOM_RATE = 48000;
/** The CLI feeds the engine 10 ms at a time, as the live room's packets do. */
const BLOCK = 480;

export const ACCOMPANY_USAGE = `usage: bandmate accompany --input mix.wav --output part.wav [--instrument NAME]
                          [--tf SECONDS] [--k SECONDS] [--seed N] [--model DIR]
                          [--bpm BPM [--beats-per-bar N] [--first-beat SECONDS]]
  --bpm etc.: the metronome a control model follows (a downbeat at --first-beat, default 0 s)`;

export async function accompany(argv: string[], log: (line: string) => void = (l) => process.stderr.write(l)): Promise<void> {
  const { values } = parseArgs({
    args: joinNegativeValues(argv),
    options: {
      input: { type: 'string' },
      output: { type: 'string' },
      instrument: { type: 'string' },
      tf: { type: 'string' },
      k: { type: 'string' },
      seed: { type: 'string', default: '0' },
      model: { type: 'string', default: DEFAULT_MODEL_DIR },
      bpm: { type: 'string' },
      'beats-per-bar': { type: 'string', default: '4' },
      'first-beat': { type: 'string', default: '0' },
    },
    strict: true,
  });
  if (!values.input || !values.output) throw new UsageError(`--input and --output are required\n${ACCOMPANY_USAGE}`);
  const num = (name: string, v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number (got "${v}")`);
    return n;
  };
  if (!existsSync(values.model)) throw new UsageError(`model folder not found: ${values.model}`);
  const grid =
    values.bpm === undefined
      ? null
      : beatGrid(num('bpm', values.bpm), num('beats-per-bar', values['beats-per-bar']), num('first-beat', values['first-beat']));

  const wav = readWav(values.input);
  const engine = await AccompanimentEngine.load(values.model, { onNotice: (m) => log(`${m}\n`) });
  try {
    const m = engine.manifest;
    const frame = m.samplesPerFrame / m.sampleRate;
    const k = values.k === undefined ? frame : num('k', values.k);
    const settings = {
      // Default: the t_f the model was trained for (for chunks of k: t_f − k + frame = trained).
      tf: values.tf === undefined ? Math.min(0, +(m.trainedTf.max + k - frame).toFixed(6)) : num('tf', values.tf),
      k,
      instrument: values.instrument ?? m.instruments[0]!,
      seed: num('seed', values.seed),
    };
    const stream = await engine.openStream(settings);
    if (grid && !stream.takesBeatGrid) log(`note: ${m.name} is an audio model and plays without the beat grid\n`);
    stream.setBeatGrid(grid);
    const mono = new Resampler(wav.sampleRate, ROOM_RATE).process(downmix(wav));
    // The output has the input's duration at 48 kHz.
    const total = Math.round((wav.channels[0]!.length * ROOM_RATE) / wav.sampleRate);
    const input = new Float32Array(total);
    input.set(mono.subarray(0, total));
    const bar = new ProgressBar(total, process.stderr);
    const parts: Float32Array[] = [];
    let produced = 0;
    // After the input ends, silence keeps the engine stepping until the output is as long.
    for (let i = 0; produced < total; i += BLOCK) {
      const block = i < total ? input.subarray(i, Math.min(total, i + BLOCK)) : new Float32Array(BLOCK);
      const out = await stream.push(block);
      parts.push(out);
      produced += out.length;
      bar.update(Math.min(produced, total));
    }
    bar.done();
    const part = concatSamples(parts).slice(0, total);
    writeWav(values.output, { sampleRate: ROOM_RATE, channels: [part, part] });
    log(
      `wrote ${path.basename(values.output)}: ${(total / ROOM_RATE).toFixed(2)} s, ${settings.instrument}, t_f ${settings.tf} s, ` +
        `k ${settings.k} s, seed ${settings.seed}${grid && stream.takesBeatGrid ? `, ${grid.bpm} BPM in ${grid.beatsPerBar}` : ''}, model ${m.name} ${m.version}\n`,
    );
  } finally {
    await engine.close();
  }
}

function beatGrid(bpm: number, beatsPerBar: number, firstBeat: number): BeatGrid {
  const grid = { bpm, beatsPerBar, firstBeatSample: Math.round(firstBeat * ROOM_RATE) };
  try {
    checkBeatGrid(grid);
  } catch (err) {
    throw new UsageError(`beat grid: ${(err as Error).message}`);
  }
  return grid;
}

/** `--tf -0.1` reads as an option to parseArgs; keep the documented spelling working. */
function joinNegativeValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const [arg, next] = [argv[i]!, argv[i + 1]];
    if (arg.startsWith('--') && !arg.includes('=') && next !== undefined && /^-\d|^-\.\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

export function describeCliError(err: unknown): string {
  if (err instanceof UsageError || err instanceof EngineSettingsError) return err.message;
  const e = err as Error;
  if (e?.name === 'WavError' || e?.name === 'ModelLoadError') return e.message;
  if ((e as NodeJS.ErrnoException)?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `${e.message}\n${ACCOMPANY_USAGE}`;
  return `unexpected error: ${e?.stack ?? String(err)}`;
}
