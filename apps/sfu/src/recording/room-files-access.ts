import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Who may list and download a room's recordings: its members, nobody else. The HTTP routes ask
 * this and nothing more, so the rule can come from wherever membership is known (accounts and
 * invites, apps/sfu/src/auth; or the pass below).
 */
export interface RoomFilesAccess {
  canAccessRoomFiles(req: IncomingMessage, roomId: string): Promise<boolean>;
}

/** Any of several ways in (a signed-in member, or a member's pass). */
export function anyRoomFilesAccess(...ways: RoomFilesAccess[]): RoomFilesAccess {
  return {
    async canAccessRoomFiles(req, roomId) {
      for (const way of ways) if (await way.canAccessRoomFiles(req, roomId)) return true;
      return false;
    },
  };
}

const DEFAULT_TTL_MS = 12 * 60 * 60 * 1000;

/**
 * Passes for a room's files, handed over signalling to peers who are in the room (so only members
 * get one) and shown back as ?access=<token> or an `x-room-files-access` header: an <audio>
 * element can play a track without cookies. A pass is an HMAC over the room id and its expiry
 * with a secret made when the SFU starts (passes end with the process; a rejoin gets a new one).
 */
export class RoomFilesPasses implements RoomFilesAccess {
  private readonly secret: Buffer;

  constructor(
    secret?: Buffer,
    private readonly ttlMs = DEFAULT_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.secret = secret ?? randomBytes(32);
  }

  issue(roomId: string): { token: string; expiresAt: Date } {
    const expires = Math.floor((this.now() + this.ttlMs) / 1000);
    return { token: `${expires}.${this.sign(roomId, expires)}`, expiresAt: new Date(expires * 1000) };
  }

  verify(token: string | undefined, roomId: string): boolean {
    if (!token || token.length > 200) return false;
    const match = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!match) return false;
    const expires = Number(match[1]);
    if (expires * 1000 <= this.now()) return false;
    const expected = Buffer.from(this.sign(roomId, expires));
    const given = Buffer.from(match[2]!);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  async canAccessRoomFiles(req: IncomingMessage, roomId: string): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const header = req.headers['x-room-files-access'];
    const token = url.searchParams.get('access') ?? (typeof header === 'string' ? header : undefined);
    return this.verify(token, roomId);
  }

  private sign(roomId: string, expires: number): string {
    return createHmac('sha256', this.secret).update(`room-files\n${roomId}\n${expires}`).digest('base64url');
  }
}
