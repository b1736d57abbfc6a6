import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { Logger } from '../logger.ts';

export interface WorkerPoolOptions {
  size: number;
  rtcMinPort: number;
  rtcMaxPort: number;
  logger: Logger;
}

/**
 * One mediasoup worker per core; rooms are spread round-robin over the live ones. A worker that
 * dies is replaced; its rooms move themselves to a live worker (Room.moveTo).
 */
export class WorkerPool {
  private readonly workers: types.Worker[] = [];
  private next = 0;
  private closed = false;

  private constructor(private readonly options: WorkerPoolOptions) {}

  static async create(options: WorkerPoolOptions) {
    const pool = new WorkerPool(options);
    for (let i = 0; i < options.size; i++) pool.workers.push(await pool.spawn());
    return pool;
  }

  get size(): number {
    return this.workers.length;
  }

  /** The workers now (the dead ones until replaced). */
  get all(): types.Worker[] {
    return [...this.workers];
  }

  pick(): types.Worker {
    const live = this.workers.filter((w) => !w.died && !w.closed);
    const worker = live[this.next % Math.max(1, live.length)];
    this.next++;
    if (!worker) throw new Error('no live mediasoup worker');
    return worker;
  }

  /** A live worker, waiting up to `timeoutMs` for a dead one's replacement (a pool of one). */
  async pickLive(timeoutMs = 10_000): Promise<types.Worker> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      try {
        return this.pick();
      } catch (err) {
        if (this.closed || Date.now() > end) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const worker of this.workers) worker.close();
    this.workers.length = 0;
  }

  private async spawn(): Promise<types.Worker> {
    const worker = await mediasoup.createWorker({
      logLevel: 'warn',
      rtcMinPort: this.options.rtcMinPort,
      rtcMaxPort: this.options.rtcMaxPort,
    });
    worker.on('died', (error) => {
      this.options.logger.error({ pid: worker.pid, err: error }, 'mediasoup worker died; replacing it');
      const index = this.workers.indexOf(worker);
      if (this.closed || index < 0) return;
      this.spawn()
        .then((replacement) => {
          this.workers[index] = replacement;
        })
        .catch((err) => this.options.logger.fatal({ err }, 'could not replace a mediasoup worker'));
    });
    this.options.logger.info({ pid: worker.pid }, 'mediasoup worker started');
    return worker;
  }
}
