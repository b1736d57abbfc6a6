import { createHash, randomBytes } from 'node:crypto';
import type { AccessRepository, User } from '../db/types.ts';

/**
 * Sign-in sessions. The cookie carries 32 random bytes; the database keeps only their SHA-256,
 * so a leaked database does not hand out live sessions. A fast hash is right here (unlike for
 * passwords): the token has 256 bits of entropy, nothing to brute-force.
 */
export const SESSION_COOKIE = 'bandmate_session';
const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;
/** lastSeenAt is written at most this often per session, not on every request. */
const TOUCH_EVERY_MS = 60 * 60 * 1000;

export type SessionStore = Pick<
  AccessRepository,
  'createAuthSession' | 'findAuthSession' | 'touchAuthSession' | 'deleteAuthSession' | 'deleteExpiredAuthSessions'
>;

export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * HttpOnly (no script reads it), Secure (browsers accept it from http://localhost and
 * http://127.0.0.1 too, which count as secure contexts), SameSite=Lax (other sites' requests do
 * not carry it; the web app on :3000 and the SFU on :4000 are the same site: ports do not count).
 */
export function sessionCookie(token: string, expiresAt: Date): string {
  const maxAge = Math.max(0, Math.round((expiresAt.getTime() - Date.now()) / 1000));
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=${maxAge}; Expires=${expiresAt.toUTCString()}`;
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT`;
}

/** The value of cookie `name` in a Cookie header, if present. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export interface SignedIn {
  user: User;
  sessionId: string;
  tokenHash: string;
}

export class SessionService {
  constructor(
    private readonly store: SessionStore,
    private readonly ttlMs: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** A new session for `userId`: the token goes into the Set-Cookie value, never into storage. */
  async start(userId: string): Promise<{ cookie: string; expiresAt: Date; token: string }> {
    const token = newSessionToken();
    const expiresAt = new Date(this.now().getTime() + this.ttlMs);
    await this.store.createAuthSession({ userId, tokenHash: hashSessionToken(token), expiresAt });
    return { cookie: sessionCookie(token, expiresAt), expiresAt, token };
  }

  /** Who a Cookie header belongs to; null without a cookie, or with an unknown or expired one. */
  async resolve(cookieHeader: string | undefined): Promise<SignedIn | null> {
    const token = readCookie(cookieHeader, SESSION_COOKIE);
    if (!token || !TOKEN_RE.test(token)) return null;
    const tokenHash = hashSessionToken(token);
    const now = this.now();
    const found = await this.store.findAuthSession(tokenHash, now);
    if (!found) return null;
    if (now.getTime() - found.session.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
      await this.store.touchAuthSession(found.session.id, now);
    }
    return { user: found.user, sessionId: found.session.id, tokenHash };
  }

  /** Ends the session of this Cookie header (sign-out); unknown cookies are ignored. */
  async end(cookieHeader: string | undefined): Promise<void> {
    const token = readCookie(cookieHeader, SESSION_COOKIE);
    if (token && TOKEN_RE.test(token)) await this.store.deleteAuthSession(hashSessionToken(token));
  }

  /** Housekeeping: expired rows are useless (resolve ignores them) but would pile up. */
  pruneExpired(): Promise<number> {
    return this.store.deleteExpiredAuthSessions(this.now());
  }
}
