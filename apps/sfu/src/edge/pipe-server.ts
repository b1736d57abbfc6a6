import type { Server, Socket } from 'socket.io';
import type { types } from 'mediasoup';
import { nodeLinkAuthSchema, SignalRequestError, type NodeLinkNotificationName, type NodeLinkNotificationOf, type NodeLinkResponseOf } from '@bandmate/shared';
import type { Logger } from '../logger.ts';
import type { Room, RtcListenConfig } from '../rooms/room.ts';
import { answerNodeLink } from './node-link-dispatch.ts';
import { createPipeEnd } from './pipe-transport.ts';
import type { EdgeRooms } from './edge-rooms.ts';
import { placedHere } from './placed-here.ts';

export interface PipeServerOptions {
  /** The room running here, if it does. */
  room: (roomId: string) => Room | undefined;
  /** The node a link token proves (RoomAccess.nodeOfLinkToken); null refuses the link. */
  nodeOfToken: (token: string) => string | null;
  rtc: RtcListenConfig;
  /** The address other nodes send the pipes' RTP to (SFU_PIPE_ADDRESS, resolved). */
  pipeIp: string;
  /** This node's edges, which serve the listeners other nodes place here (absent: it takes none). */
  edges?: EdgeRooms;
  logger: Logger;
}

interface RoomPipe {
  room: Room;
  transport: types.PipeTransport;
}

/**
 * The room's side of rooms that span SFU nodes: another node serving this room's listeners (an
 * edge, edge/edge-room.ts) links to this one in the `/nodes` namespace and asks for a pipe per
 * room and a piped copy of each stream its listeners hear, as mediasoup's pipeToRouter does
 * between routers of one process but over the network (PipeTransport, SRTP). One copy crosses
 * to each edge however many listeners it serves: the room's node forwards to its musicians and
 * to a few edges, and the listeners' load lands on the edges.
 */
export function servePipes(io: Server, options: PipeServerOptions): { pipes: () => number } {
  const nodes = io.of('/nodes');
  let open = 0;
  nodes.use((socket, next) => {
    const auth = nodeLinkAuthSchema.safeParse(socket.handshake.auth);
    const nodeId = auth.success ? options.nodeOfToken(auth.data.token) : null;
    if (!nodeId) return next(new Error('not an SFU node of this deployment'));
    socket.data.nodeId = nodeId;
    next();
  });
  nodes.on('connection', (socket: Socket) => {
    const logger = options.logger.child({ edge: socket.data.nodeId as string });
    const pipes = new Map<string, RoomPipe>();
    const notify = <N extends NodeLinkNotificationName>(name: N, payload: NodeLinkNotificationOf<N>) => socket.emit(name, payload);
    const close = (roomId: string, reason: string) => {
      const pipe = pipes.get(roomId);
      if (!pipe) return;
      pipes.delete(roomId);
      open--;
      pipe.transport.close();
      if (socket.connected) notify('pipeClosed', { roomId, reason });
    };
    const placed = placedHere(options.edges, notify, logger);
    answerNodeLink(socket, logger, {
      ...placed.handlers,
      pipeOpen: async ({ roomId, ip, port, srtpParameters }) => {
        const room = options.room(roomId);
        if (!room) throw new SignalRequestError('not_found', `room ${roomId} does not run on this node`);
        close(roomId, 'the edge opened it again');
        const transport = await createPipeEnd(room.router, options.rtc, options.pipeIp);
        try {
          await transport.connect({ ip, port, srtpParameters });
        } catch (err) {
          transport.close();
          throw new SignalRequestError('bad_request', `pipe end refused: ${(err as Error).message.slice(0, 200)}`);
        }
        // Whatever ends the room's router here ends the pipe: the room closing, handed over to
        // another node, or moved off a dead mediasoup worker (its people rejoin, and so does the edge).
        transport.observer.once('close', () => {
          if (pipes.get(roomId)?.transport === transport) close(roomId, room.isClosed ? 'the room closed here' : 'the room moved to another media process');
        });
        pipes.set(roomId, { room, transport });
        open++;
        logger.info({ roomId }, 'pipe opened to an edge node');
        return { ip: options.pipeIp, port: transport.tuple.localPort, srtpParameters: transport.srtpParameters! };
      },
      pipeConsume: async ({ roomId, producerId }) => {
        const pipe = pipes.get(roomId);
        if (!pipe) throw new SignalRequestError('not_found', 'open the room’s pipe first');
        const owner = [...pipe.room.peers.values()].find((p) => p.producers.has(producerId));
        if (!owner) throw new SignalRequestError('not_found', `producer ${producerId} not found in this room`);
        const consumer = await pipe.transport.consume({ producerId });
        consumer.on('producerclose', () => {
          if (socket.connected) notify('pipeProducerClosed', { roomId, producerId });
        });
        // A paused producer's pipe carries nothing; the edge's copy must say so too, and resume with it.
        consumer.on('producerpause', () => notify('pipeProducerPaused', { roomId, producerId, paused: true }));
        consumer.on('producerresume', () => notify('pipeProducerPaused', { roomId, producerId, paused: false }));
        return {
          producerId,
          peerId: owner.id,
          kind: 'audio' as const,
          rtpParameters: consumer.rtpParameters as unknown as NodeLinkResponseOf<'pipeConsume'>['rtpParameters'],
          paused: consumer.producerPaused,
          source: String(owner.producers.get(producerId)!.appData.source ?? 'mic'),
        };
      },
    });
    socket.on('disconnect', () => {
      for (const roomId of [...pipes.keys()]) close(roomId, 'the edge went away');
      placed.close();
      logger.info('edge node link closed');
    });
  });
  return { pipes: () => open };
}
