import type { RequestName, RequestOf } from '@bandmate/shared';
import type { ConnectionEdge } from '../edge/connection-edge.ts';
import type { ConnectionPlacement } from '../edge/connection-placement.ts';
import { RoomElsewhereError } from '../rooms/room-elsewhere.ts';
import { RELAYED_ANSWER_MS, type NodeRelay } from './node-relay.ts';
import type { RequestHandlers } from './request-dispatch.ts';

/**
 * The connection's handlers, or the room's node's while the browser is in a room another SFU node
 * runs: a join this node refuses as `room_elsewhere` (with the node's URL) is carried there by the
 * relay, and every request after it too, until the browser leaves that room. A connection that is
 * itself a relay (`mayRelay` false) never relays on: a stale node record cannot make a loop.
 * A listener's receive media is served by this node (`edge`), piped from the room's node; a
 * listener of a room here may have theirs served by another node (`placed`, edge-placement.ts).
 */
export function relayedHandlers(local: RequestHandlers, relay: NodeRelay, mayRelay: boolean, edge?: ConnectionEdge, placed?: ConnectionPlacement): RequestHandlers {
  const handlers: Partial<Record<RequestName, (request: unknown) => Promise<unknown>>> = {};
  for (const name of Object.keys(local) as RequestName[]) {
    const handle = local[name] as (request: unknown) => Promise<unknown>;
    handlers[name] = async (request) => {
      // The page's wait started about now: what is relayed is answered within RELAYED_ANSWER_MS of it.
      const deadline = Date.now() + RELAYED_ANSWER_MS;
      if (relay.active) {
        if (edge?.serves(name, request)) return edge.handle(name, request);
        const reply = await relay.request(name, request, deadline);
        // Joined again there (the room moved within its node, or restarted): a new membership.
        if (name === 'join' && relay.url) await edge?.joined(request as RequestOf<'join'>, relay.url);
        // Out of that room: the next join may be for a room that runs here.
        if (name === 'leave') {
          relay.close();
          edge?.close();
        }
        return reply;
      }
      // (The edge's media of a membership goes with it: Connection.onLeave, signalling-server.ts.)
      if (placed?.serves(name, request)) return placed.handle(name, request);
      try {
        const reply = await handle(request);
        if (name === 'join') await placed?.joined(request as RequestOf<'join'>);
        return reply;
      } catch (err) {
        if (!(mayRelay && name === 'join' && err instanceof RoomElsewhereError && err.url)) throw err;
        await relay.open(err.url, deadline);
        try {
          const reply = await relay.request(name, request, deadline);
          await edge?.joined(request as RequestOf<'join'>, err.url);
          return reply;
        } catch (refused) {
          relay.close(); // not in the room there: this connection stays this node's
          throw refused;
        }
      }
    };
  }
  return handlers as RequestHandlers;
}
