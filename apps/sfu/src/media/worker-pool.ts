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
 * One mediasoup worker per core; rooms are spread round-robin. A worker that
 * dies takes its rooms with it, so the pool replaces it and reports which died
 * so the registry can close those rooms (clients then rejoin).
 */
export class WorkerPool {
  private readonly workers: types.Worker[] = [];
  private next = 0;
  private closed = false;

  private constructor(
    private readonly options: WorkerPoolOptions,
    private readonly onWorkerDied: (worker: types.Worker) => void,
  ) {}

  static async create(options: WorkerPoolOptions, onWorkerDied: (worker: types.Worker) => void = () => {}) {
    const pool = new WorkerPool(options, onWorkerDied);
    for (let i = 0; i < options.size; i++) pool.workers.push(await pool.spawn());
    return pool;
  }

  get size(): number {
    return this.workers.length;
  }

  pick(): types.Worker {
    const worker = this.workers[this.next % this.workers.length];
    this.next++;
    if (!worker) throw new Error('worker pool is empty');
    return worker;
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
      this.onWorkerDied(worker);
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
