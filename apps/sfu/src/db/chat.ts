// Room chat: messages stored with the room session they were said in. Works on either generated
// client (see index.ts for why the SQLite client's type stands for both).
import { CHAT_LIMITS } from '@bandmate/shared';
import type { PrismaClient as SqliteClient } from './generated/sqlite/client.js';
import { NoOpenSessionError, type ChatMessageRecord, type ChatRepository, type NewChatMessage } from './types.js';

type Client = SqliteClient;

/** Storage guard; the signalling protocol allows CHAT_LIMITS.bodyMax. */
const BODY_MAX = 4 * CHAT_LIMITS.bodyMax;

export function createChatRepository(client: Client): ChatRepository {
  async function openSessionId(roomId: string): Promise<string | null> {
    const open = await client.roomSession.findFirst({
      where: { roomId, endedAt: null },
      orderBy: { startedAt: 'desc' },
      select: { id: true },
    });
    return open?.id ?? null;
  }

  return {
    async addChatMessage({ roomId, peerId, displayName, body, userId = null }: NewChatMessage): Promise<ChatMessageRecord> {
      if (typeof body !== 'string' || body.trim() === '' || body.length > BODY_MAX) {
        throw new TypeError(`chat body must be 1–${BODY_MAX} characters`);
      }
      if (typeof peerId !== 'string' || peerId === '') throw new TypeError('peerId is required');
      const sessionId = await openSessionId(roomId);
      if (!sessionId) throw new NoOpenSessionError(roomId);
      const row = await client.chatMessage.create({
        data: { roomId, sessionId, peerId, displayName, body, userId },
      });
      return row;
    },

    async listChatMessages(roomId, opts = {}): Promise<ChatMessageRecord[]> {
      const limit = Math.max(1, Math.min(opts.limit ?? CHAT_LIMITS.historyMax, 1000));
      const sessionId = opts.sessionId ?? (await openSessionId(roomId));
      if (!sessionId) return [];
      // Newest `limit` first, then put back in reading order.
      const rows = await client.chatMessage.findMany({
        where: { roomId, sessionId },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: limit,
      });
      return rows.reverse();
    },
  };
}
