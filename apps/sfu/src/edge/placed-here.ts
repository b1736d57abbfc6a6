import { randomUUID } from 'node:crypto';
import type { types } from 'mediasoup';
import { requests, SignalRequestError, type NodeLinkNotificationName, type NodeLinkNotificationOf } from '@bandmate/shared';
import type { Logger } from '../logger.ts';
import type { EdgeListener } from './edge-listener.ts';
import type { EdgeRooms } from './edge-rooms.ts';
import type { NodeLinkHandlers } from './node-link-dispatch.ts';

type Notify = <N extends NodeLinkNotificationName>(name: N, payload: NodeLinkNotificationOf<N>) => void;
type PlacementHandlers = Pick<NodeLinkHandlers, 'edgeListen' | 'edgeMedia' | 'edgeUnlisten'>;

/**
 * This node as the edge a room's node placed listeners on (that node's edge-placement.ts): for each
 * listener, an EdgeListener fed from this node's pipe of the room, as for a listener whose page
 * reached this node, but driven over the link by the room's node, which carries the page's media
 * requests here and this node's events back. They end with the link (the room's node went away).
 */
export function placedHere(edges: EdgeRooms | undefined, notify: Notify, logger: Logger): { handlers: PlacementHandlers; close(): void } {
  const listeners = new Map<string, EdgeListener>();
  const listener = (listenerId: string) => {
    const found = listeners.get(listenerId);
    if (!found) throw new SignalRequestError('not_found', 'no listener placed here with this id (its media ended: join again)');
    return found;
  };
  return {
    handlers: {
      edgeListen: async ({ roomId, homeUrl, rtpCapabilities }) => {
        // 'forbidden', not 'unavailable': a setting, which asking again soon will not change.
        if (!edges) throw new SignalRequestError('forbidden', 'this node serves no listeners of other nodes (SFU_EDGE_LISTENERS=false)');
        const listenerId = randomUUID();
        const page = { emit: (_event: 'consumerClosed', payload: { consumerId: string; producerId: string }) => notify('edgeConsumerClosed', { listenerId, ...payload }) };
        const placed = await edges.listener(roomId, homeUrl, rtpCapabilities as unknown as types.RtpCapabilities, page);
        listeners.set(listenerId, placed);
        placed.room.once('close', () => {
          if (listeners.delete(listenerId)) notify('edgeListenerClosed', { listenerId, reason: 'the room’s pipe to this node closed' });
        });
        logger.debug({ roomId, listenerId }, 'edge: serving a listener the room’s node placed here');
        return { listenerId };
      },
      edgeMedia: async ({ listenerId, name, payload }) => {
        const placed = listener(listenerId);
        const parsed = requests[name].request.safeParse(payload);
        if (!parsed.success) throw new SignalRequestError('bad_request', `${name}: not a valid request`);
        if (!placed.serves(name, parsed.data)) throw new SignalRequestError('not_found', `${name}: not this listener’s media here`);
        return placed.handle(name, parsed.data);
      },
      edgeUnlisten: async ({ listenerId }) => {
        listeners.get(listenerId)?.close();
        listeners.delete(listenerId);
        return {};
      },
    },
    close() {
      for (const placed of listeners.values()) placed.close();
      listeners.clear();
    },
  };
}
