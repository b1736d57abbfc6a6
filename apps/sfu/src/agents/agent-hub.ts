import { createHash, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Server, Socket } from 'socket.io';
import {
  AGENT_NAMESPACE,
  AGENT_LATENCY_PROBE,
  agentAckSchema,
  agentLatencyProbeSchema,
  agentCommands,
  agentHelloSchema,
  agentReplies,
  type AgentReply,
  agentStatusSchema,
  type AgentCommand,
  type ErrorCode,
} from '@bandmate/shared';
import { isLoopbackAddress } from '@bandmate/shared/scrape-access';
import type { z } from 'zod';
import type { Logger } from '../logger.ts';
import { playerKeyOf, WorkerPool, type AgentInfo } from './worker-pool.ts';

export type { AgentInfo };

interface HubEvents {
  /** A worker joined the pool (players waiting for one can start). */
  connected: [info: AgentInfo];
  /** A worker left the pool; these players (`roomId/playerId`) ran on it and run nowhere now. */
  disconnected: [lost: string[]];
  /** A player left its worker: a player waiting for a seat may take it. */
  seatFreed: [];
  status: [status: z.infer<typeof agentStatusSchema>];
}

/** AI players a worker runs when its hello does not say (the 2-core machine's measured real-time figure). */
export const DEFAULT_WORKER_CAPACITY = 4;

const COMMAND_TIMEOUT_MS = 10_000;

/** A command the worker refused or failed, with its code in the shared error model. */
export class AgentCommandError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AgentCommandError';
  }
}

/** A refused `/agent` handshake: the worker's connect_error carries `data: { code, message }`. */
export class AgentRefusedError extends Error {
  readonly data: { code: ErrorCode; message: string };

  constructor(code: Extract<ErrorCode, 'agent_unauthorised' | 'agent_busy'>, message: string) {
    super(message);
    this.data = { code, message };
  }
}

/**
 * The SFU's end of the inference workers' connections (socket.io namespace `/agent`): a pool of
 * workers (WorkerPool) over which the rooms' AI players are placed, each on the least-loaded
 * worker that plays its instrument; the players of a worker that goes are handed back to be
 * placed on the others.
 *
 * A worker hears every musician and plays into the room, so only a holder of AGENT_SECRET may be
 * one. There is no address-based fallback: behind a reverse proxy on the same host every client
 * is loopback. Without a secret configured the namespace admits nobody. Beyond SFU_AGENT_MAX_WORKERS
 * a worker is refused (`agent_busy`) rather than replacing one.
 */
export class AgentHub extends EventEmitter<HubEvents> {
  private readonly pool: WorkerPool<Socket>;
  private readonly secretDigest: Buffer | undefined;

  constructor(io: Server, secret: string | undefined, private readonly logger: Logger, options: { maxWorkers?: number } = {}) {
    super();
    this.pool = new WorkerPool(options.maxWorkers ?? 8);
    this.secretDigest = secret === undefined ? undefined : digest(secret);
    if (!secret) logger.warn('AGENT_SECRET is not set: the AI worker cannot connect (set the same one for the SFU and the worker)');
    const ns = io.of(AGENT_NAMESPACE);
    ns.use((socket, next) => {
      const refusal = this.refusal(socket);
      if (refusal) this.logger.warn({ address: socket.handshake.address, code: refusal.data.code }, 'AI worker connection refused');
      next(refusal);
    });
    ns.on('connection', (socket) => this.accept(socket));
  }

  /** The pool as one worker: the oldest's model, every instrument any plays, the seats of all; undefined without workers. */
  get info(): AgentInfo | undefined {
    const workers = this.pool.all();
    if (workers.length === 0) return undefined;
    const oldest = workers.reduce((a, b) => (a.order < b.order ? a : b));
    return { ...oldest.info, instruments: this.pool.instruments(), capacity: this.pool.load().capacity };
  }

  /** Each worker in the pool: its seats and the players placed on it (`roomId/playerId`), oldest first. */
  workers(): Array<{ id: string; order: number; model: string; capacity: number; players: number; keys: string[] }> {
    return this.pool
      .all()
      .sort((a, b) => a.order - b.order)
      .map((w) => ({ id: w.id, order: w.order, model: w.info.model, capacity: w.info.capacity, players: w.players.size, keys: [...w.players] }));
  }

  /** Workers, players running and seats (metrics, the operator's view). */
  load(): { workers: number; players: number; capacity: number } {
    return this.pool.load();
  }

  /**
   * Lets the connected workers go (to drain them or move them): the rooms see their players as
   * lost, and each worker connects again by itself after a short wait.
   */
  release(): void {
    for (const w of this.pool.all()) w.handle.disconnect(true);
  }

  /** Places a player on a worker before its `prepare` (throws ai_unavailable / ai_instrument_unavailable / ai_pool_full). */
  place(key: { roomId: string; playerId: string }, instrument: string): string {
    return this.pool.place(playerKeyOf(key), instrument).id;
  }

  /** Whether the player's worker plays `instrument` (an instrument change stays on it). */
  runsOn(key: { roomId: string; playerId: string }, instrument: string): boolean {
    return this.pool.workerOf(playerKeyOf(key))?.info.instruments.includes(instrument) ?? false;
  }

  /**
   * Where the player's worker takes the room's RTP: the address its connection comes from (or the
   * loopback address it named, both on this host); undefined: the SFU's own agent address.
   */
  mediaAddressOf(key: { roomId: string; playerId: string }): string | undefined {
    return (this.pool.workerOf(playerKeyOf(key))?.handle.data as { mediaAddress?: string } | undefined)?.mediaAddress;
  }

  unplace(key: { roomId: string; playerId: string }): void {
    const k = playerKeyOf(key);
    if (!this.pool.workerOf(k)) return;
    this.pool.unplace(k);
    this.emit('seatFreed');
  }

  /**
   * Sends a player's command to the worker it is placed on and reads its acknowledgement against
   * the protocol; a refusal throws AgentCommandError.
   */
  async command<C extends Exclude<AgentCommand, 'tempo'>>(name: C, payload: z.infer<(typeof agentCommands)[C]>): Promise<AgentReply<C>> {
    const worker = this.pool.workerOf(playerKeyOf(payload));
    if (!worker) throw new AgentCommandError('ai_unavailable', 'no AI worker runs this player');
    return this.send(worker.handle, name, payload);
  }

  /** The room's grid, to every worker that runs one of its players. */
  async tempo(payload: z.infer<(typeof agentCommands)['tempo']>): Promise<void> {
    await Promise.all(this.pool.roomWorkers(payload.roomId).map((w) => this.send(w.handle, 'tempo', payload)));
  }

  private async send<C extends AgentCommand>(socket: Socket, name: C, payload: z.infer<(typeof agentCommands)[C]>): Promise<AgentReply<C>> {
    const ack = agentAckSchema.safeParse(await socket.timeout(COMMAND_TIMEOUT_MS).emitWithAck(name, agentCommands[name].parse(payload)));
    if (!ack.success) throw new AgentCommandError('internal', `${name}: the AI worker answered outside the protocol`);
    if (!ack.data.ok) throw new AgentCommandError(ack.data.error.code, `${name}: ${ack.data.error.message}`);
    const reply = agentReplies[name].safeParse(ack.data.data);
    if (!reply.success) throw new AgentCommandError('internal', `${name}: the AI worker's reply is malformed`);
    return reply.data as AgentReply<C>;
  }

  private refusal(socket: Socket): AgentRefusedError | undefined {
    if (!this.secretDigest) return new AgentRefusedError('agent_unauthorised', 'this SFU has no AGENT_SECRET; set the same one for the SFU and the worker');
    const given = (socket.handshake.auth as { secret?: unknown } | undefined)?.secret;
    // Digests of equal length, so neither the comparison time nor a length check tells how much matched.
    if (typeof given !== 'string' || !timingSafeEqual(digest(given), this.secretDigest)) {
      return new AgentRefusedError('agent_unauthorised', 'wrong or missing AGENT_SECRET');
    }
    if (this.pool.full) return new AgentRefusedError('agent_busy', `this SFU has its ${this.pool.maxWorkers} AI workers already (SFU_AGENT_MAX_WORKERS)`);
    return undefined;
  }

  private accept(socket: Socket): void {
    socket.once('hello', (payload: unknown) => {
      const hello = agentHelloSchema.safeParse(payload);
      // Workers that passed the handshake together while the pool had one seat: the first hello gets it.
      if (!hello.success || this.pool.full || socket.disconnected) {
        socket.disconnect(true);
        return;
      }
      const { maxPlayers, rtpAddress, ...about } = hello.data;
      const info = { ...about, capacity: maxPlayers ?? DEFAULT_WORKER_CAPACITY };
      const observed = socket.handshake.address;
      socket.data.mediaAddress = workerMediaAddress(rtpAddress, observed);
      if (rtpAddress && socket.data.mediaAddress !== rtpAddress) {
        this.logger.warn({ named: rtpAddress, observed }, 'an AI worker named an RTP address it does not connect from: its audio goes where it connects from');
      }
      this.pool.add(socket.id, info, socket);
      this.logger.info({ ...info, workers: this.pool.size }, 'AI worker connected');
      this.emit('connected', info);
    });
    // The worker times its round trip to choose its look-ahead (t_f): answered at once, nothing else.
    socket.on(AGENT_LATENCY_PROBE, (payload: unknown, ack?: unknown) => {
      if (typeof ack === 'function' && agentLatencyProbeSchema.safeParse(payload).success) ack({});
    });
    socket.on('status', (payload: unknown) => {
      const status = agentStatusSchema.safeParse(payload);
      // Only about a player placed on this worker: one worker cannot speak for another's.
      if (status.success && this.pool.workerOf(playerKeyOf(status.data))?.handle === socket) this.emit('status', status.data);
    });
    socket.on('disconnect', () => {
      if (!this.pool.get(socket.id)) return;
      const lost = this.pool.remove(socket.id);
      this.logger.warn({ players: lost.length, workers: this.pool.size }, 'AI worker disconnected');
      this.emit('disconnected', lost);
    });
  }
}

/**
 * A worker's RTP address. The room's audio must go to the worker itself, not to whatever address
 * it names (anyone holding the secret could otherwise send a room's audio to a third host): the
 * named address is taken when the connection comes from it, or when both are loopback (a worker on
 * this host bound to 127.0.0.x); else the connection's own address. A loopback connection that
 * names nothing gets undefined: the SFU's configured agent address, as before workers named one.
 */
export function workerMediaAddress(named: string | undefined, connectedFrom: string): string | undefined {
  const observed = connectedFrom.replace(/^::ffff:/, '');
  if (named && (named === observed || (isLoopbackAddress(named) && isLoopbackAddress(observed)))) return named;
  return isLoopbackAddress(observed) ? undefined : observed;
}

function digest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}
