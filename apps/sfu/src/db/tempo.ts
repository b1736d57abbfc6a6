// The metronome settings stored on a room (Room.bpm, Room.beatsPerBar).
import { TEMPO_LIMITS } from '@bandmate/shared';
import type { PrismaClient as SqliteClient } from './generated/sqlite/client.js';
import { RoomNotFoundError, type RoomTempo, type TempoRepository } from './types.js';

type Client = SqliteClient;

export function createTempoRepository(client: Client): TempoRepository {
  return {
    async getRoomTempo(roomId: string): Promise<RoomTempo | null> {
      return client.room.findUnique({ where: { id: roomId }, select: { bpm: true, beatsPerBar: true } });
    },

    async setRoomTempo(roomId: string, { bpm, beatsPerBar }: RoomTempo): Promise<RoomTempo> {
      const { bpmMin, bpmMax, beatsPerBarMin, beatsPerBarMax } = TEMPO_LIMITS;
      if (!Number.isInteger(bpm) || bpm < bpmMin || bpm > bpmMax) throw new RangeError(`bpm must be ${bpmMin}–${bpmMax}`);
      if (!Number.isInteger(beatsPerBar) || beatsPerBar < beatsPerBarMin || beatsPerBar > beatsPerBarMax) {
        throw new RangeError(`beatsPerBar must be ${beatsPerBarMin}–${beatsPerBarMax}`);
      }
      const updated = await client.room.updateMany({ where: { id: roomId }, data: { bpm, beatsPerBar } });
      if (updated.count === 0) throw new RoomNotFoundError(roomId);
      return { bpm, beatsPerBar };
    },
  };
}
