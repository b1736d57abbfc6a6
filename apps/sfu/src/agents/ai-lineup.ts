// A room's AI players outlive the SFU process with the session: every change of the lineup is
// recorded (Room.aiLineup), and a session resumed after a restart plays its lineup again.
import type { Logger } from '../logger.ts';
import type { Room } from '../rooms/room.ts';
import type { RoomStore } from '../rooms/room-registry.ts';
import type { AiBand } from './ai-band.ts';

export function keepAiLineup(room: Room, band: AiBand, store: Pick<RoomStore, 'setRoomAiLineup'>, logger: Logger): void {
  // What the record holds: the resumed lineup, or nothing (a new session starts with none).
  let recorded = JSON.stringify(room.resumedAiLineup);
  let writes: Promise<unknown> = Promise.resolve();
  band.on('state', () => {
    const lineup = band.lineup;
    const key = JSON.stringify(lineup);
    if (key === recorded) return;
    recorded = key;
    // In order: the last write is the lineup now.
    writes = writes
      .then(() => store.setRoomAiLineup(room.id, lineup))
      .catch((err) => logger.error({ err, roomId: room.id }, 'could not record the AI players'));
  });
  if (room.resumedAiLineup.length > 0) {
    void band.restore(room.resumedAiLineup).catch((err: Error) => logger.warn({ err: err.message, roomId: room.id }, 'AI players of a resumed room could not start'));
  }
}
