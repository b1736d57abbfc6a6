/** Timestamps that move this far against the arrival clock are a discontinuity, not jitter. */
const JUMP_MS = 1000;
/**
 * Packets this late for this long mean the sender's clock stood still (re-anchor). Generous: an
 * overloaded SFU that lags for seconds looks the same, and must not be taken for it.
 */
const STUCK_LATE_MS = 5000;
const STUCK_FOR_MS = 5000;
/** Clock drift is judged on windows of arrivals this long... */
const DRIFT_WINDOW_MS = 1000;
/** ...and corrected once it reaches this much. */
const DRIFT_STEP_MS = 2;
/**
 * The start moves by at most this much per window either way (0.5%: far beyond real clocks). A
 * stall of this process, which only delays packets, moves a stream by no more than this; nor does
 * a better estimate found after writing began (the packets before it all came late, on a loaded
 * machine): heard at once, 15 ms of it moved a stream's beat by 15 ms between two bars.
 */
const MAX_MOVE_PER_WINDOW_MS = 5;

/**
 * Where one run of RTP timestamps sits on the room's timeline, judged from arrivals (local
 * clock, ms from the timeline's origin). `slotMs` of a packet is arrival − media time: where the
 * run's first timestamp would be if this packet had come with no delay at all. Packets are only
 * ever delayed, so the least slot seen is the best estimate of the start.
 *
 * - Before writing begins, the start is simply the least slot so far.
 * - After, the start follows the sender's clock drift against ours: over each 1 s window the
 *   least lateness (slot − start) is taken. Below −2 ms the sender runs fast, or the start was
 *   judged from packets that all came late (a packet can never be early otherwise): the start
 *   moves earlier. Above +2 ms the sender runs slow, or this process stalled through the whole
 *   window: the start moves later. Either way by 5 ms at most per window (a stall's effect is
 *   undone by the next window; a larger correction is spread over several).
 * - A big jump either way, or packets seconds late for seconds, is a discontinuity: `resync`.
 */
export class StreamAnchor {
  startMs: number;
  private writing = false;
  private windowFromMs = 0;
  private windowMin = Number.POSITIVE_INFINITY;
  private lateSinceMs: number | undefined;

  constructor(firstSlotMs: number) {
    this.startMs = firstSlotMs;
  }

  /** Takes one packet's slot; true when the run has broken and must be re-anchored. */
  observe(slotMs: number, arrivalMs: number, backwardsMs: number): boolean {
    const lateness = slotMs - this.startMs;
    this.lateSinceMs = lateness > STUCK_LATE_MS ? (this.lateSinceMs ?? arrivalMs) : undefined;
    const stuck = this.lateSinceMs !== undefined && arrivalMs - this.lateSinceMs >= STUCK_FOR_MS;
    // Before writing, any earlier start is just a better estimate; after, a big one is a jump.
    if ((this.writing && lateness < -JUMP_MS) || backwardsMs > JUMP_MS || stuck) return true;
    if (!this.writing) {
      if (lateness < 0) this.startMs = slotMs;
      return false;
    }
    this.windowMin = Math.min(this.windowMin, lateness);
    if (arrivalMs - this.windowFromMs >= DRIFT_WINDOW_MS) this.closeWindow(arrivalMs);
    return false;
  }

  /** Writing begins: from now on the start only follows drift. */
  beginWriting(arrivalMs: number): void {
    if (this.writing) return;
    this.writing = true;
    this.windowFromMs = arrivalMs;
  }

  private closeWindow(arrivalMs: number): void {
    if (this.windowMin <= -DRIFT_STEP_MS) this.startMs += Math.max(this.windowMin, -MAX_MOVE_PER_WINDOW_MS);
    else if (this.windowMin >= DRIFT_STEP_MS) this.startMs += Math.min(this.windowMin, MAX_MOVE_PER_WINDOW_MS);
    this.windowMin = Number.POSITIVE_INFINITY;
    this.windowFromMs = arrivalMs;
  }
}
