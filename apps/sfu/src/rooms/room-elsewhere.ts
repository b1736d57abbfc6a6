import { SignalRequestError } from '@bandmate/shared';

/** The room's live session runs on another SFU node (Room.nodeId); `url` is where that node is reached, if it said. */
export class RoomElsewhereError extends SignalRequestError {
  constructor(
    readonly roomId: string,
    readonly nodeId: string,
    readonly url: string | null,
  ) {
    super('room_elsewhere', `room ${roomId} is live on SFU node ${nodeId}${url ? ` (${url})` : ''}: connect there`);
  }
}
