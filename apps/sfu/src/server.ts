import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SfuConfig } from './config.ts';
import type { Logger } from './logger.ts';
import { AgentHub } from './agents/agent-hub.ts';
import { AiController } from './agents/ai-controller.ts';
import { createHttpApi, type RoomDirectory } from './http/http-api.ts';
import { socketRoom } from './signalling/connection.ts';
import { WorkerPool } from './media/worker-pool.ts';
import { RoomRegistry, type RoomStore } from './rooms/room-registry.ts';
import type { ParticipantLog } from './signalling/connection.ts';
import { attachSignalling } from './signalling/signalling-server.ts';

export type SfuStore = RoomStore & RoomDirectory & ParticipantLog;

export interface RunningSfu {
  url: string;
  port: number;
  registry: RoomRegistry;
  agents: AgentHub;
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
  const controllers = new Map<string, AiController>();
  const io = attachSignalling(httpServer, live, store, (roomId) => controllers.get(roomId), {
    corsOrigins: config.corsOrigins,
    rateLimit: config.rateLimit,
    logger,
  });
  const hub = new AgentHub(io, config.agent.secret, logger);
  // Every live room has an AI controller; it lives and dies with the room.
  live.on('roomOpened', (room) => {
    const controller = new AiController(room, hub, { agentIp: config.agent.ip, listenIp: config.agent.ip, logger });
    controllers.set(room.id, controller);
    controller.on('state', (state) => io.to(socketRoom(room.id)).emit('aiState', state));
    room.once('close', () => {
      controller.close();
      if (controllers.get(room.id) === controller) controllers.delete(room.id);
    });
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
    agents: hub,
    async close() {
      live.closeAll();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await pool.close();
    },
  };
}
