// SFU nodes sharing one database: each live room runs on one node (Room.nodeId), and each node
// holds a lease it renews with a heartbeat (SfuNode.heartbeatAt). A node silent past its lease is
// dead; its rooms may be claimed by another. The claim is one conditional write, so two nodes
// racing for a room cannot both get it.
import type { PrismaClient as SqliteClient } from './generated/sqlite/client.js';
import { RoomNotFoundError } from './types.js';

export interface SfuNodeRecord {
  id: string;
  url: string | null;
  heartbeatAt: Date;
  rooms: number;
  peers: number;
}

/** A node as a room store sees it: who it is and how long a silent node keeps its rooms. */
export interface NodeClaim {
  nodeId: string;
  leaseMs: number;
}

export interface RoomNodesRepository {
  /** This node is up (a restart with the same id takes its record over). */
  registerNode(node: { id: string; url: string | null }, now?: Date): Promise<void>;
  /** Renews the lease and records the load. */
  heartbeat(id: string, load: { rooms: number; peers: number }, now?: Date): Promise<void>;
  /** Gives the lease up at once (a stop): its rooms may be taken over without waiting for it to run out. */
  releaseNode(id: string): Promise<void>;
  /** The nodes whose lease has not run out. */
  liveNodes(leaseMs: number, now?: Date): Promise<SfuNodeRecord[]>;
  /**
   * Makes `nodeId` the room's node for a new session: when no node holds it, it does already, or
   * its node is dead and left nobody inside (a dead node's session with people inside is taken
   * over with them, by takeInterruptedRooms, not started over). Returns null when it did, else
   * the node that holds it and whether that node is alive. Throws RoomNotFoundError.
   */
  claimRoom(roomId: string, claim: NodeClaim, now?: Date): Promise<{ nodeId: string; url: string | null; alive: boolean } | null>;
  /** The node holding the room now and whether its lease is live; null when none does (or no such room). A read: it claims nothing. */
  roomNode(roomId: string, leaseMs: number, now?: Date): Promise<{ nodeId: string; url: string | null; alive: boolean } | null>;
  /** Of `roomIds`, those the database does not give to `nodeId` (another node took them over, or their session ended). */
  roomsNotHeldBy(nodeId: string, roomIds: string[]): Promise<string[]>;
}

/** A node whose last heartbeat is after this has not run out of its lease at `now`. */
function leaseCutoff(leaseMs: number, now: Date): Date {
  return new Date(now.getTime() - leaseMs);
}

/** The SfuNode filter for nodes whose lease has not run out at `now`. */
export function liveNodeFilter(leaseMs: number, now: Date) {
  return { heartbeatAt: { gt: leaseCutoff(leaseMs, now) } };
}

export function roomNodesRepository(client: SqliteClient): RoomNodesRepository {
  const liveNodes = (leaseMs: number, now: Date) => client.sfuNode.findMany({ where: liveNodeFilter(leaseMs, now), orderBy: { id: 'asc' } });
  return {
    async registerNode({ id, url }, now = new Date()) {
      await client.sfuNode.upsert({ where: { id }, create: { id, url, startedAt: now, heartbeatAt: now }, update: { url, startedAt: now, heartbeatAt: now, rooms: 0, peers: 0 } });
    },

    async heartbeat(id, { rooms, peers }, now = new Date()) {
      // upsert: a node whose record was removed (by an operator) comes back rather than failing.
      await client.sfuNode.upsert({ where: { id }, create: { id, heartbeatAt: now, rooms, peers }, update: { heartbeatAt: now, rooms, peers } });
    },

    async releaseNode(id) {
      await client.sfuNode.updateMany({ where: { id }, data: { heartbeatAt: new Date(0), rooms: 0, peers: 0 } });
    },

    liveNodes: (leaseMs, now = new Date()) => liveNodes(leaseMs, now),

    async claimRoom(roomId, { nodeId, leaseMs }, now = new Date()) {
      const others = (await liveNodes(leaseMs, now)).filter((n) => n.id !== nodeId);
      const { count } = await client.room.updateMany({
        where: {
          id: roomId,
          OR: [{ nodeId: null }, { nodeId }, { nodeId: { notIn: others.map((n) => n.id) }, participants: { none: { leftAt: null } } }],
        },
        data: { nodeId },
      });
      if (count === 1) return null;
      const row = await client.room.findUnique({ where: { id: roomId }, select: { nodeId: true } });
      if (!row) throw new RoomNotFoundError(roomId);
      const holder = others.find((n) => n.id === row.nodeId);
      return { nodeId: row.nodeId ?? 'unknown', url: holder?.url ?? null, alive: holder !== undefined };
    },

    async roomsNotHeldBy(nodeId, roomIds) {
      if (roomIds.length === 0) return [];
      const rows = await client.room.findMany({ where: { id: { in: roomIds }, OR: [{ nodeId: null }, { nodeId: { not: nodeId } }] }, select: { id: true } });
      return rows.map((r) => r.id);
    },

    async roomNode(roomId, leaseMs, now = new Date()) {
      const row = await client.room.findUnique({ where: { id: roomId }, select: { nodeId: true } });
      if (!row?.nodeId) return null;
      const node = await client.sfuNode.findUnique({ where: { id: row.nodeId } });
      if (!node) return { nodeId: row.nodeId, url: null, alive: false };
      return { nodeId: node.id, url: node.url, alive: node.heartbeatAt > leaseCutoff(leaseMs, now) };
    },
  };
}
