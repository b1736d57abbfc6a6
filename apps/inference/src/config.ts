import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { isEveryAddress } from '@bandmate/shared/scrape-access';
import { DEFAULT_MODEL_DIR } from './model/default-model.ts';

/** The inference worker's configuration, from the environment, validated once. */
const envSchema = z.object({
  SFU_AGENT_URL: z.string().url().default('http://127.0.0.1:4000'),
  AGENT_SECRET: z.string().optional(),
  BANDMATE_MODEL_DIR: z.string().default(DEFAULT_MODEL_DIR),
  INFERENCE_PROVIDER: z.enum(['cpu', 'cuda']).default('cpu'),
  INFERENCE_THREADS: z.coerce.number().int().min(1).max(64).default(1),
  /** Nice value of the inference thread; negative raises priority where permitted. */
  INFERENCE_PRIORITY: z.coerce.number().int().min(-20).max(19).default(-10),
  /** t_f and k in seconds; unset: the model's trained t_f and one latent frame. */
  BANDMATE_TF: z.coerce.number().max(0).optional(),
  BANDMATE_K: z.coerce.number().positive().optional(),
  /** Jitter buffer per musician at the worker, ms: |t_f| must exceed it plus compute time. */
  INFERENCE_JITTER_MS: z.coerce.number().int().min(0).max(500).default(40),
  SFU_AGENT_IP: z.string().default('127.0.0.1'),
  /**
   * AI players this worker takes at most (the SFU places no more on it). Default: 2 per core, what
   * bench:ai measured in real time on the 2-core machine with the shipped model (4; 8 broke).
   */
  INFERENCE_MAX_PLAYERS: z.coerce.number().int().min(1).max(256).optional(),
  /** GET /metrics and /health/* of this worker (0: none). A second worker on one machine needs its own port. */
  INFERENCE_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  INFERENCE_METRICS_HOST: z.string().default('127.0.0.1'),
  METRICS_TOKEN: z.string().max(200).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type InferenceConfig = ReturnType<typeof loadInferenceConfig>;

export function loadInferenceConfig(env: Record<string, string | undefined> = process.env) {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`Invalid inference configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  return {
    sfuUrl: e.SFU_AGENT_URL.replace(/\/$/, ''),
    secret: e.AGENT_SECRET,
    modelDir: e.BANDMATE_MODEL_DIR,
    provider: e.INFERENCE_PROVIDER,
    threads: e.INFERENCE_THREADS,
    priority: e.INFERENCE_PRIORITY,
    tf: e.BANDMATE_TF,
    k: e.BANDMATE_K,
    jitterMs: e.INFERENCE_JITTER_MS,
    listenIp: e.SFU_AGENT_IP,
    /** Told to the SFU (hello): where this worker takes RTP; none when it listens on every address. */
    rtpAddress: isIP(e.SFU_AGENT_IP) && !isEveryAddress(e.SFU_AGENT_IP) ? e.SFU_AGENT_IP : undefined,
    maxPlayers: e.INFERENCE_MAX_PLAYERS ?? Math.max(1, 2 * availableParallelism()),
    metrics: { port: e.INFERENCE_METRICS_PORT, host: e.INFERENCE_METRICS_HOST, token: e.METRICS_TOKEN || undefined },
    logLevel: e.LOG_LEVEL,
  };
}
