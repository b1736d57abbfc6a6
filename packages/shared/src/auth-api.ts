import { z } from 'zod';
import { LIMITS, ROLES } from './constants.ts';
import { nameSchema } from './text.ts';

/**
 * Accounts, sessions, guests and invite links: the SFU's JSON API under /api/auth and
 * /api/rooms/:id/invites (apps/sfu/src/auth/auth-routes.ts). Sessions travel in an
 * HttpOnly cookie, never in these bodies.
 */

export const AUTH_LIMITS = {
  emailMax: 254,
  passwordMin: 8,
  /** Argon2 hashes any length; the bound keeps a request from making it hash megabytes. */
  passwordMax: 200,
  inviteTokenMax: 300,
  /** The longest an invite may live (one year); no expiry at all is also allowed. */
  inviteMaxSeconds: 365 * 24 * 3600,
  /** Invites listed for a room (newest first). */
  invitesListed: 100,
  /** A sign-up link's token (sealed account details; see apps/sfu/src/auth/signup-links.ts). */
  signUpTokenMax: 1200,
  /** Where a sign-up link goes afterwards: a path on the web app. */
  nextMax: 512,
  /** How long a sign-up link works. */
  signUpLinkHours: 24,
} as const;

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(AUTH_LIMITS.emailMax, `email is at most ${AUTH_LIMITS.emailMax} characters`)
  .pipe(z.email('enter a valid email address'));

export const passwordSchema = z
  .string()
  .min(AUTH_LIMITS.passwordMin, `password needs at least ${AUTH_LIMITS.passwordMin} characters`)
  .max(AUTH_LIMITS.passwordMax, `password is at most ${AUTH_LIMITS.passwordMax} characters`);

const displayName = nameSchema('display name', LIMITS.displayNameMax);

/**
 * An invite link's token: base64url("<inviteId>.<expiry, unix seconds or 0>") "." base64url(HMAC-SHA256).
 * Only its shape is checked here; the SFU checks the signature, the room, expiry and revocation.
 */
export const inviteTokenSchema = z
  .string()
  .max(AUTH_LIMITS.inviteTokenMax, 'invite token is too long')
  .regex(/^[A-Za-z0-9_-]{4,200}\.[A-Za-z0-9_-]{43}$/, 'invite token is malformed; copy the whole link');

/** 'unlisted': anyone with the link may join, but the lobby does not list it. */
export const roomVisibilitySchema = z.enum(['public', 'private', 'unlisted']);
export type RoomVisibility = z.infer<typeof roomVisibilitySchema>;

export const signUpRequestSchema = z.strictObject({
  email: emailSchema,
  password: passwordSchema,
  displayName,
  /** The web app's path to go to once the account exists (a room the person came from). */
  next: z
    .string()
    .max(AUTH_LIMITS.nextMax)
    .regex(/^\/(?![/\\])[^\s\\]*$/, 'next must be a path on this site')
    .optional(),
});
export type SignUpRequest = z.infer<typeof signUpRequestSchema>;

/**
 * The answer to every well-formed sign-up, whether the email has an account or not (telling them
 * apart would tell anyone which emails are registered): a mail goes to the address either way, with
 * a link that finishes the sign-up, or with a note that the account exists.
 */
export const signUpResponseSchema = z.object({ mailSent: z.literal(true), email: z.string() });
export type SignUpResponse = z.infer<typeof signUpResponseSchema>;

export const signUpTokenSchema = z
  .string()
  .max(AUTH_LIMITS.signUpTokenMax, 'sign-up link is too long')
  .regex(/^[A-Za-z0-9_-]{40,}$/, 'sign-up link is malformed; copy the whole link');

/** The sign-up link's page: the token, and the password chosen at sign-up (the link alone is not enough). */
export const finishSignUpRequestSchema = z.strictObject({
  token: signUpTokenSchema,
  password: z.string().min(1, 'password is required').max(AUTH_LIMITS.passwordMax),
});
export type FinishSignUpRequest = z.infer<typeof finishSignUpRequestSchema>;

export const signInRequestSchema = z.strictObject({
  email: emailSchema,
  // No minimum here: a wrong password of any length is just wrong.
  password: z.string().min(1, 'password is required').max(AUTH_LIMITS.passwordMax),
});
export type SignInRequest = z.infer<typeof signInRequestSchema>;

/** Someone holding an invite link joins with a display name only. */
export const guestRequestSchema = z.strictObject({
  roomId: z.string().regex(/^[A-Za-z0-9_-]{4,32}$/, 'room id is malformed'),
  invite: inviteTokenSchema,
  displayName,
});
export type GuestRequest = z.infer<typeof guestRequestSchema>;

export const currentUserSchema = z.object({
  id: z.string(),
  displayName: z.string(),
  /** null for guests. */
  email: z.string().nullable(),
  guest: z.boolean(),
});
export type CurrentUser = z.infer<typeof currentUserSchema>;

/** GET /api/auth/me and the answer of sign-up, sign-in and guest. */
export const meResponseSchema = z.object({ user: currentUserSchema.nullable() });
export type MeResponse = z.infer<typeof meResponseSchema>;

/** The account made by a sign-up link, and where the sign-up came from (a path, or null). */
export const finishSignUpResponseSchema = z.object({ user: currentUserSchema, next: z.string().nullable() });
export type FinishSignUpResponse = z.infer<typeof finishSignUpResponseSchema>;

export const createInviteRequestSchema = z.strictObject({
  role: z.enum(ROLES).default('musician'),
  /** Omitted or null: the link never expires (it can still be revoked). */
  expiresInSeconds: z.number().int().min(1).max(AUTH_LIMITS.inviteMaxSeconds).nullable().optional(),
});
export type CreateInviteRequest = z.input<typeof createInviteRequestSchema>;

export const inviteSummarySchema = z.object({
  id: z.string(),
  roomId: z.string(),
  role: z.enum(ROLES),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  /** 'active' | 'expired' | 'revoked', as of the answer. */
  status: z.enum(['active', 'expired', 'revoked']),
  token: z.string(),
  /** Path of the link, to put after the web app's origin: /room/<id>?invite=<token>. */
  path: z.string(),
});
export type InviteSummary = z.infer<typeof inviteSummarySchema>;

export const inviteListSchema = z.object({ invites: z.array(inviteSummarySchema) });

/** GET /api/rooms/:id/members (owner only): accounts admitted before, the owner aside. */
export const roomMemberSchema = z.object({
  userId: z.string(),
  displayName: z.string(),
  guest: z.boolean(),
  lastJoinedAt: z.string(),
  /** Let in as a musician at least once. */
  musician: z.boolean(),
});
export type RoomMemberSummary = z.infer<typeof roomMemberSchema>;
export const memberListSchema = z.object({ members: z.array(roomMemberSchema) });
