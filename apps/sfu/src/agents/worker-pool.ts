import { SignalRequestError } from '@bandmate/shared';

/** What a worker said of itself when it connected. */
export interface AgentInfo {
  model: string;
  instruments: string[];
  provider: string;
  /** AI players it runs in real time at most (INFERENCE_MAX_PLAYERS on the worker). */
  capacity: number;
}

export interface PoolWorker<H> {
  id: string;
  info: AgentInfo;
  handle: H;
  /** Players placed on it, as `roomId/playerId`. */
  players: Set<string>;
  /** Order of arrival: of two equally loaded workers the older one gets the next player. */
  order: number;
}

export const playerKeyOf = (key: { roomId: string; playerId: string }) => `${key.roomId}/${key.playerId}`;

/**
 * The inference workers connected to this SFU and which AI player runs on which, as LiveKit
 * dispatches agent jobs: each new player goes to the least-loaded worker (players over capacity)
 * that plays its instrument; a full pool refuses with `ai_pool_full`; a worker that goes hands
 * back its players so they can be placed on the others.
 */
export class WorkerPool<H> {
  private readonly workers = new Map<string, PoolWorker<H>>();
  private readonly placed = new Map<string, PoolWorker<H>>();
  private arrivals = 0;

  constructor(readonly maxWorkers: number) {}

  get size(): number {
    return this.workers.size;
  }

  get full(): boolean {
    return this.workers.size >= this.maxWorkers;
  }

  add(id: string, info: AgentInfo, handle: H): PoolWorker<H> {
    const worker = { id, info, handle, players: new Set<string>(), order: this.arrivals++ };
    this.workers.set(id, worker);
    return worker;
  }

  get(id: string): PoolWorker<H> | undefined {
    return this.workers.get(id);
  }

  all(): PoolWorker<H>[] {
    return [...this.workers.values()];
  }

  /** Takes a worker out; returns the players that ran on it (to be placed again). */
  remove(id: string): string[] {
    const worker = this.workers.get(id);
    if (!worker) return [];
    this.workers.delete(id);
    for (const key of worker.players) this.placed.delete(key);
    return [...worker.players];
  }

  /** Every instrument some worker plays, in the order the oldest workers list them. */
  instruments(): string[] {
    const all = new Set<string>();
    for (const w of [...this.workers.values()].sort((a, b) => a.order - b.order)) for (const i of w.info.instruments) all.add(i);
    return [...all];
  }

  workerOf(key: string): PoolWorker<H> | undefined {
    return this.placed.get(key);
  }

  /** Workers running any player of the room (a room-wide command goes to each). */
  roomWorkers(roomId: string): PoolWorker<H>[] {
    return [...this.workers.values()].filter((w) => [...w.players].some((k) => k.startsWith(`${roomId}/`)));
  }

  /** Places a player on the least-loaded worker that plays `instrument` (where it is, if it is placed already). */
  place(key: string, instrument: string): PoolWorker<H> {
    const current = this.placed.get(key);
    if (current?.info.instruments.includes(instrument)) return current;
    if (current) this.unplace(key);
    if (this.workers.size === 0) throw new SignalRequestError('ai_unavailable', 'no AI worker is connected; try again when one is');
    const able = [...this.workers.values()].filter((w) => w.info.instruments.includes(instrument));
    if (able.length === 0) throw new SignalRequestError('ai_instrument_unavailable', `no AI worker plays "${instrument}"; they play ${this.instruments().join(', ')}`);
    const free = able.filter((w) => w.players.size < w.info.capacity);
    if (free.length === 0) {
      const seats = able.reduce((n, w) => n + w.info.capacity, 0);
      throw new SignalRequestError('ai_pool_full', `every AI worker that plays ${instrument} is busy (${seats} players running); try again later`);
    }
    const best = free.sort((a, b) => a.players.size / a.info.capacity - b.players.size / b.info.capacity || a.players.size - b.players.size || a.order - b.order)[0]!;
    best.players.add(key);
    this.placed.set(key, best);
    return best;
  }

  unplace(key: string): void {
    this.placed.get(key)?.players.delete(key);
    this.placed.delete(key);
  }

  /** Players running and seats, over the whole pool. */
  load(): { workers: number; players: number; capacity: number } {
    let players = 0;
    let capacity = 0;
    for (const w of this.workers.values()) {
      players += w.players.size;
      capacity += w.info.capacity;
    }
    return { workers: this.workers.size, players, capacity };
  }
}
