import { SignalRequestError } from '@bandmate/shared';
import { serverNow } from '../metronome/server-clock.ts';
import type { Peer } from '../rooms/peer.ts';
import type { Room } from '../rooms/room.ts';
import type { RequestHandlers } from './request-dispatch.ts';

type MetronomeRequest = 'clockSync' | 'setTempo' | 'startMetronome' | 'stopMetronome';

/**
 * Clock sync and the host's metronome controls on the signalling API: validated by
 * request-dispatch, ruled on by the room's RoomMetronome, answered here. The new grid
 * reaches everyone through the room's 'tempo' notification (metronome-fanout.ts).
 */
export function metronomeHandlers(connection: { member(): { room: Room; peer: Peer } }): Pick<RequestHandlers, MetronomeRequest> {
  const hostsMetronome = () => {
    const { room, peer } = connection.member();
    if (room.host() !== peer) {
      throw new SignalRequestError('not_host', 'only the host can start, stop or change the metronome');
    }
    return room.metronome;
  };
  return {
    // t1 is read as the handler starts: after the rate limit and schema check, which take
    // microseconds, so the asymmetry they add is far below a network hop.
    clockSync: async ({ t0 }) => {
      const t1 = serverNow();
      return { t0, t1, t2: serverNow() };
    },

    setTempo: async (change) => {
      try {
        return hostsMetronome().setTempo(change);
      } catch (err) {
        if (err instanceof RangeError) throw new SignalRequestError('bad_request', err.message);
        throw err;
      }
    },

    startMetronome: async () => hostsMetronome().start(),

    stopMetronome: async () => hostsMetronome().stop(),
  };
}
