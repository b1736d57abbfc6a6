import { beatPeriodMs, type TempoState } from '@bandmate/shared';
import type { BeatGrid } from '../engine/conditioning.ts';

/** The room's metronome and how its server times map to this process's clock. */
export interface RoomGrid {
  tempo: TempoState;
  /** Add to a server time (ms) to get performance.now() of this process. */
  serverToLocalMs: number;
}

/** Where a stream's output timeline sits on this process's clock. */
export interface StreamPlacement {
  /** performance.now() of room tick 0. */
  startMs: number;
  /** The tick at which the stream's output sample 0 is sent (it carries the room's content of that moment). */
  firstTick: number;
  frameMs: number;
  roomRate: number;
}

/**
 * How much later than the musicians' content of the same moment a listener decodes the AI's:
 * the AI's own Opus pass (6.5 ms look-ahead) and the room clock's 10 ms ticks, which take a
 * musician's frame into the mix 0–10 ms after it is due (5 ms on average). Measured end to end
 * by e2e/tests/ai-band-member.spec.ts (k − t_f + 11.5 ms for the identity model). A beat is
 * placed this much earlier on the stream so that it sounds on the musicians' beat.
 */
export const OUTPUT_LAG_MS = 11.5;

/**
 * The metronome grid on a stream's output timeline (room-rate samples), or null while the
 * metronome is stopped. Any downbeat will do: the one nearest the stream's start keeps the
 * sample index small.
 */
export function gridOnStream(grid: RoomGrid, at: StreamPlacement): BeatGrid | null {
  const { tempo } = grid;
  if (!tempo.running || tempo.startAt === null) return null;
  const downbeatLocalMs = tempo.startAt + grid.serverToLocalMs - OUTPUT_LAG_MS;
  const streamZeroMs = at.startMs + at.firstTick * at.frameMs;
  const barMs = beatPeriodMs(tempo.bpm) * tempo.beatsPerBar;
  const nearest = downbeatLocalMs - Math.round((downbeatLocalMs - streamZeroMs) / barMs) * barMs;
  return { bpm: tempo.bpm, beatsPerBar: tempo.beatsPerBar, firstBeatSample: ((nearest - streamZeroMs) / 1000) * at.roomRate };
}
