import { z } from 'zod';
import { parseEnv } from '../env.ts';

/**
 * Settings of accounts, sessions, invites and access rate limits, read from the environment
 * (part of the SFU's config: loadConfig() includes `auth`). Defaults run on one machine.
 *
 * Rate limits are token buckets written "<burst>/<per minute>": `60/30` admits 60 at once, then
 * 30 a minute.
 */
const limit = z
  .string()
  .regex(/^\d+\/\d+(\.\d+)?$/, 'write a rate limit as <burst>/<per minute>, e.g. 10/5')
  .transform((s) => {
    const [burst, perMinute] = s.split('/').map(Number) as [number, number];
    return { burst, perMinute };
  })
  .refine((l) => l.burst >= 1 && l.perMinute > 0, 'burst must be ≥ 1 and the rate > 0');

const envSchema = z.object({
  /** Key of the invite links' HMAC. Unset: generated once and kept in INVITE_SECRET_FILE. */
  INVITE_SECRET: z.string().min(32, 'INVITE_SECRET must be at least 32 characters').optional(),
  /** Where a generated invite secret is kept; default: next to the SQLite file, else data/ in the repo. */
  INVITE_SECRET_FILE: z.string().min(1).optional(),
  /** How long a sign-in (or a guest's session) lasts. */
  AUTH_SESSION_DAYS: z.coerce.number().positive().max(365).default(30),
  /** Take the client address from X-Forwarded-For's right-most entry (only behind one proxy you run, which appends it). */
  SFU_TRUST_PROXY: z.enum(['0', '1', 'false', 'true']).default('0'),
  /** Sign-in, sign-up and guest sessions per client address. */
  SFU_LIMIT_AUTH_IP: limit.default(limit.parse('60/60')),
  /**
   * Sign-in attempts per (email, client address): one guesser is slowed without refusing the
   * account's owner elsewhere.
   */
  SFU_LIMIT_SIGNIN_ACCOUNT: limit.default(limit.parse('10/2')),
  /** Sign-up mails to one email address (the link, or "you have an account"). */
  SFU_LIMIT_SIGNUP_EMAIL: limit.default(limit.parse('3/0.1')),
  /** After 5 wrong passwords for an email, its answers wait this long, doubling per failure up to 32×. */
  SFU_SIGNIN_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(250),
  /** Room creation per client address and per account. */
  SFU_LIMIT_ROOM_CREATE_IP: limit.default(limit.parse('30/30')),
  SFU_LIMIT_ROOM_CREATE_ACCOUNT: limit.default(limit.parse('10/10')),
  /** Joins per client address and per account. */
  SFU_LIMIT_JOIN_IP: limit.default(limit.parse('60/120')),
  SFU_LIMIT_JOIN_ACCOUNT: limit.default(limit.parse('20/30')),
});

export type AuthConfig = ReturnType<typeof loadAuthConfig>;
export type RateLimit = { burst: number; perMinute: number };

export function loadAuthConfig(env: Record<string, string | undefined> = process.env) {
  const e = parseEnv(envSchema, env);
  return {
    inviteSecret: e.INVITE_SECRET,
    inviteSecretFile: e.INVITE_SECRET_FILE,
    sessionTtlMs: e.AUTH_SESSION_DAYS * 24 * 3600 * 1000,
    trustProxy: e.SFU_TRUST_PROXY === '1' || e.SFU_TRUST_PROXY === 'true',
    limits: {
      authIp: e.SFU_LIMIT_AUTH_IP,
      signInAccount: e.SFU_LIMIT_SIGNIN_ACCOUNT,
      signUpEmail: e.SFU_LIMIT_SIGNUP_EMAIL,
      roomCreateIp: e.SFU_LIMIT_ROOM_CREATE_IP,
      roomCreateAccount: e.SFU_LIMIT_ROOM_CREATE_ACCOUNT,
      joinIp: e.SFU_LIMIT_JOIN_IP,
      joinAccount: e.SFU_LIMIT_JOIN_ACCOUNT,
      signInDelayMs: e.SFU_SIGNIN_DELAY_MS,
    },
  };
}
