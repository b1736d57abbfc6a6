import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SfuConfig } from './config.ts';
import type { Logger } from './logger.ts';
import { createHttpApi, type RoomDirectory } from './http/http-api.ts';
import { WorkerPool } from './media/worker-pool.ts';
import { RoomRegistry, type RoomStore } from './rooms/room-registry.ts';
import type { ParticipantLog } from './signalling/connection.ts';
import { attachSignalling } from './signalling/signalling-server.ts';

export type SfuStore = RoomStore & RoomDirectory & ParticipantLog;

export interface RunningSfu {
  url: string;
  port: number;
  registry: RoomRegistry;
  close(): Promise<void>;
}

/** Builds and starts the whole SFU service; main.ts and the tests both use it. */
export async function startSfu(config: SfuConfig, store: SfuStore, logger: Logger): Promise<RunningSfu> {
  let registry: RoomRegistry | undefined;
  const pool = await WorkerPool.create(
    { size: config.workers, rtcMinPort: config.rtc.minPort, rtcMaxPort: config.rtc.maxPort, logger },
    (worker) => registry?.closeRoomsOnWorker(worker),
  );
  registry = new RoomRegistry(pool, store, { rtc: config.rtc, maxPeersPerRoom: config.maxPeersPerRoom, logger });
  const live = registry;
  const startedAt = Date.now();
  const handle = createHttpApi({
    rooms: store,
    liveParticipants: (id) => live.liveParticipantCount(id),
    defaultMaxParticipants: config.maxPeersPerRoom,
    corsOrigins: config.corsOrigins,
    health: () => ({ service: 'sfu', workers: pool.size, uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) }),
    logger,
  });
  const httpServer = createServer((req, res) => void handle(req, res));
  const io = attachSignalling(httpServer, live, store, {
    corsOrigins: config.corsOrigins,
    rateLimit: config.rateLimit,
    logger,
  });
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, resolve);
  });
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  logger.info({ url, workers: pool.size, announcedAddress: config.rtc.announcedAddress }, 'sfu listening');
  return {
    url,
    port,
    registry: live,
    async close() {
      live.closeAll();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await pool.close();
    },
  };
}
