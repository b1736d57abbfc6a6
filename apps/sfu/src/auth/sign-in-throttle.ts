/**
 * Slows password guessing on one account without locking its owner out. Every wrong password for
 * an email (from any address) makes the next answers for that email come later: after `free`
 * failures, `firstDelayMs`, then twice as long each time, up to 32 times that. A right password
 * still gets in (after the current delay) and clears the count; so does a quiet quarter of an hour.
 * The per-(account, address) token bucket (AccessLimits.signInAccount) caps one guesser's rate;
 * this bounds many addresses guessing together.
 */
export class SignInThrottle {
  private readonly failures = new Map<string, { count: number; lastAt: number }>();

  constructor(
    private readonly firstDelayMs: number,
    private readonly free = 5,
    private readonly maxKeys = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** How long the next answer for this email waits. */
  delayMs(email: string): number {
    const entry = this.current(email);
    if (!entry || entry.count < this.free) return 0;
    return this.firstDelayMs * 2 ** Math.min(entry.count - this.free, 5);
  }

  /** Waits as long as the account's recent failures ask for. */
  async wait(email: string): Promise<void> {
    const ms = this.delayMs(email);
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  }

  failed(email: string): void {
    const entry = this.current(email) ?? { count: 0, lastAt: 0 };
    this.failures.delete(email); // re-inserted: the map stays in least-recently-failed order
    this.failures.set(email, { count: entry.count + 1, lastAt: this.now() });
    for (const key of this.failures.keys()) {
      if (this.failures.size <= this.maxKeys) break;
      this.failures.delete(key);
    }
  }

  succeeded(email: string): void {
    this.failures.delete(email);
  }

  private current(email: string): { count: number; lastAt: number } | undefined {
    const entry = this.failures.get(email);
    if (entry && this.now() - entry.lastAt > QUIET_RESET_MS) {
      this.failures.delete(email);
      return undefined;
    }
    return entry;
  }
}

const QUIET_RESET_MS = 15 * 60 * 1000;
