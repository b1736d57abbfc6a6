import type { TempoState } from '@bandmate/shared';
import type { Logger } from '../logger.ts';
import type { Room } from '../rooms/room.ts';

/** What the metronome needs from persistence; the Prisma store implements it (db/tempo.ts). */
export interface TempoStore {
  getRoomTempo(roomId: string): Promise<{ bpm: number; beatsPerBar: number } | null>;
  setRoomTempo(roomId: string, tempo: { bpm: number; beatsPerBar: number }): Promise<unknown>;
}

/**
 * Ties a live room's metronome to the room record and to the room's sockets: the stored tempo
 * is loaded when the room opens, the host's changes are stored, and every change of the grid
 * is announced to everyone in the room.
 */
export function wireMetronome(room: Room, store: TempoStore, announce: (state: TempoState) => void, logger: Logger): void {
  // Writes one after another, so the stored tempo is the last one set.
  let writing: Promise<unknown> = Promise.resolve();
  room.metronome.on('change', (state, cause) => {
    announce(state);
    if (cause !== 'tempo') return;
    writing = writing
      .then(() => store.setRoomTempo(room.id, { bpm: state.bpm, beatsPerBar: state.beatsPerBar }))
      .catch((err) => logger.error({ err, roomId: room.id }, 'could not store the tempo'));
  });
  store
    .getRoomTempo(room.id)
    .then((stored) => {
      if (stored && !room.isClosed) room.metronome.restore(stored);
    })
    .catch((err) => logger.error({ err, roomId: room.id }, 'could not load the stored tempo'));
}
