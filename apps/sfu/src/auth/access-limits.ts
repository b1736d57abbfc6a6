import { SignalRequestError } from '@bandmate/shared';
import { RateLimiter } from '../signalling/rate-limiter.ts';
import type { AuthConfig, RateLimit } from './auth-config.ts';
import { SignInThrottle } from './sign-in-throttle.ts';

/**
 * One token bucket (the signalling RateLimiter) per key: a client address or an account.
 * The map never holds more than `maxKeys` (least recently used first out), so a flood of
 * addresses cannot grow memory.
 */
export class KeyedRateLimiter {
  private readonly buckets = new Map<string, RateLimiter>();

  constructor(
    readonly limit: RateLimit,
    private readonly maxKeys = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  take(key: string): boolean {
    let entry = this.buckets.get(key);
    if (entry) this.buckets.delete(key); // re-inserted below: the map stays in least-recently-used order
    else entry = new RateLimiter(this.limit.perMinute / 60, this.limit.burst, this.now);
    this.buckets.set(key, entry);
    if (this.buckets.size > this.maxKeys) this.evict();
    return entry.take();
  }

  /** Seconds until one more request is admitted after a refusal (for Retry-After). */
  get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(60 / this.limit.perMinute));
  }

  get size(): number {
    return this.buckets.size;
  }

  /** The least recently used buckets go first; they are the likeliest to have refilled anyway. */
  private evict(): void {
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= this.maxKeys) return;
      this.buckets.delete(key);
    }
  }
}

/** A refusal that says how long to wait; HTTP answers it with 429 and Retry-After. */
export class RateLimitedError extends SignalRequestError {
  constructor(
    what: string,
    readonly retryAfterSeconds: number,
  ) {
    super('rate_limited', `too many ${what}; try again in ${retryAfterSeconds} s`);
  }
}

/**
 * The access rate limits: sign-in/up, room creation and joins, per client address and per account
 * (sign-in: per account and address, plus the account's progressive delay).
 */
export class AccessLimits {
  readonly authIp: KeyedRateLimiter;
  readonly signInAccount: KeyedRateLimiter;
  /** Sign-up mails per email address, so nobody can flood someone's inbox through us. */
  readonly signUpEmail: KeyedRateLimiter;
  readonly roomCreateIp: KeyedRateLimiter;
  readonly roomCreateAccount: KeyedRateLimiter;
  readonly joinIp: KeyedRateLimiter;
  readonly joinAccount: KeyedRateLimiter;
  /** Progressive delays per account after wrong passwords (instead of a lockout). */
  readonly signInThrottle: SignInThrottle;

  constructor(limits: AuthConfig['limits'], now?: () => number) {
    this.signInThrottle = new SignInThrottle(limits.signInDelayMs, undefined, undefined, now);
    this.authIp = new KeyedRateLimiter(limits.authIp, undefined, now);
    this.signInAccount = new KeyedRateLimiter(limits.signInAccount, undefined, now);
    this.signUpEmail = new KeyedRateLimiter(limits.signUpEmail, undefined, now);
    this.roomCreateIp = new KeyedRateLimiter(limits.roomCreateIp, undefined, now);
    this.roomCreateAccount = new KeyedRateLimiter(limits.roomCreateAccount, undefined, now);
    this.joinIp = new KeyedRateLimiter(limits.joinIp, undefined, now);
    this.joinAccount = new KeyedRateLimiter(limits.joinAccount, undefined, now);
  }

  /**
   * Takes a token from each bucket in order and throws at the first refusal. Put the account's
   * bucket first: a refusal there then costs the client address nothing, so hammering one account
   * does not lock out everyone behind the same address.
   */
  check(what: string, buckets: Array<[KeyedRateLimiter, string | null | undefined]>): void {
    for (const [limiter, key] of buckets) {
      if (key == null) continue;
      if (!limiter.take(key)) throw new RateLimitedError(what, limiter.retryAfterSeconds);
    }
  }
}

/**
 * The client's address. Behind a reverse proxy every connection comes from the proxy, so with
 * `trustProxy` the address comes from X-Forwarded-For: its right-most entry, the one our proxy
 * appended for the connection it received. Entries to its left are whatever the client sent and
 * prove nothing (a fresh made-up one per request would dodge every per-address limit).
 */
export function clientAddress(remoteAddress: string | undefined, forwardedFor: string | string[] | undefined, trustProxy: boolean): string {
  if (trustProxy && forwardedFor) {
    const entries = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
    const last = entries.at(-1)?.trim();
    if (last) return unmapped(last);
  }
  return unmapped(remoteAddress ?? 'unknown');
}

/** IPv4-mapped IPv6 (::ffff:1.2.3.4) and plain IPv4 are the same client. */
function unmapped(address: string): string {
  return address.replace(/^::ffff:/, '');
}
