import type { types } from 'mediasoup';
import type { RequestName, RequestOf } from '@bandmate/shared';
import type { Logger } from '../logger.ts';
import type { SignalSocket } from '../signalling/connection.ts';
import type { EdgeListener } from './edge-listener.ts';
import type { EdgeRooms } from './edge-rooms.ts';

/** One relayed browser connection's media at this node, while it listens to a room of another node. */
export interface ConnectionEdge {
  /** A join relayed to the node at `homeUrl` succeeded: a listener's media is served here from now on. */
  joined(request: RequestOf<'join'>, homeUrl: string): Promise<void>;
  /** Whether this node answers `name` itself (the listener's receive media). */
  serves(name: RequestName, request: unknown): boolean;
  handle(name: RequestName, request: unknown): Promise<unknown>;
  close(): void;
}

export function connectionEdge(browser: SignalSocket, edges: EdgeRooms, logger: Logger): ConnectionEdge {
  let listener: EdgeListener | undefined;
  return {
    async joined(request, homeUrl) {
      const previous = listener;
      listener = undefined;
      if (request.role === 'listener') {
        try {
          listener = await edges.listener(request.roomId, homeUrl, request.rtpCapabilities as unknown as types.RtpCapabilities, browser);
        } catch (err) {
          // Still a member there: the room's node serves this page's media itself, as for a musician.
          logger.warn({ err, roomId: request.roomId }, 'edge: no pipe from the room’s node; its media comes from there');
        }
      }
      // Closed after the new one opened: a rejoin keeps the room's pipe.
      previous?.close();
    },
    serves: (name, request) => listener?.serves(name, request) ?? false,
    handle: (name, request) => listener!.handle(name, request),
    close() {
      listener?.close();
      listener = undefined;
    },
  };
}
