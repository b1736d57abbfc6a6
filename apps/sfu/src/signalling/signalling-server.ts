import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import { LIMITS, type ClientToServerEvents, type ServerToClientEvents } from '@bandmate/shared';
import type { Logger } from '../logger.ts';
import type { OriginPolicy } from '../http/origin-policy.ts';
import type { Room } from '../rooms/room.ts';
import type { RoomRegistry } from '../rooms/room-registry.ts';
import { Connection, socketRoom, type ParticipantLog, type RoomAi, type SignalSocket } from './connection.ts';
import type { ChatStore } from './chat-handlers.ts';
import { RateLimiter } from './rate-limiter.ts';
import type { RoomAccess } from '../auth/room-access.ts';
import { dispatchRequests } from './request-dispatch.ts';
import { NodeRelay } from './node-relay.ts';
import { relayedHandlers } from './relayed-handlers.ts';
import type { RoomRecordings } from './recording-handlers.ts';
import type { EdgeRooms } from '../edge/edge-rooms.ts';
import { connectionEdge } from '../edge/connection-edge.ts';
import { connectionPlacement } from '../edge/connection-placement.ts';
import type { EdgePlacement } from '../edge/edge-placement.ts';
import { limitConnectionsPerAddress } from './connection-limit.ts';

export interface SignallingOptions {
  /** The web app's origins; a handshake from any other page is refused (it would carry the visitor's cookie). */
  origins: OriginPolicy;
  /** The same origins as a list, for socket.io's CORS answers. */
  corsOrigins: string[];
  /** Events per connection, and connections open at once per client address. */
  rateLimit: { perSecond: number; burst: number; connectionsPerAddress: number };
  logger: Logger;
  /** Join rules and the current user of a connection (apps/sfu/src/auth/room-access.ts). */
  access: RoomAccess;
  /** Recording rooms (apps/sfu/src/recording); absent: the server does not record. */
  recordings?: RoomRecordings;
  /** Told the code of every error answered (the metrics count them). */
  onError?: (code: string) => void;
  /** This SFU node: a join for a room another node runs is relayed there (node-relay.ts). Absent: refused with room_elsewhere. */
  nodeId?: string;
  /** Serves the media of listeners relayed to a room of another node here, piped from it (edge/). Absent: their media comes from the room's node. */
  edges?: EdgeRooms;
  /** Places listeners of this node's rooms on other nodes (edge/edge-placement.ts). Absent: served here. */
  placement?: EdgePlacement;
}

export interface Signalling {
  io: Server<ClientToServerEvents, ServerToClientEvents>;
  /** Resolves once the leaves of closed connections are written (before the database is closed). */
  settled(): Promise<void>;
  /** Connections whose room runs on another SFU node, relayed there now. */
  relayedConnections(): number;
  /** The per-address connection limit, for other namespaces to count in the same tally (the lobby's). */
  connectionLimit: ReturnType<typeof limitConnectionsPerAddress>;
}

/** socket.io in front of the rooms: one Connection per socket, room events fanned out. */
export function attachSignalling(
  httpServer: HttpServer,
  registry: RoomRegistry,
  participants: ParticipantLog & ChatStore,
  aiFor: (roomId: string) => RoomAi | undefined,
  options: SignallingOptions,
): Signalling {
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(httpServer, {
    // credentials: the handshake carries the session cookie (the browser's polling transport needs this).
    cors: { origin: options.corsOrigins, credentials: true },
    allowRequest: (req, callback) => {
      const refusal = options.origins.refusal(req);
      if (refusal) options.logger.debug({ origin: req.headers.origin }, 'signalling handshake refused');
      callback(refusal ?? null, refusal === undefined);
    },
    maxHttpBufferSize: LIMITS.maxSocketBufferBytes,
    serveClient: false,
  });
  const peersById = new Map<string, SignalSocket>();
  const leaving = new Set<Promise<void>>();
  const relays = new Set<NodeRelay>();
  const connectionLimit = limitConnectionsPerAddress(options.rateLimit.connectionsPerAddress, (socket) => options.access.addressOfSocket(socket), options.logger);
  io.use(connectionLimit);

  registry.on('roomOpened', (room) => fanOut(io, room, peersById));

  io.on('connection', (socket) => {
    const logger = options.logger.child({ socketId: socket.id });
    const connection = new Connection(socket, registry, participants, peersById, aiFor, logger, options.access, options.recordings);
    const limiter = new RateLimiter(options.rateLimit.perSecond, options.rateLimit.burst);
    const relayed = options.access.relayOfSocket(socket);
    if (relayed) logger.debug({ node: relayed.nodeId }, 'a browser relayed by another SFU node');
    let handlers = connection.handlers;
    if (options.nodeId) {
      const relay = new NodeRelay(socket, { nodeId: options.nodeId, address: options.access.addressOfSocket(socket), relayHeaders: (node, address) => options.access.relayHeaders(node, address), logger });
      relays.add(relay);
      socket.once('disconnect', () => relays.delete(relay));
      const edge = options.edges && connectionEdge(socket, options.edges, logger);
      if (edge) {
        socket.once('disconnect', () => edge.close());
        relay.onMembershipEnded = () => edge.close();
      }
      // A page relayed here from another node is that node's to serve as an edge, never placed again.
      const placed = relayed === null && options.placement ? connectionPlacement(socket, options.placement, () => connection.leave(), logger) : undefined;
      // Its media at the edge ends with the membership, however that ends (the host's removal too).
      if (placed) connection.onLeave = () => placed.close();
      handlers = relayedHandlers(connection.handlers, relay, relayed === null, edge, placed);
    }
    dispatchRequests(socket, handlers, limiter, logger, options.onError);
    socket.on('disconnect', (reason) => {
      logger.debug({ reason }, 'socket disconnected');
      const left = connection.close().finally(() => leaving.delete(left));
      leaving.add(left);
    });
  });
  return {
    io,
    settled: async () => void (await Promise.allSettled([...leaving])),
    relayedConnections: () => [...relays].filter((r) => r.active).length,
    connectionLimit,
  };
}

function fanOut(io: Server<ClientToServerEvents, ServerToClientEvents>, room: Room, peersById: Map<string, SignalSocket>) {
  const others = (peerId: string) => {
    const origin = peersById.get(peerId);
    const target = io.to(socketRoom(room.id));
    return origin ? target.except(origin.id) : target;
  };
  room.on('peerJoined', (peer) => others(peer.id).emit('peerJoined', peer));
  room.on('peerLeft', (peer) => others(peer.id).emit('peerLeft', { peerId: peer.id }));
  room.on('newProducer', (p) => others(p.peerId).emit('newProducer', p));
  room.on('producerClosed', (p) => others(p.peerId).emit('producerClosed', { producerId: p.producerId, peerId: p.peerId }));
  room.on('hostChanged', (peerId) => io.to(socketRoom(room.id)).emit('hostChanged', { peerId }));
  room.on('peerUpdated', (peer) => io.to(socketRoom(room.id)).emit('peerUpdated', peer));
  room.on('lockChanged', (locked) => io.to(socketRoom(room.id)).emit('lockChanged', { locked }));
  room.on('peerRemoved', (peerId, reason) => peersById.get(peerId)?.emit('removed', { reason }));
  room.on('moved', (peerIds, reason) => {
    for (const id of peerIds) peersById.get(id)?.emit('mediaRestart', { reason: reason ?? "the server's media process failed; the room moved to another one" });
  });
  room.on('consumerClosed', (peerId, consumerId, producerId) =>
    peersById.get(peerId)?.emit('consumerClosed', { consumerId, producerId }),
  );
}
