import { SignalRequestError, type AiRoomState } from '@bandmate/shared';
import type { Peer } from '../rooms/peer.ts';
import type { Room } from '../rooms/room.ts';
import type { RequestHandlers } from './request-dispatch.ts';

type AiRequest = 'addAiPlayer' | 'setAiPlayer' | 'removeAiPlayer';

/** The room's AI players as the signalling layer needs them (apps/sfu/src/agents/ai-band.ts). */
export interface RoomAi {
  readonly state: AiRoomState;
  add(request: { instrument: string; volume?: number }): Promise<AiRoomState>;
  change(request: { playerId: string; instrument?: string; volume?: number }): Promise<AiRoomState>;
  remove(playerId: string): Promise<AiRoomState>;
}

/** The host's AI controls: validated by request-dispatch, ruled on by the room's AiBand, answered here. */
export function aiHandlers(connection: { member(): { room: Room; peer: Peer }; ai(roomId: string): RoomAi }): Pick<RequestHandlers, AiRequest> {
  const hostsAi = () => {
    const { room, peer } = connection.member();
    if (room.host() !== peer) throw new SignalRequestError('not_host', 'only the host can add, change or remove AI players');
    return connection.ai(room.id);
  };
  return {
    addAiPlayer: async (request) => hostsAi().add(request),
    setAiPlayer: async (request) => hostsAi().change(request),
    removeAiPlayer: async ({ playerId }) => hostsAi().remove(playerId),
  };
}
