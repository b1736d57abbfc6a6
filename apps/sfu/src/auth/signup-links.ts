import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { AUTH_LIMITS } from '@bandmate/shared';

/**
 * The token of a sign-up link: the account to be made (email, name, password hash, the guest
 * account it upgrades) sealed with AES-256-GCM under a key derived from the invite secret.
 * Nothing is stored until the link is used, so asking to sign up writes nothing a second asker
 * could notice, and a link someone altered or made up does not open. The hash is sealed, not just
 * signed: a forwarded mail must not hand out material to guess the password from offline.
 */
export interface SignUpClaim {
  email: string;
  displayName: string;
  passwordHash: string;
  /** The guest account (from an invite link) that becomes this account, keeping its rooms. */
  guestId: string | null;
  /** Where the web app goes afterwards (a path), if the sign-up came from somewhere. */
  next: string | null;
}

const sealedSchema = z.strictObject({
  e: z.string().max(AUTH_LIMITS.emailMax),
  n: z.string().max(200),
  h: z.string().max(300),
  g: z.string().max(64).nullable(),
  t: z.string().max(AUTH_LIMITS.nextMax).nullable(),
  /** Expiry, unix seconds. */
  x: z.number().int(),
});

const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SignUpLinks {
  private readonly key: Buffer;

  constructor(
    secret: Buffer,
    private readonly ttlMs = AUTH_LIMITS.signUpLinkHours * 3600 * 1000,
    private readonly now: () => number = Date.now,
  ) {
    // A key of its own: a sign-up token can never pass as an invite's signature or the reverse.
    this.key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'bandmate sign-up link v1', 32));
  }

  seal(claim: SignUpClaim): string {
    const body = JSON.stringify({
      e: claim.email,
      n: claim.displayName,
      h: claim.passwordHash,
      g: claim.guestId,
      t: claim.next,
      x: Math.floor((this.now() + this.ttlMs) / 1000),
    } satisfies z.infer<typeof sealedSchema>);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(body, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
  }

  /** The claim, or null when the token was altered, made with another key, or has expired. */
  open(token: string): SignUpClaim | null {
    const raw = Buffer.from(token, 'base64url');
    if (raw.length <= IV_BYTES + TAG_BYTES) return null;
    let body: string;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      body = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
    const parsed = sealedSchema.safeParse(JSON.parse(body));
    if (!parsed.success || parsed.data.x * 1000 <= this.now()) return null;
    const c = parsed.data;
    return { email: c.e, displayName: c.n, passwordHash: c.h, guestId: c.g, next: c.t };
  }
}
