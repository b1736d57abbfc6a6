/**
 * `npm run bench:ai`: how many AI players one machine runs in real time with a model (the shipped
 * one by default), batched as the worker batches them: every player's stream gets 10 ms of a band's
 * mix every 10 ms on a real clock, players are added step by step, and each step prints the CPU the
 * process used (the inference thread and the engine), AI players per core, how late the rounds of
 * pushes finished, and where real time breaks.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { AccompanimentEngine } from '../src/engine/engine.ts';
import type { AccompanimentStream } from '../src/engine/accompaniment-stream.ts';
import { DEFAULT_MODEL_DIR } from '../src/model/default-model.ts';

export interface AiBenchConfig {
  modelDir: string;
  /** Players at each step. */
  steps: number[];
  warmupSeconds: number;
  seconds: number;
}

export interface AiStepFigures {
  players: number;
  seconds: number;
  /** The process's CPU over wall time (1 = one core). */
  cores: number;
  /** How long after it was due each 10 ms round of pushes had every player's output, ms. */
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
  /** Model calls and the steps they carried (batching). */
  calls: number;
  steps: number;
  /** Accompaniment samples produced per player per second (48,000 when it keeps up). */
  outputRate: number;
}

/** Real time breaks when a round's output comes later than one 40 ms frame of the model. */
export const LAG_LIMIT_MS = 40;

const PUSH_MS = 10;
const PUSH_SAMPLES = 480;

/** Two seconds of a band at 120 bpm: a kick on each beat over an A minor chord, looped. */
function bandMix(): Float32Array {
  const rate = 48000;
  return Float32Array.from({ length: 2 * rate }, (_, i) => {
    const t = i / rate;
    const sinceBeat = t % 0.5;
    const kick = sinceBeat < 0.08 ? 0.6 * Math.exp(-sinceBeat * 40) * Math.sin(2 * Math.PI * 60 * sinceBeat) : 0;
    const chord = 0.08 * (Math.sin(2 * Math.PI * 220 * t) + Math.sin(2 * Math.PI * 261.63 * t) + Math.sin(2 * Math.PI * 329.63 * t));
    return kick + chord;
  });
}

const quantile = (xs: number[], q: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]! : NaN);

export function aiConfigFromEnv(env: Record<string, string | undefined> = process.env): AiBenchConfig {
  const config = {
    modelDir: env.BENCH_AI_MODEL ?? DEFAULT_MODEL_DIR,
    steps: (env.BENCH_AI_STEPS ?? '1,2,4,8,12,16,24,32,48,64').split(',').map(Number),
    warmupSeconds: Number(env.BENCH_AI_WARMUP ?? 2),
    seconds: Number(env.BENCH_AI_SECONDS ?? 6),
  };
  if (config.steps.some((n) => !Number.isInteger(n) || n < 1) || !(config.seconds > 0) || !(config.warmupSeconds >= 0)) {
    throw new Error('BENCH_AI_STEPS is a list of player counts (e.g. 1,4,16), BENCH_AI_SECONDS and BENCH_AI_WARMUP seconds');
  }
  if (!existsSync(path.join(config.modelDir, 'model.json'))) throw new Error(`no model at ${config.modelDir} (BENCH_AI_MODEL)`);
  return config;
}

/** Runs the steps until real time breaks; returns every measured step. */
export async function runAiBench(config: AiBenchConfig, print: (line: string) => void = console.log): Promise<AiStepFigures[]> {
  const engine = await AccompanimentEngine.load(config.modelDir, { threads: 1 });
  const m = engine.manifest;
  const frame = m.samplesPerFrame / m.sampleRate;
  const mix = bandMix();
  const players: AccompanimentStream[] = [];
  const rows: AiStepFigures[] = [];
  print(`model ${m.name} ${m.version}, one inference thread; every player gets 10 ms of mix every 10 ms`);
  print('players  CPU (cores)  players/core  round lag p50/p99/max ms  batch (steps/call)  output (samples/s/player)');
  try {
    for (const target of config.steps) {
      while (players.length < target) {
        const i = players.length;
        const stream = await engine.openStream({ tf: Math.min(0, +m.trainedTf.max.toFixed(6)), k: frame, instrument: m.instruments[i % m.instruments.length]!, seed: i });
        stream.setBeatGrid({ bpm: 120, beatsPerBar: 4, firstBeatSample: 0 });
        players.push(stream);
      }
      const row = await driveRealTime(engine, players, mix, config);
      rows.push(row);
      print(
        `${String(row.players).padStart(7)}  ${row.cores.toFixed(2).padStart(11)}  ${(row.players / row.cores).toFixed(1).padStart(12)}  ` +
          `${`${row.lagP50Ms.toFixed(1)} / ${row.lagP99Ms.toFixed(1)} / ${row.lagMaxMs.toFixed(1)}`.padStart(24)}  ${(row.steps / Math.max(1, row.calls)).toFixed(1).padStart(18)}  ${row.outputRate.toFixed(0).padStart(25)}`,
      );
      if (!(row.lagP99Ms <= LAG_LIMIT_MS)) {
        print(`real time breaks at ${row.players} players: round lag p99 ${row.lagP99Ms.toFixed(1)} ms > ${LAG_LIMIT_MS} ms`);
        break;
      }
    }
  } finally {
    for (const p of players) await engine.closeStream(p);
    await engine.close();
  }
  return rows;
}

/** Pushes 10 ms of mix to every player every 10 ms (what is owed at once when late), then measures a window. */
async function driveRealTime(engine: AccompanimentEngine, players: AccompanimentStream[], mix: Float32Array, config: AiBenchConfig): Promise<AiStepFigures> {
  const start = performance.now();
  const warmupEnd = start + config.warmupSeconds * 1000;
  const end = warmupEnd + config.seconds * 1000;
  const lags: number[] = [];
  let round = 0;
  let produced = 0;
  let measuring = false;
  let cpuStart = process.cpuUsage();
  let wallStart = start;
  let batchStart = { ...engine.batcher.stats };
  for (;;) {
    const due = start + round * PUSH_MS;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (!measuring && performance.now() >= warmupEnd) {
      measuring = true;
      cpuStart = process.cpuUsage();
      wallStart = performance.now();
      batchStart = { ...engine.batcher.stats };
    }
    if (performance.now() >= end) break;
    const offset = (round * PUSH_SAMPLES) % mix.length;
    const block = mix.subarray(offset, offset + PUSH_SAMPLES);
    const outputs = await Promise.all(players.map((p) => p.push(block)));
    if (measuring) {
      lags.push(performance.now() - due);
      produced += outputs.reduce((sum, o) => sum + o.length, 0);
    }
    round++;
  }
  const wall = (performance.now() - wallStart) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  return {
    players: players.length,
    seconds: wall,
    cores: (cpu.user + cpu.system) / 1e6 / wall,
    lagP50Ms: quantile(lags, 0.5),
    lagP99Ms: quantile(lags, 0.99),
    lagMaxMs: quantile(lags, 1),
    calls: engine.batcher.stats.calls - batchStart.calls,
    steps: engine.batcher.stats.steps - batchStart.steps,
    outputRate: produced / players.length / wall,
  };
}

/** The headline: the most players that kept real time, and players per core there. */
export function summariseAi(rows: AiStepFigures[]): string {
  const held = rows.filter((r) => r.lagP99Ms <= LAG_LIMIT_MS).at(-1);
  if (!held) return 'no step kept real time';
  return `${held.players} AI players in real time on ${os.cpus().length} cores, using ${held.cores.toFixed(2)} cores: ${(held.players / held.cores).toFixed(1)} players per core (round lag p99 ${held.lagP99Ms.toFixed(1)} ms)`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const config = aiConfigFromEnv();
  console.log(`[bench:ai] ${path.relative(process.cwd(), config.modelDir) || '.'}; steps ${config.steps.join(', ')} players; ${config.seconds} s each after ${config.warmupSeconds} s; ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}`);
  const rows = await runAiBench(config);
  console.log(`[bench:ai] ${summariseAi(rows)}`);
}
