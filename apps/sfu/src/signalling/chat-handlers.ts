import { CHAT_LIMITS, SignalRequestError, type ChatMessage } from '@bandmate/shared';
import type { Peer } from '../rooms/peer.ts';
import type { Room } from '../rooms/room.ts';
import { RateLimiter } from './rate-limiter.ts';
import type { RequestHandlers } from './request-dispatch.ts';

interface StoredChatMessage {
  id: string;
  peerId: string;
  displayName: string;
  body: string;
  createdAt: Date;
}

/** What the chat needs from persistence; the Prisma store implements it (db/chat.ts). */
export interface ChatStore {
  addChatMessage(input: { roomId: string; peerId: string; displayName: string; body: string; userId?: string | null }): Promise<StoredChatMessage>;
  listChatMessages(roomId: string, opts?: { limit?: number }): Promise<StoredChatMessage[]>;
}

/**
 * Room chat on the signalling API. The body arrives validated and cleaned by its schema
 * (chat.ts: length bound, no control or bidi-override characters); the sender's name comes
 * from their membership, never from the message. Each connection gets its own, slower rate
 * limit on top of the signalling one, so nobody can flood the room.
 */
export function chatHandlers(
  connection: {
    member(): { room: Room; peer: Peer };
    /** Settles once the join is stored: it opens the room session the chat belongs to. */
    joinRecorded(): Promise<unknown>;
    /** Sends to everyone in the room but this connection. */
    toOthers(room: Room, message: ChatMessage): void;
    store(): ChatStore;
  },
): Pick<RequestHandlers, 'sendChat' | 'chatHistory'> {
  const limiter = new RateLimiter(CHAT_LIMITS.perSecond, CHAT_LIMITS.burst);
  return {
    sendChat: async ({ body }) => {
      const { room, peer } = connection.member();
      if (!limiter.take()) {
        throw new SignalRequestError('rate_limited', `too many chat messages; at most ${CHAT_LIMITS.burst} in a row, then one a second`);
      }
      await connection.joinRecorded();
      const stored = await connection
        .store()
        .addChatMessage({ roomId: room.id, peerId: peer.id, displayName: peer.displayName, body, userId: peer.userId ?? null })
        .catch((err: Error) => {
          if (err.name === 'NoOpenSessionError') throw new SignalRequestError('not_joined', 'the room has no open session; rejoin');
          throw err;
        });
      const message = toWire(stored);
      connection.toOthers(room, message);
      return message;
    },

    chatHistory: async () => {
      const { room } = connection.member();
      await connection.joinRecorded();
      const stored = await connection.store().listChatMessages(room.id, { limit: CHAT_LIMITS.historyMax });
      return { messages: stored.map(toWire) };
    },
  };
}

function toWire(m: StoredChatMessage): ChatMessage {
  return { id: m.id, peerId: m.peerId, displayName: m.displayName, body: m.body, sentAt: m.createdAt.getTime() };
}
