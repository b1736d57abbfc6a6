import type { RequestName } from '@bandmate/shared';
import { RoomElsewhereError } from '../rooms/room-elsewhere.ts';
import type { NodeRelay } from './node-relay.ts';
import type { RequestHandlers } from './request-dispatch.ts';

/**
 * The connection's handlers, or the room's node's while the browser is in a room another SFU node
 * runs: a join this node refuses as `room_elsewhere` (with the node's URL) is carried there by the
 * relay, and every request after it too, until the browser leaves that room. A connection that is
 * itself a relay (`mayRelay` false) never relays on: a stale node record cannot make a loop.
 */
export function relayedHandlers(local: RequestHandlers, relay: NodeRelay, mayRelay: boolean): RequestHandlers {
  const handlers: Partial<Record<RequestName, (request: unknown) => Promise<unknown>>> = {};
  for (const name of Object.keys(local) as RequestName[]) {
    const handle = local[name] as (request: unknown) => Promise<unknown>;
    handlers[name] = async (request) => {
      if (relay.active) {
        const reply = await relay.request(name, request);
        // Out of that room: the next join may be for a room that runs here.
        if (name === 'leave') relay.close();
        return reply;
      }
      try {
        return await handle(request);
      } catch (err) {
        if (!(mayRelay && name === 'join' && err instanceof RoomElsewhereError && err.url)) throw err;
        await relay.open(err.url);
        try {
          return await relay.request(name, request);
        } catch (refused) {
          relay.close(); // not in the room there: this connection stays this node's
          throw refused;
        }
      }
    };
  }
  return handlers as RequestHandlers;
}
