import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '@bandmate/shared';
import type { RecordingRepository } from '../db/types.ts';
import { recordingsRoutes, type RoomOwnership } from '../http/recordings-api.ts';
import type { Logger } from '../logger.ts';
import { socketRoom } from '../signalling/connection.ts';
import type { RoomRecordings } from '../signalling/recording-handlers.ts';
import { RecordingRemoval } from './recording-removal.ts';
import { RecordingService, type RecordingSettings } from './recording-service.ts';
import { anyRoomFilesAccess, RoomFilesPasses, type RoomFilesAccess } from './room-files-access.ts';

/** What account-based membership looks like (apps/sfu/src/auth/room-access.ts, RoomAccess). */
export interface AccountMembership extends RoomOwnership {
  isRoomMember(userId: string, roomId: string): Promise<boolean>;
}

export interface SfuRecordings extends RoomRecordings {
  /** GET /api/rooms/:id/recordings and the track files (http-api's rawRoutes). */
  httpRoute: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  /** Deletes recordings: the owner's DELETE, and those past their retention. */
  removal: RecordingRemoval;
  /** Tells each room about its recording (state, saved, deleted). */
  announceTo(io: Server<ClientToServerEvents, ServerToClientEvents>): void;
  /** Stops the retention sweeps, stops every recording and waits until they are saved. */
  close(): Promise<void>;
}

/**
 * Recording as the SFU wires it: the service, passes for members, the HTTP routes and the
 * retention sweeps (started here). A room's
 * files are open to a signed-in member of the room (owner, or admitted before) and to anyone
 * holding a pass, which only peers in the room get (so anonymous members of a public room too).
 */
export function setUpRecordings(options: {
  settings: RecordingSettings;
  store: RecordingRepository;
  accounts?: AccountMembership;
  logger: Logger;
}): SfuRecordings {
  const logger = options.logger.child({ component: 'recording' });
  const service = new RecordingService(options.store, options.settings, logger);
  const accounts = options.accounts;
  const passes = new RoomFilesPasses(undefined, undefined, undefined, accounts && ((userId, roomId) => accounts.isRoomMember(userId, roomId)));
  const ways: RoomFilesAccess[] = [passes];
  if (accounts) {
    ways.unshift({
      async canAccessRoomFiles(req, roomId) {
        const user = await accounts.userOfRequest(req);
        return !!user && (await accounts.isRoomMember(user.id, roomId));
      },
    });
  }
  const removal = new RecordingRemoval(options.store, options.settings.dir, options.settings.retentionMs, logger);
  removal.start();
  return {
    service,
    passes,
    removal,
    httpRoute: recordingsRoutes({
      store: options.store,
      dir: options.settings.dir,
      access: anyRoomFilesAccess(...ways),
      owners: accounts,
      removal,
      logger,
    }),
    announceTo(io) {
      service.on('state', (roomId, state) => io.to(socketRoom(roomId)).emit('recordingState', state));
      service.on('saved', (roomId, saved) => io.to(socketRoom(roomId)).emit('recordingSaved', saved));
      removal.on('deleted', (roomId, recordingId) => io.to(socketRoom(roomId)).emit('recordingDeleted', { recordingId }));
    },
    async close() {
      await removal.stop();
      await service.close();
    },
  };
}
