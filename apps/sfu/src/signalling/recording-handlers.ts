import { SignalRequestError } from '@bandmate/shared';
import type { RecordingService } from '../recording/recording-service.ts';
import type { RoomFilesPasses } from '../recording/room-files-access.ts';
import type { Peer } from '../rooms/peer.ts';
import type { Room } from '../rooms/room.ts';
import type { RequestHandlers } from './request-dispatch.ts';

/** What the signalling layer needs for recording. */
export interface RoomRecordings {
  service: RecordingService;
  passes: RoomFilesPasses;
}

/**
 * Start/stop are the host's (checked here, on the server, with the room's host accessor);
 * any member may ask for a pass to list and download the room's recordings.
 */
export function recordingHandlers(connection: {
  member(): { room: Room; peer: Peer };
  recordings(): RoomRecordings | undefined;
  /** Settles once this peer's join is in the database (a pass is checked against membership). */
  joinRecorded?(): Promise<unknown>;
  /** The connection's client address (recordings started per address are bounded). */
  address?(): string;
}): Pick<RequestHandlers, 'startRecording' | 'stopRecording' | 'recordingsAccess'> {
  const service = (): RoomRecordings => {
    const recordings = connection.recordings();
    if (!recordings) throw new SignalRequestError('recording_unavailable', 'recording is not enabled on this server');
    return recordings;
  };
  const hostOnly = (room: Room, peer: Peer, action: string) => {
    if (room.host() !== peer) throw new SignalRequestError('not_host', `only the host of this room can ${action} a recording`);
  };
  return {
    startRecording: async () => {
      const { room, peer } = connection.member();
      hostOnly(room, peer, 'start');
      return service().service.start(room, peer, connection.address?.());
    },

    stopRecording: async () => {
      const { room, peer } = connection.member();
      hostOnly(room, peer, 'stop');
      return service().service.stop(room.id, 'host');
    },

    recordingsAccess: async () => {
      const { room, peer } = connection.member();
      if (peer.userId) await connection.joinRecorded?.();
      const { token, expiresAt } = service().passes.issue(room.id, peer.userId);
      return { token, expiresAt: expiresAt.toISOString() };
    },
  };
}
