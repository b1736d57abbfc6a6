import { io, type Socket } from 'socket.io-client';
import { AGENT_NAMESPACE, agentCommands, type AgentCommand, type AiMetrics, type AiPhase } from '@bandmate/shared';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { InferenceConfig } from '../config.ts';
import type { AccompanimentEngine } from '../engine/engine.ts';
import type { AccompanimentStream } from '../engine/accompaniment-stream.ts';
import { Accompanist } from './accompanist.ts';

type Handlers = { [C in AgentCommand]: (payload: z.infer<(typeof agentCommands)[C]>) => Promise<unknown> };

/** The room's UI shows the metrics every STATUS interval; the log gets one line per LOG interval. */
const STATUS_INTERVAL_MS = 2_000;
const LOG_EVERY = 5;
/** After the SFU refused or dropped this worker, it asks again this much later. */
const REFUSED_RETRY_MS = 5_000;

/**
 * The AI as a room participant run by a worker (like LiveKit's agents): connects to
 * the SFU, and per room it is asked to join, it hears the musicians and plays back.
 */
export class AgentClient {
  private readonly socket: Socket;
  private closed = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly rooms = new Map<
    string,
    { accompanist: Accompanist; stream?: AccompanimentStream; timer?: ReturnType<typeof setInterval>; reports?: number; timing?: { tfMs: number; kMs: number } }
  >();

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
      this.socket.emit('hello', { model: `${m.name} ${m.version}`, instruments: m.instruments, provider: engine.model.provider });
    });
    if (!config.secret) logger.error('AGENT_SECRET is not set: the SFU will refuse this worker (give both the same secret)');
    this.socket.on('disconnect', (reason) => {
      logger.warn('disconnected from the SFU; stopping all rooms');
      for (const roomId of [...this.rooms.keys()]) void this.handlers.stop({ roomId });
      // socket.io does not reconnect by itself after the server closed the connection.
      if (reason === 'io server disconnect') this.retry();
    });
    this.socket.on('connect_error', (err: Error & { data?: { code?: string; message?: string } }) => {
      const code = err.data?.code;
      if (code === 'agent_unauthorised') logger.error({ code }, `the SFU refused this worker: ${err.message}`);
      else if (code === 'agent_busy') logger.warn({ code }, `the SFU refused this worker: ${err.message}`);
      else logger.debug({ err: err.message }, 'SFU not reachable yet');
      // A refusal by the SFU's middleware is final for socket.io; try again later (the other worker may go).
      if (!this.socket.active) this.retry();
    });
    for (const name of Object.keys(agentCommands) as AgentCommand[]) {
      this.socket.on(name, (payload: unknown, ack: (r: unknown) => void) => {
        const parsed = agentCommands[name].safeParse(payload);
        if (!parsed.success) return ack({ ok: false, error: `malformed ${name}` });
        (this.handlers[name] as (p: unknown) => Promise<unknown>)(parsed.data).then(
          (data) => ack({ ok: true, data }),
          (err: Error) => ack({ ok: false, error: err.message }),
        );
      });
    }
  }

  private readonly handlers: Handlers = {
    prepare: async ({ roomId }) => {
      await this.handlers.stop({ roomId });
      const accompanist = await Accompanist.open({ jitterTargetMs: this.config.jitterMs, listenIp: this.config.listenIp });
      this.rooms.set(roomId, { accompanist });
      return { ip: this.config.listenIp, port: accompanist.port };
    },
    start: async ({ roomId, instrument, volume, returnIp, returnPort, ssrc, payloadType }) => {
      const room = this.rooms.get(roomId);
      if (!room) throw new Error('prepare the room first');
      const m = this.engine.manifest;
      const k = this.config.k ?? m.samplesPerFrame / m.sampleRate;
      const tf = this.config.tf ?? Math.min(m.trainedTf.max, -(this.config.jitterMs / 1000) - 2 * k);
      if (-tf * 1000 <= this.config.jitterMs) {
        throw new Error(`t_f = ${tf} s cannot cover the ${this.config.jitterMs} ms jitter buffer: the AI would always be late`);
      }
      room.stream = await this.engine.openStream({ tf, k, instrument, seed: hashSeed(roomId) });
      room.accompanist.start({ stream: room.stream, sendTo: { ip: returnIp, port: returnPort }, ssrc, payloadType, volume });
      this.status(roomId, 'warming');
      this.logger.info({ roomId, instrument, tf, k }, 'AI joined the room');
      room.timing = { tfMs: tf * 1000, kMs: k * 1000 };
      room.timer = setInterval(() => this.report(roomId), STATUS_INTERVAL_MS);
      const waitForSound = setInterval(() => {
        if (!this.rooms.has(roomId)) return clearInterval(waitForSound);
        if (room.accompanist.error) {
          clearInterval(waitForSound);
          this.status(roomId, 'error', room.accompanist.error.message);
        } else if (room.accompanist.playing) {
          clearInterval(waitForSound);
          this.status(roomId, 'playing');
        }
      }, 50);
      return {};
    },
    routes: async ({ roomId, routes }) => {
      this.rooms.get(roomId)?.accompanist.setRoutes(routes);
      return {};
    },
    volume: async ({ roomId, volume }) => {
      const room = this.rooms.get(roomId);
      if (room) room.accompanist.volume = volume;
      return {};
    },
    stop: async ({ roomId }) => {
      const room = this.rooms.get(roomId);
      if (!room) return {};
      this.rooms.delete(roomId);
      clearInterval(room.timer);
      room.accompanist.close();
      if (room.stream) await this.engine.closeStream(room.stream);
      this.status(roomId, 'stopped');
      return {};
    },
  };

  private status(roomId: string, state: AiPhase, message?: string, metrics?: AiMetrics): void {
    if (this.socket.connected) this.socket.emit('status', { roomId, state, message, metrics });
  }

  /** Per-room metrics: step compute time, late frames, queue depth. */
  private report(roomId: string): void {
    const room = this.rooms.get(roomId);
    if (!room) return;
    const { lateFrames, concealedFrames, queueDepth, skippedTicks, packetsIn, packetsOut } = room.accompanist.metrics;
    const compute = this.engine.batcher.recentComputeMs();
    const metrics: AiMetrics = {
      ...room.timing,
      ...(compute && { stepMedianMs: round2(compute.median), stepP99Ms: round2(compute.p99) }),
      lateFrames,
      concealedFrames,
      queueDepth,
      skippedTicks,
      packetsIn,
      packetsOut,
    };
    room.reports = (room.reports ?? 0) + 1;
    if (room.reports % LOG_EVERY === 0) this.logger.info({ roomId, ...metrics }, 'AI room metrics');
    this.status(roomId, room.accompanist.playing ? 'playing' : 'warming', undefined, metrics);
  }

  private retry(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.closed) this.socket.connect();
    }, REFUSED_RETRY_MS);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    for (const roomId of [...this.rooms.keys()]) void this.handlers.stop({ roomId });
    this.socket.close();
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
