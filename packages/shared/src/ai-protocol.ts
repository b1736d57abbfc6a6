import { z } from 'zod';
import { tempoStateSchema } from './tempo.ts';

/**
 * The AI band member's messages: what the room sees (state, host controls) and the
 * protocol between the SFU and the inference worker (socket.io namespace `/agent`).
 */

export const AI_STATES = ['stopped', 'loading', 'warming', 'playing', 'error'] as const;
export type AiPhase = (typeof AI_STATES)[number];

/** What the worker reports per room, for operators and the room's UI. */
export const aiMetricsSchema = z.object({
  /** Model step compute time over the recent steps (one step = one chunk of k). */
  stepMedianMs: z.number().min(0).max(1e6).optional(),
  stepP99Ms: z.number().min(0).max(1e6).optional(),
  /** The chunk length k and the look-ahead t_f the engine runs with. */
  kMs: z.number().min(0).max(1e5).optional(),
  tfMs: z.number().min(-1e5).max(1e5).optional(),
  /** Output frames that were not ready at their send time (silence went out instead). */
  lateFrames: z.number().int().min(0).optional(),
  /** Input frames the mixer had to conceal (late or lost packets). */
  concealedFrames: z.number().int().min(0).optional(),
  /** Output frames computed and waiting for their send time. */
  queueDepth: z.number().int().min(0).optional(),
  /** Room ticks whose mix was not given to the engine because it was behind real time. */
  skippedTicks: z.number().int().min(0).optional(),
  packetsIn: z.number().int().min(0).optional(),
  packetsOut: z.number().int().min(0).optional(),
});
export type AiMetrics = z.infer<typeof aiMetricsSchema>;

export const aiStateSchema = z.object({
  state: z.enum(AI_STATES),
  enabled: z.boolean(),
  instrument: z.string().max(40).nullable(),
  volume: z.number().min(0).max(2),
  /** Instruments the loaded model plays (empty when no worker is connected). */
  instruments: z.array(z.string().max(40)).max(128),
  message: z.string().max(300).optional(),
  /** The peer id under which the AI's track appears in the room. */
  peerId: z.string().max(64).optional(),
  metrics: aiMetricsSchema.optional(),
});
export type AiState = z.infer<typeof aiStateSchema>;

export const setAiRequestSchema = z.strictObject({
  enabled: z.boolean(),
  instrument: z.string().min(1).max(40).optional(),
  volume: z.number().min(0).max(2).optional(),
});

export const AGENT_NAMESPACE = '/agent';

/** SFU → worker. */
export const agentCommands = {
  /** Open a UDP port for the room's musicians; answer with it. */
  prepare: z.strictObject({ roomId: z.string().max(64) }),
  start: z.strictObject({
    roomId: z.string().max(64),
    instrument: z.string().max(40),
    volume: z.number().min(0).max(2),
    returnPort: z.number().int().min(1).max(65535),
    returnIp: z.string().max(64),
    ssrc: z.number().int().nonnegative(),
    payloadType: z.number().int().min(0).max(127),
    /** The room's metronome grid when the AI starts, for models that take a tempo (absent: none known). */
    tempo: tempoStateSchema.optional(),
  }),
  routes: z.strictObject({
    roomId: z.string().max(64),
    routes: z.array(z.strictObject({ ssrc: z.number().int().nonnegative(), payloadType: z.number().int().min(0).max(127) })).max(64),
  }),
  volume: z.strictObject({ roomId: z.string().max(64), volume: z.number().min(0).max(2) }),
  stop: z.strictObject({ roomId: z.string().max(64) }),
} as const;
export type AgentCommand = keyof typeof agentCommands;

/** The worker's port on SFU_AGENT_IP; an `ip` in the reply is ignored (the SFU sends only to its configured address). */
export const agentPrepareReplySchema = z.object({ ip: z.string().max(64).optional(), port: z.number().int().min(1024).max(65535) });

/** Worker → SFU. */
export const agentHelloSchema = z.strictObject({
  model: z.string().max(120),
  instruments: z.array(z.string().max(40)).min(1).max(128),
  provider: z.string().max(20),
});
export const agentStatusSchema = z.strictObject({
  roomId: z.string().max(64),
  state: z.enum(AI_STATES),
  message: z.string().max(300).optional(),
  metrics: aiMetricsSchema.optional(),
});
