import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import {
  createInviteRequestSchema,
  describeZodError,
  finishSignUpRequestSchema,
  guestRequestSchema,
  inviteTokenSchema,
  signInRequestSchema,
  signUpRequestSchema,
  SignalRequestError,
  AUTH_LIMITS,
  type CurrentUser,
  type FinishSignUpResponse,
  type SignUpResponse,
  type RoomMemberSummary,
} from '@bandmate/shared';
import type { AccessRepository } from '../db/types.ts';
import { EmailTakenError } from '../db/types.ts';
import { HttpError, readJson, type HttpAccess, type HttpResult } from '../http/http-api.ts';
import type { Logger } from '../logger.ts';
import { RateLimitedError, type AccessLimits } from './access-limits.ts';
import type { InviteBook } from './invites.ts';
import { weakPasswordReason } from './password-policy.ts';
import { hashPassword, verifyAgainstDummy, verifyPassword } from './passwords.ts';
import type { RoomAccess } from './room-access.ts';
import type { SignUpMail } from './signup-mail.ts';
import { clearedSessionCookie, type SessionService } from './sessions.ts';

export type AuthRouteStore = Pick<
  AccessRepository,
  'createUser' | 'createGuestUser' | 'upgradeGuest' | 'getUser' | 'findUserByEmail' | 'getRoomAccess' | 'listRoomMembers' | 'removeRoomMember'
>;

/**
 * The HTTP half of accounts and room access:
 *
 *   GET  /api/auth/me                                  → { user | null }
 *   POST /api/auth/signup  { email, password, displayName, next? }  → 202 { mailSent, email }, and a mail
 *   POST /api/auth/signup/finish  { token, password }   → 201 { user, next } + session cookie
 *   POST /api/auth/signin  { email, password }          → { user } + session cookie
 *   POST /api/auth/signout                              → { user: null }, cookie cleared
 *   POST /api/auth/guest   { roomId, invite, displayName }   → 201 { user } + cookie (a guest account)
 *   GET  /api/rooms/:id/invites                         → { invites }           (owner only)
 *   POST /api/rooms/:id/invites  { role, expiresInSeconds? } → 201 invite      (owner only)
 *   POST /api/rooms/:id/invites/:inviteId/revoke        → invite               (owner only)
 *   GET  /api/rooms/:id/members                         → { members }           (owner only)
 *   POST /api/rooms/:id/members/:userId/remove          → { removed }          (owner only)
 *
 * plus the rules of room creation and of seeing a room (HttpAccess).
 */
export function createAuthRoutes(deps: {
  store: AuthRouteStore;
  sessions: SessionService;
  invites: InviteBook;
  access: RoomAccess;
  limits: AccessLimits;
  signUps: SignUpMail;
  logger: Logger;
  /** Puts a removed member out of the live room, if it is open, for the rest of its session. */
  endLiveMembership?: (roomId: string, userId: string) => void;
}): HttpAccess {
  const { store, sessions, invites, access, limits, signUps, logger } = deps;

  const signedIn = async (req: IncomingMessage, user: CurrentUser, status = 200): Promise<HttpResult> => {
    // A new token at every sign-in; the one the browser had (if any) ends.
    await sessions.end(req.headers.cookie);
    const started = await sessions.start(user.id);
    return { status, body: { user: publicUser(user) }, headers: { 'set-cookie': started.cookie } };
  };

  const requireOwner = (req: IncomingMessage, roomId: string) => requireRoomOwner(req, roomId, 'invite links');
  const requireRoomOwner = async (req: IncomingMessage, roomId: string, what: string): Promise<CurrentUser> => {
    const user = await access.userOfRequest(req);
    if (!user) throw new SignalRequestError('auth_required', `sign in to manage ${what}`);
    const room = await store.getRoomAccess(roomId);
    if (!room) throw new SignalRequestError('not_found', 'no room with this id; check the link');
    if (room.ownerId !== user.id) throw new SignalRequestError('forbidden', `only the room's owner can manage its ${what}`);
    return user;
  };

  const routes: Array<{ method: string; path: RegExp; run: (req: IncomingMessage, m: RegExpExecArray) => Promise<HttpResult> }> = [
    {
      method: 'GET',
      path: /^\/api\/auth\/me$/,
      run: async (req) => ({ status: 200, body: { user: publicUser(await access.userOfRequest(req)) } }),
    },
    {
      method: 'POST',
      path: /^\/api\/auth\/signup$/,
      run: async (req) => {
        const body = await parseBody(req, signUpRequestSchema);
        limits.check('sign-ups', [[limits.authIp, access.addressOfRequest(req)]]);
        const weak = weakPasswordReason(body.password, body.email);
        if (weak) throw new SignalRequestError('bad_request', weak);
        // Only a sign-up that sends a mail counts against the email: nobody floods an inbox through us.
        limits.check('sign-up mails to this email', [[limits.signUpEmail, body.email]]);
        // Both cases look the password up and hash it, and both answer before their mail goes: the
        // answer and its timing are the same whether the email has an account or not.
        const [existing, passwordHash, current] = await Promise.all([
          store.findUserByEmail(body.email),
          hashPassword(body.password),
          access.userOfRequest(req),
        ]);
        if (existing) signUps.sendAccountExists(body.email);
        else {
          signUps.sendLink({
            email: body.email,
            displayName: body.displayName,
            passwordHash,
            // A guest who signs up keeps their account, and with it the rooms they were let into.
            guestId: current?.guest ? current.id : null,
            next: body.next ?? null,
          });
        }
        const answer: SignUpResponse = { mailSent: true, email: body.email };
        return { status: 202, body: answer };
      },
    },
    {
      method: 'POST',
      path: /^\/api\/auth\/signup\/finish$/,
      run: async (req) => {
        const body = await parseBody(req, finishSignUpRequestSchema);
        const address = access.addressOfRequest(req);
        limits.check('sign-up links', [[limits.authIp, address]]);
        const claim = signUps.links.open(body.token);
        if (!claim) {
          throw new SignalRequestError(
            'signup_link_invalid',
            `this sign-up link is not valid or is older than ${AUTH_LIMITS.signUpLinkHours} hours; sign up again for a new one`,
          );
        }
        // Guessing the password of someone else's link is guessing a password: the sign-in limits.
        limits.check('attempts', [[limits.signInAccount, `${claim.email}\n${address}`]]);
        await limits.signInThrottle.wait(claim.email);
        if (!(await verifyPassword(claim.passwordHash, body.password))) {
          limits.signInThrottle.failed(claim.email);
          throw new SignalRequestError('invalid_credentials', 'this is not the password you chose when you signed up');
        }
        limits.signInThrottle.succeeded(claim.email);
        const input = { email: claim.email, displayName: claim.displayName, passwordHash: claim.passwordHash };
        try {
          const guest = claim.guestId ? await store.getUser(claim.guestId) : null;
          const user = guest?.guest ? await store.upgradeGuest(guest.id, input) : await store.createUser(input);
          const done = await signedIn(req, user, 201);
          const answer: FinishSignUpResponse = { user: publicUser(user)!, next: claim.next };
          return { ...done, body: answer };
        } catch (err) {
          // Whoever holds the link reads the email's mail: saying the account exists tells them nothing new.
          if (err instanceof EmailTakenError) {
            throw new SignalRequestError('email_taken', 'an account with this email exists already (this link was used); sign in instead');
          }
          throw err;
        }
      },
    },
    {
      method: 'POST',
      path: /^\/api\/auth\/signin$/,
      run: async (req) => {
        const body = await parseBody(req, signInRequestSchema);
        const address = access.addressOfRequest(req);
        // Per account *and* address: someone guessing from elsewhere cannot lock the owner out.
        limits.check('sign-in attempts', [
          [limits.signInAccount, `${body.email}\n${address}`],
          [limits.authIp, address],
        ]);
        await limits.signInThrottle.wait(body.email);
        const found = await store.findUserByEmail(body.email);
        const ok = found?.passwordHash ? await verifyPassword(found.passwordHash, body.password) : await verifyAgainstDummy(body.password);
        if (!found || !ok) {
          limits.signInThrottle.failed(body.email);
          throw new SignalRequestError('invalid_credentials', 'the email or the password is wrong');
        }
        limits.signInThrottle.succeeded(body.email);
        sessions.pruneExpired().catch((err) => logger.warn({ err }, 'could not prune expired sessions'));
        return signedIn(req, found);
      },
    },
    {
      method: 'POST',
      path: /^\/api\/auth\/signout$/,
      run: async (req) => {
        await sessions.end(req.headers.cookie);
        return { status: 200, body: { user: null }, headers: { 'set-cookie': clearedSessionCookie() } };
      },
    },
    {
      method: 'POST',
      path: /^\/api\/auth\/guest$/,
      run: async (req) => {
        const body = await parseBody(req, guestRequestSchema);
        limits.check('guest sign-ins', [[limits.authIp, access.addressOfRequest(req)]]);
        await invites.check(body.roomId, body.invite);
        const current = await access.userOfRequest(req);
        if (current) return { status: 200, body: { user: publicUser(current) } };
        return signedIn(req, await store.createGuestUser({ displayName: body.displayName }), 201);
      },
    },
    {
      method: 'GET',
      path: /^\/api\/rooms\/([A-Za-z0-9_-]{1,32})\/invites$/,
      run: async (req, m) => {
        await requireOwner(req, m[1]!);
        return { status: 200, body: { invites: await invites.list(m[1]!, AUTH_LIMITS.invitesListed) } };
      },
    },
    {
      method: 'POST',
      path: /^\/api\/rooms\/([A-Za-z0-9_-]{1,32})\/invites$/,
      run: async (req, m) => {
        const body = await parseBody(req, createInviteRequestSchema);
        const user = await requireOwner(req, m[1]!);
        const invite = await invites.create(m[1]!, { createdById: user.id, role: body.role, expiresInSeconds: body.expiresInSeconds });
        return { status: 201, body: invite };
      },
    },
    {
      method: 'POST',
      path: /^\/api\/rooms\/([A-Za-z0-9_-]{1,32})\/invites\/([0-9a-f-]{36})\/revoke$/,
      run: async (req, m) => {
        await requireOwner(req, m[1]!);
        const invite = await invites.revoke(m[1]!, m[2]!);
        if (!invite) throw new SignalRequestError('not_found', 'no such invite in this room');
        return { status: 200, body: invite };
      },
    },
    {
      method: 'GET',
      path: /^\/api\/rooms\/([A-Za-z0-9_-]{1,32})\/members$/,
      run: async (req, m) => {
        await requireRoomOwner(req, m[1]!, 'members');
        const members = await store.listRoomMembers(m[1]!, AUTH_LIMITS.invitesListed);
        const body: { members: RoomMemberSummary[] } = { members: members.map((u) => ({ ...u, lastJoinedAt: u.lastJoinedAt.toISOString() })) };
        return { status: 200, body };
      },
    },
    {
      method: 'POST',
      path: /^\/api\/rooms\/([A-Za-z0-9_-]{1,32})\/members\/([0-9a-f-]{36})\/remove$/,
      run: async (req, m) => {
        const owner = await requireRoomOwner(req, m[1]!, 'members');
        if (m[2] === owner.id) throw new SignalRequestError('bad_request', 'the owner cannot remove themselves');
        // Live first: from here on they can neither stay nor come back in this session, invite or not.
        deps.endLiveMembership?.(m[1]!, m[2]!);
        const stays = await store.removeRoomMember(m[1]!, m[2]!);
        logger.info({ roomId: m[1], userId: m[2], stays }, 'the owner removed a member');
        return { status: 200, body: { removed: true, userId: m[2] } };
      },
    },
  ];

  return {
    async route(req, url) {
      for (const r of routes) {
        const m = r.path.exec(url.pathname);
        if (m && req.method === r.method) return asHttp(() => r.run(req, m));
      }
      return null;
    },

    roomCreation(req, input) {
      return asHttp(async () => {
        const user = await access.userOfRequest(req);
        if (input.visibility === 'private' && (!user || user.guest)) {
          throw new SignalRequestError('auth_required', 'sign in (or sign up) to create a private room');
        }
        limits.check('rooms created', [
          [limits.roomCreateAccount, user?.id],
          [limits.roomCreateIp, access.addressOfRequest(req)],
        ]);
        return { ownerId: user?.id ?? null };
      });
    },

    roomView(req, room, invite) {
      return asHttp(async () => {
        const token = invite === null ? undefined : inviteTokenSchema.safeParse(invite);
        if (token && !token.success) {
          throw new SignalRequestError('invite_invalid', 'this invite link is not valid for this room; ask the host for a new one');
        }
        return access.view(room.id, await access.userOfRequest(req), token?.data);
      });
    },
  };
}

/** What a browser may know about an account (never the password hash). */
function publicUser(user: CurrentUser | null): CurrentUser | null {
  return user && { id: user.id, displayName: user.displayName, email: user.email, guest: user.guest };
}

async function parseBody<S extends z.ZodType>(req: IncomingMessage, schema: S): Promise<z.infer<S>> {
  // JSON only: a form or text/plain post from another page cannot pass without a CORS preflight.
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
    throw new HttpError('unsupported_media_type', 'send JSON (content-type: application/json)');
  }
  const parsed = schema.safeParse(await readJson(req));
  if (!parsed.success) throw new HttpError('bad_request', describeZodError(parsed.error));
  return parsed.data;
}

/** Refusals of the access layer (SignalRequestError) as HTTP errors with their status. */
async function asHttp<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof RateLimitedError) {
      throw new HttpError(err.code, err.message, { 'retry-after': String(err.retryAfterSeconds) });
    }
    if (err instanceof SignalRequestError) throw new HttpError(err.code, err.message);
    throw err;
  }
}
