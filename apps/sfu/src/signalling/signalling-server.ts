import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import { LIMITS, type ClientToServerEvents, type ServerToClientEvents } from '@bandmate/shared';
import type { Logger } from '../logger.ts';
import type { Room } from '../rooms/room.ts';
import type { RoomRegistry } from '../rooms/room-registry.ts';
import { Connection, socketRoom, type ParticipantLog, type RoomAi, type SignalSocket } from './connection.ts';
import { RateLimiter } from './rate-limiter.ts';
import { dispatchRequests } from './request-dispatch.ts';

export interface SignallingOptions {
  corsOrigins: '*' | string[];
  rateLimit: { perSecond: number; burst: number };
  logger: Logger;
}

/** socket.io in front of the rooms: one Connection per socket, room events fanned out. */
export function attachSignalling(
  httpServer: HttpServer,
  registry: RoomRegistry,
  participants: ParticipantLog,
  aiFor: (roomId: string) => RoomAi | undefined,
  options: SignallingOptions,
): Server<ClientToServerEvents, ServerToClientEvents> {
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(httpServer, {
    cors: { origin: options.corsOrigins === '*' ? true : options.corsOrigins },
    maxHttpBufferSize: LIMITS.maxSocketBufferBytes,
    serveClient: false,
  });
  const peersById = new Map<string, SignalSocket>();

  registry.on('roomOpened', (room) => fanOut(io, room, peersById));

  io.on('connection', (socket) => {
    const logger = options.logger.child({ socketId: socket.id });
    const connection = new Connection(socket, registry, participants, peersById, aiFor, logger);
    const limiter = new RateLimiter(options.rateLimit.perSecond, options.rateLimit.burst);
    dispatchRequests(socket, connection.handlers, limiter, logger);
    socket.on('disconnect', (reason) => {
      logger.debug({ reason }, 'socket disconnected');
      void connection.leave();
    });
  });
  return io;
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
  room.on('consumerClosed', (peerId, consumerId, producerId) =>
    peersById.get(peerId)?.emit('consumerClosed', { consumerId, producerId }),
  );
}
