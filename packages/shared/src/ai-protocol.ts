import { z } from 'zod';
import { ERROR_CODES } from './errors.ts';
import { tempoStateSchema } from './tempo.ts';

/**
 * The room's AI players (a rhythm section: drums, bass, keys, …): what the room sees (each
 * player's state, the host's controls) and the protocol between the SFU and the inference
 * worker (socket.io namespace `/agent`), where every player command is keyed by (roomId, playerId).
 */

export const AI_STATES = ['stopped', 'loading', 'warming', 'playing', 'error'] as const;
export type AiPhase = (typeof AI_STATES)[number];

/** AI players one room may have at once: each is one engine stream on the worker. */
export const AI_PLAYERS_MAX = 4;
/** Host volume on top of the level follower (1 = sit with the mix). */
export const AI_VOLUME_MAX = 2;
export const AI_VOLUME_DEFAULT = 1;

const roomIdField = z.string().max(64);
export const aiPlayerIdSchema = z.string().regex(/^[A-Za-z0-9_-]+$/, 'player id: letters, digits, - and _').min(1).max(32);
const instrumentSchema = z.string().min(1).max(40);
const volumeSchema = z.number().min(0).max(AI_VOLUME_MAX);

/**
 * A room's AI players as the host set them up (instrument and volume, in order): stored with the
 * live session, so a restarted SFU brings them back with the people.
 */
export const aiLineupSchema = z.array(z.strictObject({ instrument: instrumentSchema, volume: volumeSchema })).max(AI_PLAYERS_MAX);
export type AiLineup = z.infer<typeof aiLineupSchema>;

/** What the worker reports per player, for operators and the room's UI. */
export const aiMetricsSchema = z.object({
  /** Model step compute time over the recent steps (one step = one chunk of k). */
  stepMedianMs: z.number().min(0).max(1e6).optional(),
  stepP99Ms: z.number().min(0).max(1e6).optional(),
  /** The chunk length k and the look-ahead t_f the engine runs with. */
  kMs: z.number().min(0).max(1e5).optional(),
  tfMs: z.number().min(-1e5).max(1e5).optional(),
  /** Whether t_f follows the measured latency (else it was configured), and the SFU↔worker round trip in it. */
  tfFollows: z.boolean().optional(),
  networkMs: z.number().min(0).max(1e5).optional(),
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
  /** The level follower's gain (dB) before the host's volume: how far the part was lifted to sit with the mix. */
  followGainDb: z.number().min(-200).max(200).optional(),
  /** Whether the player follows the room's metronome (a model that takes a beat grid, with the metronome running). */
  onGrid: z.boolean().optional(),
});
export type AiMetrics = z.infer<typeof aiMetricsSchema>;

export const aiPlayerSchema = z.object({
  id: aiPlayerIdSchema,
  instrument: instrumentSchema,
  volume: volumeSchema,
  state: z.enum(AI_STATES),
  message: z.string().max(300).optional(),
  /** The peer id under which this player's track appears in the room. */
  peerId: z.string().max(64).optional(),
  metrics: aiMetricsSchema.optional(),
});
export type AiPlayer = z.infer<typeof aiPlayerSchema>;

/** The room's AI: its players and what the loaded model offers. */
export const aiRoomStateSchema = z.object({
  players: z.array(aiPlayerSchema).max(AI_PLAYERS_MAX),
  /** Instruments the loaded model plays (empty when no worker is connected). */
  instruments: z.array(z.string().max(40)).max(128),
  maxPlayers: z.number().int().min(0).max(64),
  /** Whether an inference worker is connected; without one, players wait for it. */
  workerConnected: z.boolean(),
});
export type AiRoomState = z.infer<typeof aiRoomStateSchema>;

/** Host requests (browser → SFU); refused to anyone else with not_host. */
export const addAiPlayerRequestSchema = z.strictObject({ instrument: instrumentSchema, volume: volumeSchema.optional() });
export const setAiPlayerRequestSchema = z
  .strictObject({ playerId: aiPlayerIdSchema, instrument: instrumentSchema.optional(), volume: volumeSchema.optional() })
  .refine((r) => r.instrument !== undefined || r.volume !== undefined, 'give an instrument or a volume');
export const removeAiPlayerRequestSchema = z.strictObject({ playerId: aiPlayerIdSchema });

export const AGENT_NAMESPACE = '/agent';

const playerKey = { roomId: roomIdField, playerId: aiPlayerIdSchema };

/** SFU → worker. */
export const agentCommands = {
  /** Open a UDP port for the player's musicians; answer with it. */
  prepare: z.strictObject({ ...playerKey }),
  start: z.strictObject({
    ...playerKey,
    instrument: z.string().max(40),
    volume: volumeSchema,
    returnPort: z.number().int().min(1).max(65535),
    returnIp: z.string().max(64),
    ssrc: z.number().int().nonnegative(),
    payloadType: z.number().int().min(0).max(127),
  }),
  routes: z.strictObject({
    ...playerKey,
    routes: z.array(z.strictObject({ ssrc: z.number().int().nonnegative(), payloadType: z.number().int().min(0).max(127) })).max(64),
  }),
  /** Another instrument for a playing player: the worker swaps its engine stream, keeping its track. */
  instrument: z.strictObject({ ...playerKey, instrument: z.string().max(40) }),
  volume: z.strictObject({ ...playerKey, volume: volumeSchema }),
  stop: z.strictObject({ ...playerKey }),
  /**
   * The room's metronome grid, sent when a player starts and whenever the grid changes.
   * `serverNow` is the SFU's clock (the one `startAt` is on) when the command was sent,
   * so the worker can map the grid onto its own clock.
   */
  tempo: z.strictObject({ roomId: roomIdField, tempo: tempoStateSchema, serverNow: z.number().finite() }),
} as const;
export type AgentCommand = keyof typeof agentCommands;

/** The worker's port on SFU_AGENT_IP; an `ip` in the reply is ignored (the SFU sends only to its configured address). */
export const agentPrepareReplySchema = z.object({ ip: z.string().max(64).optional(), port: z.number().int().min(1024).max(65535) });
const doneReply = z.object({});

/** Worker → SFU: what each command answers with when it succeeds. */
export const agentReplies = {
  prepare: agentPrepareReplySchema,
  start: doneReply,
  routes: doneReply,
  instrument: doneReply,
  volume: doneReply,
  stop: doneReply,
  tempo: doneReply,
} as const satisfies Record<AgentCommand, z.ZodType>;
export type AgentReply<C extends AgentCommand> = z.infer<(typeof agentReplies)[C]>;

/**
 * The acknowledgement of every command: its reply, or an error in the shared error model
 * (`bad_request` for a command the worker could not read, `internal` for its own failure).
 */
export const agentAckSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), data: z.unknown() }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.enum(ERROR_CODES), message: z.string().max(500) }) }),
]);
export type AgentAck = z.infer<typeof agentAckSchema>;

/** Worker → SFU. */
export const agentHelloSchema = z.strictObject({
  model: z.string().max(120),
  instruments: z.array(z.string().max(40)).min(1).max(128),
  provider: z.string().max(20),
  /** AI players it runs in real time at most (the SFU places no more on it); 4 when not said. */
  maxPlayers: z.number().int().min(1).max(256).optional(),
  /**
   * Where it takes the rooms' RTP (its SFU_AGENT_IP). The SFU sends there only when it is where the
   * worker's connection comes from (or both are this host's loopback); else to that address.
   */
  rtpAddress: z.union([z.ipv4(), z.ipv6()]).optional(),
});
export const agentStatusSchema = z.strictObject({
  ...playerKey,
  state: z.enum(AI_STATES),
  message: z.string().max(300).optional(),
  metrics: aiMetricsSchema.optional(),
});
export type AgentStatus = z.infer<typeof agentStatusSchema>;
/** Worker → SFU, acknowledged at once with `{}`: the worker times the round trip to choose its t_f. */
export const AGENT_LATENCY_PROBE = 'latencyProbe';
export const agentLatencyProbeSchema = z.strictObject({});
