// What a live room session needs to survive the SFU process: who holds the host role
// (Room.hostPeerId), its AI players (Room.aiLineup), the host's decisions about people
// (Room.standing) and, at the next start, who was inside when the process ended.
import { aiLineupSchema, durableStandingSchema, type AiLineup, type DurableStanding } from '@bandmate/shared';
import type { z } from 'zod';
import type { PrismaClient as SqliteClient } from './generated/sqlite/client.js';
import { liveNodeFilter, type NodeClaim } from './room-nodes.js';
import { RoomNotFoundError } from './types.js';

/**
 * What one room session holds and the next must not inherit: the lock, the host, the AI players and
 * the host's decisions about people. Written in the same statement that ends or starts a session, so
 * nobody ever reads a closed room that is still locked.
 */
export const SESSION_OVER = { locked: false, hostPeerId: null, aiLineup: null, standing: null } as const;

/** A session ends: SESSION_OVER, and no node runs it any more (room-nodes.ts). */
export const SESSION_CLOSED = { ...SESSION_OVER, nodeId: null } as const;

/** A room whose session a previous SFU process left running (it stopped or crashed with people inside). */
export interface InterruptedRoom {
  roomId: string;
  locked: boolean;
  hostPeerId: string | null;
  /** The people inside when it ended (their stays are closed now; they are expected back). */
  people: Array<{ peerId: string; userId: string | null }>;
  /** Its AI players then (empty when none, or when the stored lineup does not parse). */
  aiLineup: AiLineup;
  /** The host's decisions about people then (removed, muted, listen-only), by account or peer id. */
  standing: DurableStanding;
}

/** Which interrupted rooms a node takes (RoomResumeRepository.takeInterruptedRooms). */
export type InterruptedRoomsOf = NodeClaim & { own: boolean; skip?: string[]; only?: string };

export interface RoomResumeRepository {
  /** Records who holds the host role now (null: nobody). Throws RoomNotFoundError. */
  setRoomHost(roomId: string, peerId: string | null): Promise<void>;
  /** Records the session's AI players now (null or empty: none). Throws RoomNotFoundError, or TypeError on a bad lineup. */
  setRoomAiLineup(roomId: string, lineup: AiLineup | null): Promise<void>;
  /** Records the host's durable decisions about people now (null or empty: none). Throws RoomNotFoundError, or TypeError. */
  setRoomStanding(roomId: string, standing: DurableStanding | null): Promise<void>;
  /** A new session starts unlocked, with no host, AI players or decisions about people from an earlier one (SESSION_OVER). Throws RoomNotFoundError. */
  clearSessionRecord(roomId: string): Promise<void>;
  /** Reads Room.hostPeerId. Throws RoomNotFoundError. */
  roomHost(roomId: string): Promise<string | null>;
  /**
   * Takes the rooms with stays still open (a previous process ended without recording the
   * leaves) and closes those stays, so seats are free again, but not the room session: the
   * people return into the same session, lock and host.
   * With a node: only rooms no live node runs (no node, a dead one, or — `own` — this node's
   * id, left by its last process) and not in `skip` (those it runs now), each claimed for this
   * node in the same transaction; `only`: that one room, if it is such a room.
   */
  takeInterruptedRooms(node?: InterruptedRoomsOf, now?: Date): Promise<InterruptedRoom[]>;
}

export function roomResumeRepository(client: SqliteClient): RoomResumeRepository {
  return {
    async setRoomHost(roomId, peerId) {
      if (peerId !== null && (typeof peerId !== 'string' || peerId === '' || peerId.length > 64)) throw new TypeError('peerId must be 1–64 characters or null');
      const { count } = await client.room.updateMany({ where: { id: roomId }, data: { hostPeerId: peerId } });
      if (count === 0) throw new RoomNotFoundError(roomId);
    },

    async setRoomAiLineup(roomId, lineup) {
      const parsed = lineup === null ? null : aiLineupSchema.safeParse(lineup);
      if (parsed && !parsed.success) throw new TypeError(`not an AI lineup: ${parsed.error.issues[0]?.message}`);
      const aiLineup = parsed?.data.length ? JSON.stringify(parsed.data) : null;
      const { count } = await client.room.updateMany({ where: { id: roomId }, data: { aiLineup } });
      if (count === 0) throw new RoomNotFoundError(roomId);
    },

    async setRoomStanding(roomId, standing) {
      const parsed = standing === null ? null : durableStandingSchema.safeParse(standing);
      if (parsed && !parsed.success) throw new TypeError(`not a room's standing: ${parsed.error.issues[0]?.message}`);
      const text = parsed && Object.keys(parsed.data).length ? JSON.stringify(parsed.data) : null;
      const { count } = await client.room.updateMany({ where: { id: roomId }, data: { standing: text } });
      if (count === 0) throw new RoomNotFoundError(roomId);
    },

    async clearSessionRecord(roomId) {
      const { count } = await client.room.updateMany({ where: { id: roomId }, data: SESSION_OVER });
      if (count === 0) throw new RoomNotFoundError(roomId);
    },

    async roomHost(roomId) {
      const row = await client.room.findUnique({ where: { id: roomId }, select: { hostPeerId: true } });
      if (!row) throw new RoomNotFoundError(roomId);
      return row.hostPeerId;
    },

    async takeInterruptedRooms(node, now = new Date()) {
      return client.$transaction(async (tx) => {
        const open = await tx.participant.findMany({
          where: { leftAt: null, ...(node?.only === undefined ? {} : { roomId: node.only }) },
          select: { roomId: true, peerId: true, userId: true },
          orderBy: [{ joinedAt: 'asc' }, { id: 'asc' }],
        });
        if (open.length === 0) return [];
        const byRoom = new Map<string, InterruptedRoom['people']>();
        for (const p of open) {
          const people = byRoom.get(p.roomId) ?? [];
          people.push({ peerId: p.peerId, userId: p.userId });
          byRoom.set(p.roomId, people);
        }
        let ids = [...byRoom.keys()];
        if (node) {
          // Rooms this node runs now are not interrupted, whatever their record says.
          const skip = new Set(node.skip);
          ids = ids.filter((id) => !skip.has(id));
          const live = await tx.sfuNode.findMany({ where: liveNodeFilter(node.leaseMs, now), select: { id: true } });
          const keep = live.map((n) => n.id).filter((id) => !(node.own && id === node.nodeId));
          const unheld = [{ nodeId: null }, { nodeId: { notIn: keep } }];
          const candidates = await tx.room.findMany({ where: { id: { in: ids }, OR: unheld }, select: { id: true } });
          const taken: string[] = [];
          for (const { id } of candidates) {
            // One conditional write per room: of two nodes sweeping at once, one gets it.
            const { count } = await tx.room.updateMany({ where: { id, OR: unheld }, data: { nodeId: node.nodeId } });
            if (count === 1) taken.push(id);
          }
          ids = taken;
          if (ids.length === 0) return [];
        }
        const rooms = await tx.room.findMany({ where: { id: { in: ids } }, select: { id: true, locked: true, hostPeerId: true, aiLineup: true, standing: true } });
        await tx.participant.updateMany({ where: { leftAt: null, roomId: { in: ids } }, data: { leftAt: now } });
        return rooms.map((r) => ({ roomId: r.id, locked: r.locked, hostPeerId: r.hostPeerId, people: byRoom.get(r.id) ?? [], aiLineup: parseStored(aiLineupSchema, r.aiLineup, []), standing: parseStored(durableStandingSchema, r.standing, {}) }));
      });
    },
  };
}

/** A stored JSON value, or `none` when it is missing or does not parse (a bad record must not stop a resume). */
function parseStored<T>(schema: z.ZodType<T>, text: string | null, none: T): T {
  if (!text) return none;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : none;
  } catch {
    return none;
  }
}
