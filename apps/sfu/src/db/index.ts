// Bandmate's persistence: rooms, participants and room sessions.
//
//   const db = await openDatabase();          // DATABASE_URL, else file:./data/bandmate.db (repo root)
//   const room = await db.createRoom({ name: 'Friday jam', maxParticipants: 4 });
//   const p = await db.recordJoin({ roomId: room.id, displayName: 'Ana', role: 'musician', peerId });
//   await db.recordLeave(p.id);
//
// The schema is migrated beforehand by scripts/install/database.mjs (postinstall and npm start).
// SQLite goes through @prisma/adapter-better-sqlite3, PostgreSQL through @prisma/adapter-pg; each has
// its own generated client (apps/sfu/src/db/generated/<provider>, a client generated for one provider
// refuses the other's adapter). Callers only see the types in ./types.ts.

import { randomInt } from 'node:crypto';
import { cleanName } from '@bandmate/shared';
import type { PrismaClient as SqliteClient } from './generated/sqlite/client.js';
import {
  DatabaseNotReadyError,
  PARTICIPANT_ROLES,
  ParticipantNotFoundError,
  RoomFullError,
  RoomNotFoundError,
  type BandmateDatabase,
  type CreateRoomInput,
  type DatabaseOptions,
  type LeaveResult,
  type LobbyQuery,
  type Participant,
  type ParticipantRole,
  type RecordJoinInput,
  type Room,
  type RoomSession,
  type RoomStatus,
} from './types.js';
import { redactUrl, resolveDatabaseUrl } from './url.js';
import { roomLockRepository } from './room-lock.js';
import { roomNodesRepository } from './room-nodes.js';
import { roomResumeRepository, SESSION_CLOSED } from './room-resume.js';
import { asVisibility, createAccessRepository } from './access.js';
import { createRecordingRepository } from './recordings.js';
import { createChatRepository } from './chat.js';
import { createTempoRepository } from './tempo.js';

export * from './types.js';
export type { InterruptedRoom } from './room-resume.js';
export { DEFAULT_DATABASE_URL, resolveDatabaseUrl, type DatabaseProvider, type ResolvedDatabaseUrl } from './url.js';

/**
 * Both generated clients expose the same model API (same models, same Prisma version); the code
 * below is written against the SQLite client's type and the PostgreSQL client is used through it.
 */
type Client = SqliteClient;
type Tx = Parameters<Parameters<Client['$transaction']>[0]>[0];

/**
 * How long a write waits for another process's lock on the SQLite file (a backup, VACUUM, an open
 * sqlite3 shell). better-sqlite3 waits synchronously, so the whole SFU (signalling, every room's
 * timers, socket.io heartbeats) stands still meanwhile, and the waits of queued writes add up: at
 * 5 s each, a join or a chat message behind such a lock froze it for 5 s and its client gave up.
 * Past this wait the write fails as SQLITE_BUSY, answered `unavailable` (db/unavailable.ts). The
 * SFU's own writes never wait here: they share one connection.
 */
const SQLITE_BUSY_TIMEOUT_MS = 250;

/**
 * How long PostgreSQL may take to accept a connection or answer a query. A server that is gone
 * refuses at once, but one that hangs (frozen, or cut off by the network) would hold every request
 * that needs it until TCP gives up, minutes later; past this they are answered `unavailable`.
 * Nothing the SFU asks of it takes more than milliseconds.
 */
const PG_WAIT_MS = 3000;

const ROOM_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const ROOM_ID_LENGTH = 10;
const ROOM_ID_RE = new RegExp(`^[A-Za-z0-9]{${ROOM_ID_LENGTH}}$`);

/** A random 10-char [A-Za-z0-9] id (~59.5 bits). */
export function newRoomId(): string {
  let id = '';
  for (let i = 0; i < ROOM_ID_LENGTH; i++) id += ROOM_ID_ALPHABET[randomInt(ROOM_ID_ALPHABET.length)];
  return id;
}

export function isRoomId(value: string): boolean {
  return ROOM_ID_RE.test(value);
}

/**
 * Opens the database named by `url` (default: DATABASE_URL, else file:./data/bandmate.db relative
 * to the repo root) and checks that it is migrated. Throws DatabaseNotReadyError with a hint when
 * the server is unreachable or the tables are missing.
 */
export async function openDatabase(url?: string, options: DatabaseOptions = {}): Promise<BandmateDatabase> {
  const db = resolveDatabaseUrl(url ?? process.env.DATABASE_URL);
  let client: Client;
  if (db.provider === 'sqlite') {
    const [{ PrismaClient }, { PrismaBetterSQLite3 }] = await Promise.all([
      import('./generated/sqlite/client.js'),
      import('@prisma/adapter-better-sqlite3'),
    ]);
    // fileMustExist: the file is created by the migration step, not silently here.
    client = new PrismaClient({
      adapter: new PrismaBetterSQLite3({ url: db.filePath, fileMustExist: true, timeout: SQLITE_BUSY_TIMEOUT_MS }),
    });
  } else {
    const [{ PrismaClient }, { PrismaPg }] = await Promise.all([
      import('./generated/postgresql/client.js'),
      import('@prisma/adapter-pg'),
    ]);
    const pgClient = new PrismaClient({
      adapter: new PrismaPg({ connectionString: db.url, max: 10, connectionTimeoutMillis: PG_WAIT_MS, query_timeout: PG_WAIT_MS }),
    });
    client = pgClient as unknown as Client;
  }

  const where = db.provider === 'sqlite' ? db.filePath : redactUrl(db.url);
  try {
    if (db.provider === 'sqlite') {
      // WAL: readers do not block the writer; persistent in the file. Foreign keys on explicitly
      // (better-sqlite3 builds with them on by default, other builds may not).
      await client.$queryRawUnsafe('PRAGMA journal_mode = WAL');
      await client.$executeRawUnsafe('PRAGMA foreign_keys = ON');
    }
    await client.room.findFirst({ select: { id: true } });
  } catch (err) {
    await client.$disconnect().catch(() => {});
    const e = err as { code?: string; message?: string };
    const hint = 'Run `node scripts/install/database.mjs` (with the same DATABASE_URL) to create and migrate it.';
    if (e.code === 'P2021' || /no such table|does not exist/i.test(e.message ?? '')) {
      throw new DatabaseNotReadyError(`Database ${where} is not migrated. ${hint}`, { cause: err });
    }
    if (db.provider === 'sqlite' && /unable to open database|SQLITE_CANTOPEN|does not exist/i.test(e.message ?? '')) {
      throw new DatabaseNotReadyError(`SQLite database ${where} does not exist. ${hint}`, { cause: err });
    }
    throw new DatabaseNotReadyError(`Cannot open database ${where}: ${e.message ?? String(err)}`, { cause: err });
  }
  return createRepository(client, db.provider, options);
}

function createRepository(
  client: Client,
  provider: 'sqlite' | 'postgresql',
  { closeRoomWhenEmpty = true }: DatabaseOptions,
): BandmateDatabase {
  /**
   * Serialises concurrent writers on one room: a no-op UPDATE takes the row lock in PostgreSQL
   * (held to the end of the transaction) and the write lock in SQLite. Returns false if no such room.
   */
  async function lockRoom(tx: Tx, roomId: string): Promise<boolean> {
    const n = await tx.$executeRaw`UPDATE "Room" SET "status" = "status" WHERE "id" = ${roomId}`;
    return n > 0;
  }

  async function endOpenSessions(tx: Tx, roomId: string, now: Date): Promise<RoomSession | null> {
    const open = await tx.roomSession.findFirst({
      where: { roomId, endedAt: null },
      orderBy: { startedAt: 'desc' },
    });
    if (!open) return null;
    await tx.roomSession.updateMany({ where: { roomId, endedAt: null }, data: { endedAt: now } });
    return toSession({ ...open, endedAt: now });
  }

  return {
    provider,
    ...roomLockRepository(client),
    ...roomResumeRepository(client),
    ...roomNodesRepository(client),

    async createRoom({ name, maxParticipants, visibility = 'public', ownerId = null }: CreateRoomInput): Promise<Room> {
      const cleanRoomName = typeof name === 'string' ? cleanName(name) : '';
      if (cleanRoomName === '' || cleanRoomName.length > 200) {
        throw new TypeError('Room name must be 1–200 characters');
      }
      if (maxParticipants != null && (!Number.isInteger(maxParticipants) || maxParticipants < 1)) {
        throw new TypeError('maxParticipants must be a positive integer');
      }
      if (visibility !== 'public' && visibility !== 'private' && visibility !== 'unlisted') {
        throw new TypeError("visibility must be 'public', 'private' or 'unlisted'");
      }
      for (let attempt = 0; ; attempt++) {
        try {
          const row = await client.room.create({
            data: { id: newRoomId(), name: cleanRoomName, maxParticipants: maxParticipants ?? null, status: 'open', visibility, ownerId },
          });
          return toRoom(row);
        } catch (err) {
          // Id collision (P2002): astronomically rare, retry with a fresh id.
          if ((err as { code?: string }).code === 'P2002' && attempt < 5) continue;
          throw err;
        }
      }
    },

    async getRoom(id: string): Promise<Room | null> {
      const row = await client.room.findUnique({ where: { id } });
      return row ? toRoom(row) : null;
    },

    async listOpenRooms(opts: LobbyQuery = {}): Promise<Room[]> {
      // The lobby: private rooms are never listed.
      const rows = await client.room.findMany({
        where: {
          status: 'open',
          visibility: 'public',
          ...(opts.activeSince && { OR: [{ createdAt: { gte: opts.activeSince } }, { participants: { some: { leftAt: null } } }] }),
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
        ...(opts.limit !== undefined && { take: opts.limit }),
      });
      return rows.map(toRoom);
    },

    async openStayCounts(roomIds: string[]): Promise<Map<string, number>> {
      if (roomIds.length === 0) return new Map();
      const rows = await client.participant.groupBy({ by: ['roomId'], where: { roomId: { in: roomIds }, leftAt: null }, _count: { _all: true } });
      return new Map(rows.map((r) => [r.roomId, r._count._all]));
    },

    async recordJoin({ roomId, displayName, role, peerId, userId = null }: RecordJoinInput): Promise<Participant> {
      if (!PARTICIPANT_ROLES.includes(role)) throw new TypeError(`role must be one of ${PARTICIPANT_ROLES.join(', ')}`);
      const cleanName = typeof displayName === 'string' ? displayName.trim() : '';
      if (cleanName === '' || cleanName.length > 100) throw new TypeError('displayName must be 1–100 characters');
      if (typeof peerId !== 'string' || peerId === '') throw new TypeError('peerId is required');

      return client.$transaction(async (tx) => {
        if (!(await lockRoom(tx, roomId))) throw new RoomNotFoundError(roomId);
        const room = await tx.room.findUniqueOrThrow({ where: { id: roomId } });
        const active = await tx.participant.count({ where: { roomId, leftAt: null } });
        if (room.maxParticipants != null && active >= room.maxParticipants) {
          throw new RoomFullError(roomId, room.maxParticipants);
        }
        const now = new Date();
        const openSession = await tx.roomSession.findFirst({ where: { roomId, endedAt: null }, select: { id: true } });
        if (!openSession) await tx.roomSession.create({ data: { roomId, startedAt: now } });
        if (room.status !== 'open' || room.closedAt !== null) {
          await tx.room.update({ where: { id: roomId }, data: { status: 'open', closedAt: null } });
        }
        const row = await tx.participant.create({
          data: { roomId, displayName: cleanName, role, peerId, joinedAt: now, userId },
        });
        return toParticipant(row);
      });
    },

    async recordLeave(participantId: string, { keepSession = false } = {}): Promise<LeaveResult> {
      const found = await client.participant.findUnique({ where: { id: participantId }, select: { roomId: true } });
      if (!found) throw new ParticipantNotFoundError(participantId);
      return client.$transaction(async (tx) => {
        await lockRoom(tx, found.roomId);
        const before = await tx.participant.findUniqueOrThrow({ where: { id: participantId } });
        if (before.leftAt !== null) {
          const remaining = await tx.participant.count({ where: { roomId: before.roomId, leftAt: null } });
          return { participant: toParticipant(before), remaining, endedSession: null, roomClosed: false };
        }
        const now = new Date();
        const row = await tx.participant.update({ where: { id: participantId }, data: { leftAt: now } });
        const remaining = await tx.participant.count({ where: { roomId: row.roomId, leftAt: null } });
        let endedSession: RoomSession | null = null;
        let roomClosed = false;
        if (remaining === 0 && !keepSession) {
          endedSession = await endOpenSessions(tx, row.roomId, now);
          if (closeRoomWhenEmpty) {
            const closed = await tx.room.updateMany({
              where: { id: row.roomId, status: 'open' },
              data: { status: 'closed', closedAt: now, ...SESSION_CLOSED },
            });
            roomClosed = closed.count > 0;
          }
        }
        return { participant: toParticipant(row), remaining, endedSession, roomClosed };
      });
    },

    async closeRoom(roomId: string): Promise<Room> {
      return client.$transaction(async (tx) => {
        if (!(await lockRoom(tx, roomId))) throw new RoomNotFoundError(roomId);
        const now = new Date();
        await tx.participant.updateMany({ where: { roomId, leftAt: null }, data: { leftAt: now } });
        await endOpenSessions(tx, roomId, now);
        const room = await tx.room.findUniqueOrThrow({ where: { id: roomId } });
        const row = await tx.room.update({
          where: { id: roomId },
          data: { status: 'closed', closedAt: room.closedAt ?? now, ...SESSION_CLOSED },
        });
        return toRoom(row);
      });
    },

    async listParticipants(roomId: string, opts: { activeOnly?: boolean } = {}): Promise<Participant[]> {
      const rows = await client.participant.findMany({
        where: opts.activeOnly ? { roomId, leftAt: null } : { roomId },
        orderBy: [{ joinedAt: 'asc' }, { id: 'asc' }],
      });
      return rows.map(toParticipant);
    },

    async listSessions(roomId: string): Promise<RoomSession[]> {
      const rows = await client.roomSession.findMany({
        where: { roomId },
        orderBy: [{ startedAt: 'asc' }, { id: 'asc' }],
      });
      return rows.map(toSession);
    },

    async close(): Promise<void> {
      await client.$disconnect();
    },

    ...createAccessRepository(client),
    ...createRecordingRepository(client),
    ...createChatRepository(client),
    ...createTempoRepository(client),
  };
}

function toRoom(r: {
  id: string;
  name: string;
  createdAt: Date;
  closedAt: Date | null;
  maxParticipants: number | null;
  status: string;
  visibility: string;
  ownerId: string | null;
}): Room {
  return {
    id: r.id,
    name: r.name,
    createdAt: r.createdAt,
    closedAt: r.closedAt,
    maxParticipants: r.maxParticipants,
    status: asStatus(r.status),
    visibility: asVisibility(r.visibility),
    ownerId: r.ownerId,
  };
}

function toParticipant(p: {
  id: string;
  roomId: string;
  displayName: string;
  joinedAt: Date;
  leftAt: Date | null;
  role: string;
  peerId: string;
  userId: string | null;
}): Participant {
  return {
    id: p.id,
    roomId: p.roomId,
    displayName: p.displayName,
    joinedAt: p.joinedAt,
    leftAt: p.leftAt,
    role: asRole(p.role),
    peerId: p.peerId,
    userId: p.userId,
  };
}

function toSession(s: { id: string; roomId: string; startedAt: Date; endedAt: Date | null }): RoomSession {
  return { id: s.id, roomId: s.roomId, startedAt: s.startedAt, endedAt: s.endedAt };
}

function asStatus(s: string): RoomStatus {
  if (s === 'open' || s === 'closed') return s;
  throw new Error(`Unexpected room status in database: ${s}`);
}

function asRole(r: string): ParticipantRole {
  if (r === 'musician' || r === 'listener') return r;
  throw new Error(`Unexpected participant role in database: ${r}`);
}
