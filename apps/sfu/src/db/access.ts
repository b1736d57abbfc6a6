// Accounts, sign-in sessions, invites and room access: the repository half of apps/sfu/src/auth.
// Mixed into the BandmateDatabase by createRepository() in ./index.ts; types in ./types.ts.

import { cleanName } from '@bandmate/shared';
import type { PrismaClient as Client } from './generated/sqlite/client.js';
import {
  EmailTakenError,
  type AccessRepository,
  type AuthSession,
  type Invite,
  type ParticipantRole,
  type RoomAccessRecord,
  type RoomMember,
  type RoomVisibility,
  type UserWithPassword,
} from './types.js';

const USER_FIELDS = { id: true, email: true, displayName: true, guest: true, createdAt: true } as const;

export function createAccessRepository(client: Client): AccessRepository {
  /** Prisma's unique-constraint error on User.email becomes EmailTakenError. */
  async function uniqueEmail<T>(email: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if ((err as { code?: string }).code === 'P2002') throw new EmailTakenError(email);
      throw err;
    }
  }

  return {
    async createUser({ email, passwordHash, displayName }) {
      const clean = cleanEmail(email);
      return uniqueEmail(clean, () =>
        client.user.create({
          data: { email: clean, passwordHash, displayName: cleanDisplayName(displayName), guest: false },
          select: USER_FIELDS,
        }),
      );
    },

    async createGuestUser({ displayName }) {
      return client.user.create({ data: { displayName: cleanDisplayName(displayName), guest: true }, select: USER_FIELDS });
    },

    async upgradeGuest(userId, { email, passwordHash, displayName }) {
      const clean = cleanEmail(email);
      return uniqueEmail(clean, () =>
        client.user.update({
          where: { id: userId },
          data: { email: clean, passwordHash, displayName: cleanDisplayName(displayName), guest: false },
          select: USER_FIELDS,
        }),
      );
    },

    async getUser(id) {
      return client.user.findUnique({ where: { id }, select: USER_FIELDS });
    },

    async findUserByEmail(email): Promise<UserWithPassword | null> {
      return client.user.findUnique({
        where: { email: email.trim().toLowerCase() },
        select: { ...USER_FIELDS, passwordHash: true },
      });
    },

    async createAuthSession({ userId, tokenHash, expiresAt }): Promise<AuthSession> {
      return toSession(await client.authSession.create({ data: { userId, tokenHash, expiresAt } }));
    },

    async findAuthSession(tokenHash, now = new Date()) {
      const row = await client.authSession.findUnique({
        where: { tokenHash },
        include: { user: { select: USER_FIELDS } },
      });
      if (!row || row.expiresAt <= now) return null;
      return { session: toSession(row), user: row.user };
    },

    async touchAuthSession(sessionId, at) {
      await client.authSession.updateMany({ where: { id: sessionId }, data: { lastSeenAt: at } });
    },

    async deleteAuthSession(tokenHash) {
      await client.authSession.deleteMany({ where: { tokenHash } });
    },

    async deleteExpiredAuthSessions(now = new Date()) {
      return (await client.authSession.deleteMany({ where: { expiresAt: { lte: now } } })).count;
    },

    async createInvite({ roomId, createdById, expiresAt, role }) {
      if (role !== 'musician' && role !== 'listener') throw new TypeError("role must be 'musician' or 'listener'");
      // Whole seconds: the signed token carries the expiry in seconds and must match the row exactly.
      const expiry = expiresAt ? new Date(Math.floor(expiresAt.getTime() / 1000) * 1000) : null;
      return toInvite(await client.invite.create({ data: { roomId, createdById, expiresAt: expiry, role } }));
    },

    async getInvite(id) {
      const row = await client.invite.findUnique({ where: { id } });
      return row ? toInvite(row) : null;
    },

    async listInvites(roomId, limit = 100) {
      const rows = await client.invite.findMany({
        where: { roomId },
        orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
        take: limit,
      });
      return rows.map(toInvite);
    },

    async revokeInvite(roomId, inviteId, at = new Date()) {
      // Only an unrevoked invite gets a revokedAt, so the first revocation time is kept.
      await client.invite.updateMany({ where: { id: inviteId, roomId, revokedAt: null }, data: { revokedAt: at } });
      const row = await client.invite.findFirst({ where: { id: inviteId, roomId } });
      return row ? toInvite(row) : null;
    },

    async getRoomAccess(roomId): Promise<RoomAccessRecord | null> {
      const row = await client.room.findUnique({
        where: { id: roomId },
        select: { id: true, visibility: true, locked: true, ownerId: true },
      });
      return row ? { ...row, visibility: asVisibility(row.visibility) } : null;
    },

    async roomMembership(userId, roomId) {
      const [room, latest, asMusician, openSession] = await Promise.all([
        client.room.findUnique({ where: { id: roomId }, select: { ownerId: true } }),
        client.participant.findFirst({
          where: { roomId, userId },
          orderBy: [{ joinedAt: 'desc' }, { id: 'asc' }],
          select: { joinedAt: true },
        }),
        client.participant.findFirst({ where: { roomId, userId, role: 'musician' }, select: { id: true } }),
        client.roomSession.findFirst({ where: { roomId, endedAt: null }, orderBy: { startedAt: 'desc' }, select: { startedAt: true } }),
      ]);
      return {
        isOwner: room?.ownerId != null && room.ownerId === userId,
        admittedBefore: latest != null,
        admittedAsMusician: asMusician != null,
        inCurrentSession: latest != null && openSession != null && latest.joinedAt >= openSession.startedAt,
      };
    },

    async listRoomMembers(roomId, limit = 200) {
      const room = await client.room.findUnique({ where: { id: roomId }, select: { ownerId: true } });
      const stays = await client.participant.findMany({
        where: { roomId, userId: { not: null, ...(room?.ownerId ? { notIn: [room.ownerId] } : {}) } },
        orderBy: [{ joinedAt: 'desc' }, { id: 'asc' }],
        select: { userId: true, joinedAt: true, role: true, user: { select: { displayName: true, guest: true } } },
      });
      const members = new Map<string, RoomMember>();
      for (const stay of stays) {
        if (!stay.userId || !stay.user) continue;
        const seen = members.get(stay.userId);
        if (seen) seen.musician ||= stay.role === 'musician';
        else if (members.size < limit) {
          members.set(stay.userId, {
            userId: stay.userId,
            displayName: stay.user.displayName,
            guest: stay.user.guest,
            lastJoinedAt: stay.joinedAt,
            musician: stay.role === 'musician',
          });
        }
      }
      return [...members.values()];
    },

    async removeRoomMember(roomId, userId) {
      return (await client.participant.updateMany({ where: { roomId, userId }, data: { userId: null } })).count;
    },
  };
}

function cleanEmail(email: string): string {
  const clean = typeof email === 'string' ? email.trim().toLowerCase() : '';
  if (!/^[^\s@]+@[^\s@]+$/.test(clean) || clean.length > 254) throw new TypeError('email is not valid');
  return clean;
}

function cleanDisplayName(name: string): string {
  const clean = typeof name === 'string' ? cleanName(name) : '';
  if (clean === '' || clean.length > 100) throw new TypeError('displayName must be 1–100 characters');
  return clean;
}

function toSession(s: { id: string; userId: string; createdAt: Date; expiresAt: Date; lastSeenAt: Date }): AuthSession {
  return { id: s.id, userId: s.userId, createdAt: s.createdAt, expiresAt: s.expiresAt, lastSeenAt: s.lastSeenAt };
}

/** An Invite row as stored: the role is a plain string column. */
function toInvite(i: Omit<Invite, 'role'> & { role: string }): Invite {
  return {
    id: i.id,
    roomId: i.roomId,
    createdById: i.createdById,
    createdAt: i.createdAt,
    expiresAt: i.expiresAt,
    revokedAt: i.revokedAt,
    role: asRole(i.role),
  };
}

export function asVisibility(v: string): RoomVisibility {
  if (v === 'public' || v === 'private' || v === 'unlisted') return v;
  throw new Error(`Unexpected room visibility in database: ${v}`);
}

function asRole(r: string): ParticipantRole {
  if (r === 'musician' || r === 'listener') return r;
  throw new Error(`Unexpected role in database: ${r}`);
}
