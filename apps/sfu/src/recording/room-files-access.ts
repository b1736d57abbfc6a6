import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { requestUrl } from '../http/http-api.ts';

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
 * element can play a track without cookies. A pass is an HMAC over the room id, its expiry and
 * the holder's account (if any) with a secret made when the SFU starts (passes end with the
 * process; a rejoin gets a new one). A holder's pass works only while the account is a member
 * (`isMember`), so the owner's removing a member ends the passes they hold too.
 */
export class RoomFilesPasses implements RoomFilesAccess {
  private readonly secret: Buffer;

  constructor(
    secret?: Buffer,
    private readonly ttlMs = DEFAULT_TTL_MS,
    private readonly now: () => number = Date.now,
    private readonly isMember?: (userId: string, roomId: string) => Promise<boolean>,
  ) {
    this.secret = secret ?? randomBytes(32);
  }

  /** `holder`: the account of the peer it is for; none for an anonymous peer of a public room. */
  issue(roomId: string, holder?: string): { token: string; expiresAt: Date } {
    const expires = Math.floor((this.now() + this.ttlMs) / 1000);
    const subject = holder ? `${holder}.` : '';
    return { token: `${expires}.${subject}${this.sign(roomId, expires, holder)}`, expiresAt: new Date(expires * 1000) };
  }

  /** Whether the pass is genuine, for this room and unexpired (membership aside). */
  verify(token: string | undefined, roomId: string): boolean {
    return this.holderOf(token, roomId) !== undefined;
  }

  async canAccessRoomFiles(req: IncomingMessage, roomId: string): Promise<boolean> {
    const url = requestUrl(req);
    const header = req.headers['x-room-files-access'];
    const token = url.searchParams.get('access') ?? (typeof header === 'string' ? header : undefined);
    const holder = this.holderOf(token, roomId);
    if (holder === undefined) return false;
    return holder === null || !this.isMember || this.isMember(holder, roomId);
  }

  /** The account a genuine pass names (null: anonymous); undefined for anything else. */
  private holderOf(token: string | undefined, roomId: string): string | null | undefined {
    if (!token || token.length > 200) return undefined;
    const match = /^(\d{1,12})\.(?:([0-9a-f-]{36})\.)?([A-Za-z0-9_-]{43})$/.exec(token);
    if (!match) return undefined;
    const expires = Number(match[1]);
    if (expires * 1000 <= this.now()) return undefined;
    const holder = match[2] ?? null;
    const expected = Buffer.from(this.sign(roomId, expires, holder ?? undefined));
    const given = Buffer.from(match[3]!);
    return given.length === expected.length && timingSafeEqual(given, expected) ? holder : undefined;
  }

  private sign(roomId: string, expires: number, holder?: string): string {
    const claims = holder ? `room-files\n${roomId}\n${expires}\n${holder}` : `room-files\n${roomId}\n${expires}`;
    return createHmac('sha256', this.secret).update(claims).digest('base64url');
  }
}
