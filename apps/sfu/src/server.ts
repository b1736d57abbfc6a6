import { lookup } from 'node:dns/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metricsRoutes } from '@bandmate/shared/scrape-access';
import type { SfuConfig } from './config.ts';
import type { Logger } from './logger.ts';
import { AgentHub } from './agents/agent-hub.ts';
import { AiBand } from './agents/ai-band.ts';
import { keepAiLineup } from './agents/ai-lineup.ts';
import { DemoRooms } from './demo/demo-rooms.ts';
import { createHttpApi, type RoomDirectory } from './http/http-api.ts';
import { OriginPolicy } from './http/origin-policy.ts';
import { socketRoom } from './signalling/connection.ts';
import { WorkerPool } from './media/worker-pool.ts';
import { RoomRegistry, type RoomStore } from './rooms/room-registry.ts';
import { NodeLease, type NodeLeaseStore } from './rooms/node-lease.ts';
import { SfuMetrics } from './metrics/sfu-metrics.ts';
import { removeAccount } from './rooms/host-controls.ts';
import type { ParticipantLog } from './signalling/connection.ts';
import { attachSignalling } from './signalling/signalling-server.ts';
import { LobbyFeed, tellingLobby } from './lobby/lobby-feed.ts';
import { EdgePlacement } from './edge/edge-placement.ts';
import { openPostgresBus } from './lobby/postgres-bus.ts';
import { createAccessControl, type AccessControlStore } from './auth/access-control.ts';
import { createMailer } from './mail/mailer.ts';
import type { RoomAccess } from './auth/room-access.ts';
import type { ChatStore } from './signalling/chat-handlers.ts';
import { wireMetronome, type TempoStore } from './signalling/metronome-fanout.ts';
import type { RecordingRepository } from './db/types.ts';
import type { RecordingService } from './recording/recording-service.ts';
import { setUpRecordings } from './recording/room-recordings.ts';
import { EdgeRooms } from './edge/edge-rooms.ts';
import { servePipes } from './edge/pipe-server.ts';

export type SfuStore = RoomStore & NodeLeaseStore & RoomDirectory & ParticipantLog & ChatStore & TempoStore & AccessControlStore & RecordingRepository;

export interface RunningSfu {
  url: string;
  port: number;
  registry: RoomRegistry;
  agents: AgentHub;
  /** Current user, room ownership/membership and join rules (apps/sfu/src/auth/room-access.ts). */
  access: RoomAccess;
  /** Recording rooms (apps/sfu/src/recording). */
  recordings: RecordingService;
  /**
   * Stops the service. `suspend`: a restart (SIGTERM, SIGINT): the live rooms' records keep their
   * sessions, locks and hosts and the people's stays, so the next process resumes them and the
   * pages rejoin by themselves; without it every room is closed for good.
   */
  close(options?: { suspend?: boolean }): Promise<void>;
}

/** Builds and starts the whole SFU service; main.ts and the tests both use it. */
export async function startSfu(config: SfuConfig, database: SfuStore, logger: Logger): Promise<RunningSfu> {
  // Every write that changes what the lobby lists tells the lobby pages, on every node.
  const lobby = new LobbyFeed(logger);
  const store = tellingLobby(database, lobby.changed);
  const pool = await WorkerPool.create({ size: config.workers, rtcMinPort: config.rtc.minPort, rtcMaxPort: config.rtc.maxPort, logger });
  const registry = new RoomRegistry(pool, store, {
    rtc: config.rtc,
    maxPeersPerRoom: config.maxPeersPerRoom,
    maxPeersPerAccount: config.maxPeersPerAccount,
    moveGraceMs: config.returnGraceMs,
    node: { nodeId: config.node.id, leaseMs: config.node.leaseMs },
    placementMargin: config.node.placementMargin,
    ownLoad: (): number => forwardingLoad(),
    logger,
  });
  const live = registry;
  const startedAt = Date.now();
  const mailer = createMailer(config.mail, logger);
  logger.info({ mail: mailer.describe }, 'mail goes here');
  const control = createAccessControl({
    config: config.auth,
    databaseUrl: config.databaseUrl,
    store,
    mail: { mailer, webUrl: config.mail.webUrl },
    liveRoom: (id) => live.get(id),
    endLiveMembership: (roomId, userId) => {
      const room = live.get(roomId);
      if (room) removeAccount(room, userId);
    },
    logger,
  });
  const recordings = setUpRecordings({ settings: config.recordings, store, accounts: control.access, logger });
  await recordings.service.recoverUnfinished({ liveElsewhere: async (roomId) => (await registry.elsewhere(roomId, { place: false }))?.nodeId ?? null });
  const demos = new DemoRooms({
    createRoom: (input) => store.createRoom(input),
    listenIp: config.agent.ip,
    maxRooms: config.demo.maxRooms,
    addressOf: (req) => control.access.addressOfRequest(req),
    logger: logger.child({ demo: true }),
  });
  const metrics = new SfuMetrics({
    rooms: () => live.liveRooms(),
    aiStates: () => [...bands.values()].map((band) => band.state),
    mediasoupWorkers: () => pool.all,
    aiPool: () => hub.load(),
    recordings: () => recordings.service.load(),
    relayedConnections: () => signalling.relayedConnections(),
    edges: () => edges?.load() ?? { rooms: 0, listeners: 0, streams: 0, consumers: 0 },
    pipes: () => pipes.pipes(),
    placedListeners: () => placement?.count ?? 0,
  });
  recordings.service.on('saved', (_roomId, saved) => metrics.recordingsSaved.inc({ status: saved.status }));
  /** What keeps this SFU from taking rooms now (empty: ready). */
  const ready = async (): Promise<string[]> => {
    const missing: string[] = [];
    if (!pool.all.some((w) => !w.died && !w.closed)) missing.push('no live mediasoup worker');
    await store.getRoom('readiness-probe').catch((err: Error) => missing.push(`the database does not answer: ${err.message}`));
    return missing;
  };
  const origins = new OriginPolicy(config.corsOrigins);
  const handle = createHttpApi({
    rooms: store,
    liveParticipants: (id) => live.get(id)?.peers.size,
    defaultMaxParticipants: config.maxPeersPerRoom,
    lobby: config.lobby,
    origins,
    health: () => ({ service: 'sfu', node: config.node.id, workers: pool.size, uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) }),
    logger,
    access: control.http,
    rawRoutes: [metricsRoutes({ registry: metrics.registry, token: config.metricsToken, ready }), recordings.httpRoute, demos.httpRoute],
  });
  const httpServer = createServer((req, res) => {
    res.once('finish', () => metrics.httpResponses.inc({ status: String(res.statusCode) }));
    void handle(req, res);
  });
  const bands = new Map<string, AiBand>();
  // PipeTransport.connect takes an address: a name (a Compose service) is resolved once, here.
  const pipeIp = (
    await lookup(config.edge.pipeAddress).catch((err: Error) => {
      throw new Error(`SFU_PIPE_ADDRESS ${config.edge.pipeAddress} does not resolve: ${err.message}`);
    })
  ).address;
  const edges = config.edge.listeners
    ? new EdgeRooms({ pool, rtc: config.rtc, pipeIp, linkToken: () => control.access.nodeLinkToken(config.node.id), logger })
    : undefined;
  // What a node carries, for placing rooms and listeners: the people it forwards to (its rooms'
  // people, less its listeners served by other nodes, plus other nodes' listeners it serves).
  const forwardingLoad = (): number => live.liveRooms().reduce((n, room) => n + room.peers.size, 0) - (placement?.count ?? 0) + (edges?.load().listeners ?? 0);
  const placement = config.node.url
    ? new EdgePlacement({
        nodeId: config.node.id,
        nodeUrl: config.node.url,
        liveNodes: () => store.liveNodes(config.node.leaseMs),
        ownLoad: forwardingLoad,
        margin: config.node.placementMargin,
        linkToken: () => control.access.nodeLinkToken(config.node.id),
        logger,
      })
    : undefined;
  const signalling = attachSignalling(httpServer, live, store, (roomId) => bands.get(roomId), {
    origins,
    corsOrigins: config.corsOrigins,
    rateLimit: config.rateLimit,
    logger,
    access: control.access,
    recordings,
    onError: (code) => metrics.errors.inc({ code, via: 'signalling' }),
    nodeId: config.node.id,
    edges,
    placement,
  });
  const io = signalling.io;
  const bus = config.bus ? await openPostgresBus(config.bus.url, logger) : undefined;
  await lobby.attach(io, { bus, limit: signalling.connectionLimit });
  // Other nodes serving this node's rooms to listeners pipe them from here.
  const pipes = servePipes(io, { room: (id) => live.get(id), nodeOfToken: (token) => control.access.nodeOfLinkToken(token), rtc: config.rtc, pipeIp, edges, logger });
  recordings.announceTo(io);
  const hub = new AgentHub(io, config.agent.secret, logger, { maxWorkers: config.agent.maxWorkers });
  // Every live room has its AI players (AiBand); they live and die with the room.
  live.on('roomOpened', (room) => {
    const band = new AiBand(room, hub, { listenIp: config.agent.ip, announcedIp: config.agent.announcedIp, logger });
    bands.set(room.id, band);
    band.on('state', (state) => io.to(socketRoom(room.id)).emit('aiState', state));
    keepAiLineup(room, band, store, logger);
    void demos.roomOpened(room, band);
    room.once('close', () => {
      if (bands.get(room.id) === band) bands.delete(room.id);
    });
  });
  // A dead node's recording of a room taken over here ended with that node: saved up to where it
  // stopped when its files are here too (a shared volume), else marked failed; never left half-written.
  live.on('roomTakenOver', (room) => {
    recordings.service.recoverUnfinished({ only: room.id }).catch((err) => logger.error({ err, roomId: room.id }, 'could not recover the recording of a room taken over'));
  });
  // Every live room has a metronome (Room.metronome): stored tempo in, grid changes out.
  live.on('roomOpened', (room) => wireMetronome(room, store, (tempo) => io.to(socketRoom(room.id)).emit('tempo', tempo), logger));
  // Before anyone can connect: rooms the last process of this node left with people inside wait for them.
  const lease = new NodeLease(store, {
    ...config.node,
    load: () => ({ rooms: live.liveRooms().length, peers: forwardingLoad() }),
    // Then, at each heartbeat, so do the rooms of SFU nodes that died; first, rooms another node
    // took over while this one stalled past its lease are handed over (fencing).
    afterBeat: async () => {
      await live.fence();
      await live.resumeInterrupted({ own: false });
    },
    logger,
  });
  await lease.start();
  await live.resumeInterrupted({ own: true });
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, resolve);
  });
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  logger.info({ url, workers: pool.size, announcedAddress: config.rtc.announcedAddress, bus: bus ? 'postgres' : 'none' }, 'sfu listening');
  return {
    url,
    port,
    registry: live,
    agents: hub,
    access: control.access,
    recordings: recordings.service,
    async close(options = {}) {
      // Synchronously first: a socket closing during any await here would record its peer's leave.
      if (options.suspend) live.suspendAll();
      else live.closeAll();
      await lease.stop({ release: false });
      // Closing the rooms stopped their recordings; their files are finished before the workers go.
      await recordings.close();
      await demos.close();
      lobby.close();
      placement?.close();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await bus?.close();
      await pool.close();
      // The leaves and room closes just written: the caller closes the database next (PostgreSQL
      // would be left with transactions begun and never finished).
      await signalling.settled();
      await live.settled();
      // The rooms' records are written: another node may take over the suspended ones now.
      await lease.stop({ release: true });
      await control.settled();
      mailer.close?.();
    },
  };
}
