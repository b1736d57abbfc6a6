import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Invite link tokens: base64url("<inviteId>.<expiry>") "." base64url(HMAC-SHA256(secret, message)),
 * expiry in unix seconds (0: never). The signed message also names the room, so a token made for
 * one room fails on every other one without a database lookup; only the invite row can say
 * whether the host revoked it.
 */
const VERSION = 'bandmate-invite-v1';

export interface InviteClaims {
  inviteId: string;
  /** null: never expires. */
  expiresAt: Date | null;
}

export type TokenCheck = { ok: true; claims: InviteClaims } | { ok: false; reason: 'malformed' | 'bad_signature' };

function mac(secret: Buffer, roomId: string, inviteId: string, expirySeconds: number): Buffer {
  return createHmac('sha256', secret).update(`${VERSION}\n${roomId}\n${inviteId}\n${expirySeconds}`).digest();
}

function expirySeconds(expiresAt: Date | null): number {
  return expiresAt ? Math.floor(expiresAt.getTime() / 1000) : 0;
}

export function signInviteToken(secret: Buffer, roomId: string, claims: InviteClaims): string {
  const seconds = expirySeconds(claims.expiresAt);
  const payload = Buffer.from(`${claims.inviteId}.${seconds}`).toString('base64url');
  return `${payload}.${mac(secret, roomId, claims.inviteId, seconds).toString('base64url')}`;
}

/** Checks the token's signature for `roomId`; expiry and revocation are the caller's to check. */
export function verifyInviteToken(secret: Buffer, roomId: string, token: string): TokenCheck {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined) return { ok: false, reason: 'malformed' };
  const match = /^([0-9a-f-]{36})\.(\d{1,12})$/.exec(Buffer.from(payload, 'base64url').toString('utf8'));
  if (!match) return { ok: false, reason: 'malformed' };
  const inviteId = match[1]!;
  const seconds = Number(match[2]);
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(secret, roomId, inviteId, seconds);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };
  return { ok: true, claims: { inviteId, expiresAt: seconds === 0 ? null : new Date(seconds * 1000) } };
}
