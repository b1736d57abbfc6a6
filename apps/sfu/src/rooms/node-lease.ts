import type { Logger } from '../logger.ts';

/** What the lease needs from persistence (RoomNodesRepository). */
export interface NodeLeaseStore {
  registerNode(node: { id: string; url: string | null }): Promise<void>;
  heartbeat(id: string, load: { rooms: number; peers: number }): Promise<void>;
  releaseNode(id: string): Promise<void>;
}

export interface NodeLeaseOptions {
  id: string;
  url: string | null;
  leaseMs: number;
  load: () => { rooms: number; peers: number };
  /** After each heartbeat: take over the rooms of nodes that died (RoomRegistry.resumeInterrupted). */
  afterBeat: () => Promise<unknown>;
  logger: Logger;
}

/**
 * This SFU node's lease on its rooms, in the database every node shares: renewed by a heartbeat
 * that also records the node's load, and given up at a stop so that another node may take its
 * rooms at once instead of after the lease.
 */
export class NodeLease {
  private timer: ReturnType<typeof setInterval> | undefined;
  private beating: Promise<void> | undefined;

  constructor(
    private readonly store: NodeLeaseStore,
    private readonly options: NodeLeaseOptions,
  ) {}

  async start(): Promise<void> {
    await this.store.registerNode({ id: this.options.id, url: this.options.url });
    // Every third of the lease: two heartbeats can be lost before the node counts as dead.
    this.timer = setInterval(() => {
      // A beat still running (a slow database) is not stacked on.
      this.beating ??= this.beat().finally(() => (this.beating = undefined));
    }, Math.round(this.options.leaseMs / 3));
    this.timer.unref();
  }

  async stop(options: { release: boolean }): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
    if (options.release) await this.store.releaseNode(this.options.id).catch((err: unknown) => this.options.logger.warn({ err }, 'could not give up the node lease'));
  }

  private async beat(): Promise<void> {
    try {
      await this.store.heartbeat(this.options.id, this.options.load());
      await this.options.afterBeat();
    } catch (err) {
      this.options.logger.warn({ err, node: this.options.id }, 'node heartbeat failed');
    }
  }
}
