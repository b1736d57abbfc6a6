import { describeBeat, firstBeatAtOrAfter, type Beat, type TempoState } from '@bandmate/shared';

/** What a new grid means for clicks already handed out: those at or after `cancelFrom` must go. */
export interface GridChange {
  /** Server ms; −Infinity cancels every click not yet played. */
  cancelFrom: number;
}

interface Segment {
  grid: TempoState;
  /** Next beat index to hand out; null until the first window. */
  nextIndex: number | null;
}

/**
 * Decides which beats of the room's grid to schedule, window by window (the look-ahead
 * scheduler of "A Tale of Two Clocks": a timer asks often for the beats of the next few
 * hundred ms, and each is then placed sample-accurately on the audio clock). Each beat is handed
 * out once, by index, so overlapping windows never double a click; beats whose time has
 * passed before they could be scheduled are dropped, not played late.
 *
 * A change that continues a running grid (countInBeats 0, new startAt on a bar line) keeps the
 * old grid until the new one begins, so the bars run on without a gap.
 */
export class BeatScheduler {
  private current: Segment | null = null;
  private previous: (Segment & { until: number }) | null = null;
  /** Beats that were due before they could be scheduled (a stalled timer, a late grid). */
  dropped = 0;

  get tempo(): TempoState | null {
    return this.current?.grid ?? null;
  }

  /** Null when the grid is the one already running (a repeated announcement). */
  setTempo(next: TempoState): GridChange | null {
    const old = this.current?.grid;
    if (old && sameGrid(old, next)) return null;
    const continues =
      old?.running === true && old.startAt !== null && next.running && next.startAt !== null && next.countInBeats === 0;
    this.previous = continues && this.current ? { ...this.current, until: next.startAt! } : null;
    this.current = { grid: next, nextIndex: null };
    return { cancelFrom: continues ? next.startAt! : Number.NEGATIVE_INFINITY };
  }

  /** Beats with time in [earliestMs, horizonMs) not handed out before, oldest first. */
  take(earliestMs: number, horizonMs: number): Beat[] {
    const out: Beat[] = [];
    if (this.previous) {
      const next = this.walk(this.previous, earliestMs, Math.min(horizonMs, this.previous.until), out);
      if (next >= this.previous.until) this.previous = null;
    }
    const grid = this.current?.grid;
    if (this.current && grid?.running && grid.startAt !== null) this.walk(this.current, earliestMs, horizonMs, out);
    return out;
  }

  /** Hands out the segment's beats before `untilMs`; returns the time of its next beat. */
  private walk(segment: Segment, earliestMs: number, untilMs: number, out: Beat[]): number {
    // After a stall (a throttled tab) skip to the present instead of walking every missed beat.
    const resume = firstBeatAtOrAfter(segment.grid, earliestMs);
    if (segment.nextIndex === null) segment.nextIndex = resume;
    else if (resume > segment.nextIndex) {
      this.dropped += resume - segment.nextIndex;
      segment.nextIndex = resume;
    }
    for (;;) {
      const beat = describeBeat(segment.grid, segment.nextIndex);
      if (beat.time >= untilMs) return beat.time;
      out.push(beat);
      segment.nextIndex++;
    }
  }
}

function sameGrid(a: TempoState, b: TempoState): boolean {
  return (
    a.running === b.running &&
    a.startAt === b.startAt &&
    a.bpm === b.bpm &&
    a.beatsPerBar === b.beatsPerBar &&
    a.countInBeats === b.countInBeats
  );
}
