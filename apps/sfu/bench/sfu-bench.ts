// `npm run bench:sfu`: how many audio streams one mediasoup worker (one core) forwards. Rooms of
// simulated musicians sending real Opus RTP in 10 ms packets and listeners receiving it are added
// step by step; each step prints the streams forwarded, the worker's CPU, the loss, the delay
// through the SFU, and where it breaks.
import * as mediasoup from 'mediasoup';
import { SfuLoad, type RoomShape, type WindowFigures } from './sfu-load.ts';

export interface BenchConfig {
  room: RoomShape;
  /** Rooms at each step. */
  steps: number[];
  warmupSeconds: number;
  seconds: number;
  /** Encrypt what the SFU sends (SRTP, as to browsers); off measures forwarding alone. */
  srtp: boolean;
}

/** Where a step counts as broken: packets lost, the SFU's delay spread, or the worker's core full. */
export const LIMITS = { lossPercent: 1, delayP99Ms: 20, workerCores: 0.95 } as const;

export function configFromEnv(env: Record<string, string | undefined> = process.env): BenchConfig {
  const [musicians, listeners] = (env.BENCH_SFU_ROOM ?? '4+6').split('+').map(Number);
  const steps = (env.BENCH_SFU_STEPS ?? '1,2,4,8,12,14,16,24,32,48,64').split(',').map(Number);
  const config = {
    room: { musicians: musicians!, listeners: listeners ?? 0 },
    steps,
    warmupSeconds: Number(env.BENCH_SFU_WARMUP ?? 2),
    seconds: Number(env.BENCH_SFU_SECONDS ?? 5),
    srtp: env.BENCH_SFU_SRTP !== '0',
  };
  const bad = [config.room.musicians, config.room.listeners, ...steps, config.seconds, config.warmupSeconds].some((v) => !Number.isFinite(v) || v < 0);
  if (bad || config.room.musicians < 1 || steps.length === 0) {
    throw new Error('BENCH_SFU_ROOM is "musicians+listeners" (e.g. 4+6), BENCH_SFU_STEPS a list of room counts, BENCH_SFU_SECONDS and BENCH_SFU_WARMUP seconds');
  }
  return config;
}

export function brokenBy(f: WindowFigures): string | undefined {
  if (f.lossPercent > LIMITS.lossPercent) return `loss ${f.lossPercent.toFixed(2)} % > ${LIMITS.lossPercent} %`;
  if (f.delayP99Ms > LIMITS.delayP99Ms) return `delay p99 ${f.delayP99Ms.toFixed(1)} ms > ${LIMITS.delayP99Ms} ms`;
  if (f.workerCores > LIMITS.workerCores) return `worker at ${(100 * f.workerCores).toFixed(0)} % of a core`;
  return undefined;
}

/** Runs the steps until one breaks; returns every measured step. */
export async function runBench(config: BenchConfig, print: (line: string) => void = console.log): Promise<WindowFigures[]> {
  const worker = await mediasoup.createWorker({ logLevel: 'warn' });
  const load = await SfuLoad.start(worker, { srtp: config.srtp });
  const rows: WindowFigures[] = [];
  try {
    let rooms = 0;
    print('rooms  producers  forwarded  worker CPU  streams/core  harness CPU  loss %   delay p50/p99/max ms  sender late ms');
    for (const target of config.steps) {
      while (rooms < target) {
        await load.addRoom(config.room);
        rooms++;
      }
      await new Promise((r) => setTimeout(r, config.warmupSeconds * 1000));
      const f = await load.measure(worker, config.seconds);
      rows.push(f);
      print(
        `${String(rooms).padStart(5)}  ${String(f.producers).padStart(9)}  ${String(f.forwarded).padStart(9)}  ${`${(100 * f.workerCores).toFixed(1)} %`.padStart(10)}  ` +
          `${(f.workerCores > 0 ? f.forwarded / f.workerCores : 0).toFixed(0).padStart(12)}  ${`${(100 * f.harnessCores).toFixed(0)} %`.padStart(11)}  ` +
          `${f.lossPercent.toFixed(3).padStart(6)}   ${`${f.delayP50Ms.toFixed(1)} / ${f.delayP99Ms.toFixed(1)} / ${f.delayMaxMs.toFixed(1)}`.padStart(20)}  ${f.senderLateMs.toFixed(1).padStart(14)}`,
      );
      const broken = brokenBy(f);
      if (broken) {
        print(`breaks at ${f.forwarded} forwarded streams: ${broken}`);
        break;
      }
    }
  } finally {
    await load.close();
    worker.close();
  }
  return rows;
}

/** The headline: streams per core at the largest step under half a core, and the most held without breaking. */
export function summarise(rows: WindowFigures[]): string {
  const held = rows.filter((f) => !brokenBy(f));
  const underHalf = held.filter((f) => f.workerCores < 0.5).at(-1);
  const most = held.at(-1);
  const perCore = underHalf ? `${underHalf.forwarded} streams at ${(100 * underHalf.workerCores).toFixed(0)} % of a core (${(underHalf.forwarded / underHalf.workerCores).toFixed(0)} per core)` : 'no step under 50 % of a core';
  const peak = most ? `${most.forwarded} streams held at ${(100 * most.workerCores).toFixed(0)} % (loss ${most.lossPercent.toFixed(3)} %, delay p99 ${most.delayP99Ms.toFixed(1)} ms)` : 'no step held';
  return `one mediasoup worker: ${perCore}; most: ${peak}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const config = configFromEnv();
  console.log(`[bench:sfu] rooms of ${config.room.musicians} musicians + ${config.room.listeners} listeners; steps ${config.steps.join(', ')} rooms; ${config.seconds} s each after ${config.warmupSeconds} s; ${config.srtp ? 'SRTP to receivers' : 'plain RTP to receivers (BENCH_SFU_SRTP=0)'}`);
  const rows = await runBench(config);
  console.log(`[bench:sfu] ${summarise(rows)}`);
}
