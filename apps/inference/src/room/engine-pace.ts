/**
 * Whether the AI's engine keeps up with the room clock, from the pushes it has in hand.
 *
 * A tick whose push would come back after its send time is better dropped (the engine catches up
 * instead of staying behind), but every dropped tick is a 10 ms hole in what the room hears and
 * nudges the part against its own past, so only a push that really would be late is dropped. It
 * would be late when the oldest push still waiting has already used up the budget, or will with
 * the work queued behind it: age of the oldest + pushes in hand × the engine's time per push.
 * The time per push is what the engine spent on each push (from when it could start it, after
 * the one before, to its answer), averaged over the last second: a stall of the whole machine
 * shows in the oldest push's age while it lasts, and only briefly in the average, so a stall
 * shorter than the budget drops nothing.
 */
const WINDOW = 100;

export class EnginePace {
  private readonly started: number[] = [];
  private readonly spent = new Float64Array(WINDOW);
  private samples = 0;
  private lastDone = 0;

  /** Pushes given to the engine and not answered yet. */
  get inFlight(): number {
    return this.started.length;
  }

  /** The engine's mean time per push over the last WINDOW answers (ms); 0 before the first. */
  get serviceMs(): number {
    const n = Math.min(this.samples, WINDOW);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += this.spent[i]!;
    return n ? sum / n : 0;
  }

  pushed(now: number): void {
    this.started.push(now);
  }

  /** A push was answered (they are answered in the order given). */
  answered(now: number): void {
    const at = this.started.shift();
    if (at === undefined) return;
    this.spent[this.samples++ % WINDOW] = Math.max(0, now - Math.max(at, this.lastDone));
    this.lastDone = now;
  }

  /** True when a push made now would come back more than `budgetMs` after now. */
  behind(now: number, budgetMs: number): boolean {
    const oldest = this.started[0];
    if (oldest === undefined) return false;
    return now - oldest + (this.started.length + 1) * this.serviceMs > budgetMs;
  }
}
