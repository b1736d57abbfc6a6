import { io, type Socket } from 'socket.io-client';
import {
  AGENT_LATENCY_PROBE,
  AGENT_NAMESPACE,
  agentCommands,
  describeZodError,
  type AgentAck,
  type AgentCommand,
  type AgentReply,
  type AiMetrics,
  type AiPhase,
  type TempoState,
} from '@bandmate/shared';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { InferenceConfig } from '../config.ts';
import type { AccompanimentEngine } from '../engine/engine.ts';
import type { AccompanimentStream } from '../engine/accompaniment-stream.ts';
import { Accompanist } from './accompanist.ts';
import { RtpPacer } from '@bandmate/media/rtp-pacer';
import { TfFollower, tfFor, tfGrid } from './tf-policy.ts';

interface PlayerKey {
  roomId: string;
  playerId: string;
}

/** What runs on this worker for one AI player: its audio loop and engine stream. */
interface PlayerRun extends PlayerKey {
  accompanist: Accompanist;
  stream?: AccompanimentStream;
  instrument?: string;
  timer?: ReturnType<typeof setInterval>;
  watch?: ReturnType<typeof setInterval>;
  reports?: number;
  timing?: { tfMs: number; kMs: number };
  /** Without a configured t_f: follows the measured latency (tf-policy.ts). */
  follower?: TfFollower;
  /** A t_f switch under way (a new engine stream opening). */
  switching?: boolean;
}

const playerKey = (key: PlayerKey) => `${key.roomId}/${key.playerId}`;

type Handlers = { [C in AgentCommand]: (payload: z.infer<(typeof agentCommands)[C]>) => Promise<AgentReply<C>> };

/** The room's UI shows the metrics every STATUS interval; the log gets one line per LOG interval. */
const STATUS_INTERVAL_MS = 2_000;
const LOG_EVERY = 5;
/** After the SFU refused this worker (another one is connected), it asks again this much later. */
const REFUSED_RETRY_MS = 5_000;
/** After the SFU dropped it (a drain, a restart), soon: the rooms' AI players wait for a worker. */
const DROPPED_RETRY_MS = 500;
/** How often the control connection's round trip is measured (it stands in for the RTP hops). */
const PROBE_INTERVAL_MS = 10_000;

/**
 * The AI as a room participant run by a worker (like LiveKit's agents): connects to
 * the SFU, and for each AI player it is asked to run (several per room: drums, bass, keys, …)
 * it hears the room's musicians and plays its part back on its own track.
 */
export class AgentClient {
  private readonly socket: Socket;
  private closed = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** One entry per AI player, keyed by playerKey(roomId, playerId). */
  private readonly players = new Map<string, PlayerRun>();
  /** One thread sends every player's packets on the room clock. */
  private readonly pacer = new RtpPacer();
  /** Each room's metronome, kept for players that start after it was sent. */
  private readonly tempos = new Map<string, { tempo: TempoState; serverToLocalMs: number }>();
  /** SFU → worker → SFU, measured on the control connection; 0 until the first probe answers. */
  private networkMs = 0;
  private readonly probeTimer: ReturnType<typeof setInterval>;

  constructor(
    private readonly engine: AccompanimentEngine,
    private readonly config: InferenceConfig,
    private readonly logger: Logger,
  ) {
    this.socket = io(`${config.sfuUrl}${AGENT_NAMESPACE}`, {
      transports: ['websocket'],
      auth: config.secret ? { secret: config.secret } : {},
      reconnectionDelayMax: 2000,
    });
    this.socket.on('connect', () => {
      logger.info({ sfu: config.sfuUrl }, 'connected to the SFU');
      const m = engine.manifest;
      this.socket.emit('hello', { model: `${m.name} ${m.version}`, instruments: m.instruments, provider: engine.model.provider, maxPlayers: config.maxPlayers, ...(config.rtpAddress && { rtpAddress: config.rtpAddress }) });
      void this.probe();
    });
    this.probeTimer = setInterval(() => void this.probe(), PROBE_INTERVAL_MS);
    this.probeTimer.unref();
    if (!config.secret) logger.error('AGENT_SECRET is not set: the SFU will refuse this worker (give both the same secret)');
    this.socket.on('disconnect', (reason) => {
      logger.warn('disconnected from the SFU; stopping all rooms');
      for (const p of [...this.players.values()]) void this.handlers.stop({ roomId: p.roomId, playerId: p.playerId });
      // socket.io does not reconnect by itself after the server closed the connection.
      if (reason === 'io server disconnect') this.retry(DROPPED_RETRY_MS);
    });
    this.socket.on('connect_error', (err: Error & { data?: { code?: string; message?: string } }) => {
      const code = err.data?.code;
      if (code === 'agent_unauthorised') logger.error({ code }, `the SFU refused this worker: ${err.message}`);
      else if (code === 'agent_busy') logger.warn({ code }, `the SFU refused this worker: ${err.message}`);
      else logger.debug({ err: err.message }, 'SFU not reachable yet');
      // A refusal by the SFU's middleware is final for socket.io; try again later (the other worker may go).
      if (!this.socket.active) this.retry(REFUSED_RETRY_MS);
    });
    for (const name of Object.keys(agentCommands) as AgentCommand[]) {
      this.socket.on(name, (payload: unknown, ack?: (r: AgentAck) => void) => {
        if (typeof ack !== 'function') return;
        const parsed = agentCommands[name].safeParse(payload);
        if (!parsed.success) return ack({ ok: false, error: { code: 'bad_request', message: `malformed ${name}: ${describeZodError(parsed.error)}` } });
        (this.handlers[name] as (p: unknown) => Promise<unknown>)(parsed.data).then(
          (data) => ack({ ok: true, data }),
          (err: Error) => {
            this.logger.warn({ err, command: name }, 'a command from the SFU failed');
            ack({ ok: false, error: { code: 'internal', message: err.message.slice(0, 500) } });
          },
        );
      });
    }
  }

  /** AI players running on this worker now, in every room. */
  get playerCount(): number {
    return this.players.size;
  }

  /** Whether the SFU's control connection is up. */
  get connected(): boolean {
    return this.socket.connected;
  }

  /** Each player's running counters and its t_f (the metrics endpoint reads them). */
  playerMetrics(): Array<{ instrument: string; playing: boolean; tfMs?: number; counters: Accompanist['metrics'] }> {
    return [...this.players.values()].map((p) => ({ instrument: p.instrument ?? 'unknown', playing: p.accompanist.playing, tfMs: p.timing?.tfMs, counters: p.accompanist.metrics }));
  }

  private readonly handlers: Handlers = {
    prepare: async (key) => {
      await this.handlers.stop(key);
      const accompanist = await Accompanist.open({ jitterTargetMs: this.config.jitterMs, listenIp: this.config.listenIp, pacer: this.pacer });
      this.players.set(playerKey(key), { ...key, accompanist });
      return { ip: this.config.listenIp, port: accompanist.port };
    },
    start: async ({ roomId, playerId, instrument, volume, returnIp, returnPort, ssrc, payloadType }) => {
      const key = { roomId, playerId };
      const player = this.players.get(playerKey(key));
      if (!player) throw new Error('prepare the player first');
      const { tf, k } = this.timing();
      player.stream = await this.engine.openStream({ tf, k, instrument, seed: hashSeed(`${roomId}/${playerId}`) });
      if (this.config.tf === undefined) player.follower = new TfFollower(tf);
      player.instrument = instrument;
      const tempo = this.tempos.get(roomId);
      player.accompanist.setGrid(tempo?.tempo ?? null, tempo?.serverToLocalMs);
      player.accompanist.start({ stream: player.stream, sendTo: { ip: returnIp, port: returnPort }, ssrc, payloadType, volume });
      this.status(key, 'warming');
      this.logger.info({ roomId, playerId, instrument, tf, k }, 'AI player joined the room');
      player.timing = { tfMs: tf * 1000, kMs: k * 1000 };
      player.timer = setInterval(() => this.report(key), STATUS_INTERVAL_MS);
      this.watchUntilPlaying(key);
      return {};
    },
    routes: async ({ roomId, playerId, routes }) => {
      this.players.get(playerKey({ roomId, playerId }))?.accompanist.setRoutes(routes);
      return {};
    },
    instrument: async ({ roomId, playerId, instrument }) => {
      const key = { roomId, playerId };
      const player = this.players.get(playerKey(key));
      if (!player?.stream) throw new Error('start the player first');
      if (player.instrument === instrument) return {};
      // The new stream keeps the player's t_f: the swap places it on the track by the same delay.
      const k = player.timing ? player.timing.kMs / 1000 : this.timing().k;
      const tf = player.timing ? Math.round(player.timing.tfMs * 1000) / 1e6 : this.timing().tf;
      // The new stream is opened before the old one goes, so the track plays on meanwhile.
      const stream = await this.engine.openStream({ tf, k, instrument, seed: hashSeed(`${roomId}/${playerId}/${instrument}`) });
      if (this.players.get(playerKey(key)) !== player) {
        await this.engine.closeStream(stream);
        return {};
      }
      const old = player.accompanist.swapStream(stream);
      player.stream = stream;
      player.instrument = instrument;
      await this.engine.closeStream(old);
      this.logger.info({ roomId, playerId, instrument }, 'AI player switched instrument');
      this.watchUntilPlaying(key);
      return {};
    },
    volume: async ({ roomId, playerId, volume }) => {
      const player = this.players.get(playerKey({ roomId, playerId }));
      if (player) player.accompanist.volume = volume;
      return {};
    },
    stop: async (key) => {
      const player = this.players.get(playerKey(key));
      if (!player) return {};
      this.players.delete(playerKey(key));
      clearInterval(player.timer);
      clearInterval(player.watch);
      player.accompanist.close();
      if (player.stream) await this.engine.closeStream(player.stream);
      this.status(key, 'stopped');
      if (![...this.players.values()].some((p) => p.roomId === key.roomId)) this.tempos.delete(key.roomId);
      return {};
    },
    tempo: async ({ roomId, tempo, serverNow }) => {
      // The command left the SFU at serverNow and arrived now (a loopback hop, well under a millisecond
      // to a few ms): their difference maps the grid's server times onto this process's clock.
      const serverToLocalMs = performance.now() - serverNow;
      this.tempos.set(roomId, { tempo, serverToLocalMs });
      for (const p of this.players.values()) if (p.roomId === roomId) p.accompanist.setGrid(tempo, serverToLocalMs);
      return {};
    },
  };

  /**
   * t_f and k for a new stream: t_f configured (BANDMATE_TF), or from the latency measured so far
   * (before any step, one chunk stands in for the step's compute time).
   */
  private timing(): { tf: number; k: number } {
    const m = this.engine.manifest;
    const k = this.config.k ?? m.samplesPerFrame / m.sampleRate;
    const compute = this.engine.batcher.recentComputeMs();
    const tf = this.config.tf ?? tfFor({ jitterMs: this.config.jitterMs, computeP99Ms: compute?.p99 ?? k * 1000, networkMs: this.networkMs }, tfGrid(m, k));
    if (-tf * 1000 <= this.config.jitterMs) {
      throw new Error(`t_f = ${tf} s cannot cover the ${this.config.jitterMs} ms jitter buffer: the AI would always be late`);
    }
    return { tf, k };
  }

  /** Measures the control connection's round trip (the SFU answers `latencyProbe` at once). */
  private async probe(): Promise<void> {
    if (!this.socket.connected) return;
    const sentAt = performance.now();
    try {
      await this.socket.timeout(2000).emitWithAck(AGENT_LATENCY_PROBE, {});
      this.networkMs = performance.now() - sentAt;
    } catch {
      // An older SFU, or a slow moment: keep the last figure.
    }
  }

  /**
   * Moves a player to the t_f its measured latency asks for, by swapping its engine stream (as an
   * instrument change does: the track plays on meanwhile).
   */
  private async followLatency(key: PlayerKey, player: PlayerRun, computeP99Ms: number): Promise<void> {
    if (!player.follower || !player.stream || !player.instrument || player.switching) return;
    const k = player.timing!.kMs / 1000;
    const measured = tfFor({ jitterMs: this.config.jitterMs, computeP99Ms, networkMs: this.networkMs }, tfGrid(this.engine.manifest, k));
    const tf = player.follower.next(measured);
    if (tf === undefined) return;
    player.switching = true;
    try {
      const stream = await this.engine.openStream({ tf, k, instrument: player.instrument, seed: hashSeed(`${key.roomId}/${key.playerId}/${tf}`) });
      if (this.players.get(playerKey(key)) !== player) return void (await this.engine.closeStream(stream));
      const old = player.accompanist.swapStream(stream);
      player.stream = stream;
      player.timing = { tfMs: tf * 1000, kMs: k * 1000 };
      await this.engine.closeStream(old);
      this.logger.info({ ...key, tf, computeP99Ms, networkMs: round2(this.networkMs) }, 'AI player follows the measured latency: new t_f');
    } catch (err) {
      this.logger.warn({ err, ...key }, 'could not switch t_f');
    } finally {
      player.switching = false;
    }
  }

  /** Reports 'playing' as soon as the player's (new) stream has produced sound, or its failure. */
  private watchUntilPlaying(key: PlayerKey): void {
    const player = this.players.get(playerKey(key));
    if (!player) return;
    clearInterval(player.watch);
    player.watch = setInterval(() => {
      if (this.players.get(playerKey(key)) !== player) return clearInterval(player.watch);
      if (player.accompanist.error) {
        clearInterval(player.watch);
        this.status(key, 'error', player.accompanist.error.message);
      } else if (player.accompanist.playing) {
        clearInterval(player.watch);
        this.status(key, 'playing');
      }
    }, 20);
  }

  private status(key: PlayerKey, state: AiPhase, message?: string, metrics?: AiMetrics): void {
    if (this.socket.connected) this.socket.emit('status', { ...key, state, message, metrics });
  }

  /** Per-player metrics: step compute time, late frames, queue depth, the level follower's gain. */
  private report(key: PlayerKey): void {
    const player = this.players.get(playerKey(key));
    if (!player) return;
    const { lateFrames, concealedFrames, queueDepth, skippedTicks, packetsIn, packetsOut } = player.accompanist.metrics;
    const compute = this.engine.batcher.recentComputeMs();
    if (compute) void this.followLatency(key, player, compute.p99);
    const metrics: AiMetrics = {
      ...player.timing,
      tfFollows: player.follower !== undefined,
      networkMs: round2(this.networkMs),
      ...(compute && { stepMedianMs: round2(compute.median), stepP99Ms: round2(compute.p99) }),
      lateFrames,
      concealedFrames,
      queueDepth,
      skippedTicks,
      packetsIn,
      packetsOut,
      followGainDb: round2(player.accompanist.level.gainDb),
      onGrid: player.accompanist.onGrid,
    };
    player.reports = (player.reports ?? 0) + 1;
    if (player.reports % LOG_EVERY === 0) this.logger.info({ ...key, instrument: player.instrument, ...metrics }, 'AI player metrics');
    this.status(key, player.accompanist.error ? 'error' : player.accompanist.playing ? 'playing' : 'warming', player.accompanist.error?.message, metrics);
  }

  private retry(delayMs: number): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.closed) this.socket.connect();
    }, delayMs);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.probeTimer);
    for (const p of [...this.players.values()]) void this.handlers.stop({ roomId: p.roomId, playerId: p.playerId });
    this.socket.close();
    void this.pacer.close();
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function hashSeed(text: string): number {
  let h = 2166136261;
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}
