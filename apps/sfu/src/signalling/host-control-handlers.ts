import type { HostControlRequestName } from '@bandmate/shared';
import type { Peer } from '../rooms/peer.ts';
import type { Room } from '../rooms/room.ts';
import {
  handOverHost,
  muteParticipant,
  pauseOwnProducer,
  removeParticipant,
  requireHost,
  setParticipantRole,
} from '../rooms/host-controls.ts';
import type { RequestHandlers } from './request-dispatch.ts';

/**
 * The host controls on the signalling API: validated by request-dispatch, ruled on by
 * rooms/host-controls.ts (which refuses them to anyone but the host), answered here.
 */
export function hostControlHandlers(connection: {
  member(): { room: Room; peer: Peer };
  /** Stores and announces the lock (RoomRegistry.setLocked). */
  setLocked(room: Room, locked: boolean): Promise<void>;
}): Pick<RequestHandlers, HostControlRequestName> {
  return {
    muteParticipant: async ({ peerId, muted }) => {
      const { room, peer } = connection.member();
      return muteParticipant(room, peer, peerId, muted);
    },

    setParticipantRole: async ({ peerId, role }) => {
      const { room, peer } = connection.member();
      return setParticipantRole(room, peer, peerId, role);
    },

    removeParticipant: async ({ peerId, reason }) => {
      const { room, peer } = connection.member();
      removeParticipant(room, peer, peerId, reason || undefined);
      return {};
    },

    lockRoom: async ({ locked }) => {
      const { room, peer } = connection.member();
      requireHost(room, peer);
      await connection.setLocked(room, locked);
      return { locked: room.locked };
    },

    handOverHost: async ({ peerId }) => {
      const { room, peer } = connection.member();
      handOverHost(room, peer, peerId);
      return { peerId: room.host()?.id ?? null };
    },

    pauseProducer: async ({ producerId }) => {
      await pauseOwnProducer(connection.member().peer, producerId, true);
      return {};
    },

    resumeProducer: async ({ producerId }) => {
      await pauseOwnProducer(connection.member().peer, producerId, false);
      return {};
    },
  };
}
