// Room.locked: set by the host's lock control, read when someone joins. A lock lasts for one room
// session (the registry unlocks a room when its session starts and ends).
import type { PrismaClient as SqliteClient } from './generated/sqlite/client.js';
import { RoomNotFoundError } from './types.js';

export interface RoomLockRepository {
  /** Sets Room.locked. Throws RoomNotFoundError. */
  setRoomLocked(roomId: string, locked: boolean): Promise<void>;
  /** Reads Room.locked. Throws RoomNotFoundError. */
  isRoomLocked(roomId: string): Promise<boolean>;
}

export function roomLockRepository(client: SqliteClient): RoomLockRepository {
  return {
    async setRoomLocked(roomId, locked) {
      if (typeof locked !== 'boolean') throw new TypeError('locked must be a boolean');
      const { count } = await client.room.updateMany({ where: { id: roomId }, data: { locked } });
      if (count === 0) throw new RoomNotFoundError(roomId);
    },

    async isRoomLocked(roomId) {
      const row = await client.room.findUnique({ where: { id: roomId }, select: { locked: true } });
      if (!row) throw new RoomNotFoundError(roomId);
      return row.locked;
    },
  };
}
