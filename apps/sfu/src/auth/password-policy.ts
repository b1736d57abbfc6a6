import { readFileSync } from 'node:fs';
import { AUTH_LIMITS } from '@bandmate/shared';

/**
 * What a new password must not be, beyond the length the request schema checks: one of the
 * passwords every guessing list starts with, the account's own email (or the part before the @),
 * or mostly the same few characters ("        ", "abababab"). Checked at sign-up on the server,
 * which is where it counts.
 */
const COMMON = new Set(
  readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8')
    .split('\n')
    .map((line) => line.trim().toLowerCase())
    .filter((line) => line && !line.startsWith('#')),
);

/** Distinct characters a password needs at least. */
const MIN_DISTINCT = 5;

/** Why `password` is refused for an account with `email`; undefined if it may be used. */
export function weakPasswordReason(password: string, email: string): string | undefined {
  const folded = password.normalize('NFKC').toLowerCase();
  if (folded.trim().length < AUTH_LIMITS.passwordMin) {
    return `password needs at least ${AUTH_LIMITS.passwordMin} characters that are not spaces`;
  }
  if (new Set(folded).size < MIN_DISTINCT) return `password needs at least ${MIN_DISTINCT} different characters`;
  const address = email.trim().toLowerCase();
  if (folded === address || folded === address.split('@')[0]) return 'password must not be your email address';
  if (COMMON.has(folded)) return 'this password is one of the most common ones; choose another';
  return undefined;
}

/** How many passwords the shipped list holds (for the README and the tests). */
export const COMMON_PASSWORD_COUNT = COMMON.size;
