import { z } from 'zod';

/**
 * The room's tempo and the beat grid every browser clicks on. Times are on the SFU's clock
 * (ms, monotonic, near the Unix epoch); each browser maps them to its AudioContext through
 * its clock synchronisation, so every click of a beat sounds at the same server instant.
 */

export const TEMPO_LIMITS = {
  bpmMin: 30,
  bpmMax: 300,
  beatsPerBarMin: 1,
  beatsPerBarMax: 12,
} as const;

/** The database's defaults for Room.bpm / Room.beatsPerBar. */
export const DEFAULT_TEMPO = { bpm: 100, beatsPerBar: 4 } as const;

export const bpmSchema = z
  .number()
  .int('BPM is a whole number')
  .min(TEMPO_LIMITS.bpmMin, `BPM is at least ${TEMPO_LIMITS.bpmMin}`)
  .max(TEMPO_LIMITS.bpmMax, `BPM is at most ${TEMPO_LIMITS.bpmMax}`);
export const beatsPerBarSchema = z
  .number()
  .int('beats per bar is a whole number')
  .min(TEMPO_LIMITS.beatsPerBarMin, `beats per bar is at least ${TEMPO_LIMITS.beatsPerBarMin}`)
  .max(TEMPO_LIMITS.beatsPerBarMax, `beats per bar is at most ${TEMPO_LIMITS.beatsPerBarMax}`);

export const tempoStateSchema = z.object({
  bpm: bpmSchema,
  beatsPerBar: beatsPerBarSchema,
  running: z.boolean(),
  /** Server time (ms) of beat 0 of bar 0, the first beat after the count-in; null when stopped. */
  startAt: z.number().finite().nullable(),
  /** Clicks before startAt: one bar when the host starts, none when a change re-anchors a running grid. */
  countInBeats: z.number().int().min(0).max(TEMPO_LIMITS.beatsPerBarMax),
});
export type TempoState = z.infer<typeof tempoStateSchema>;

/** One click of the grid. Index 0 is startAt; count-in beats have negative indices. */
export interface Beat {
  index: number;
  /** Bar number (−1 for the count-in bar) and beat within the bar (0 = downbeat). */
  bar: number;
  beatInBar: number;
  /** The downbeat of a bar is accented. */
  accent: boolean;
  countIn: boolean;
  /** Server time of the click, ms. */
  time: number;
}

export function beatPeriodMs(bpm: number): number {
  return 60_000 / bpm;
}

export function barLengthMs(tempo: Pick<TempoState, 'bpm' | 'beatsPerBar'>): number {
  return beatPeriodMs(tempo.bpm) * tempo.beatsPerBar;
}

export function describeBeat(tempo: TempoState, index: number): Beat {
  const bpb = tempo.beatsPerBar;
  const beatInBar = ((index % bpb) + bpb) % bpb;
  return {
    index,
    bar: Math.floor(index / bpb),
    beatInBar,
    accent: beatInBar === 0,
    countIn: index < 0,
    time: (tempo.startAt ?? 0) + index * beatPeriodMs(tempo.bpm),
  };
}

// Indices are computed from float ratios; a beat exactly on a window edge must not be lost to
// rounding (1e-9 beats is a few picoseconds).
const EDGE = 1e-9;

/** The first beat index whose time is at or after `timeMs` (count-in included). */
export function firstBeatAtOrAfter(tempo: TempoState, timeMs: number): number {
  const raw = Math.ceil((timeMs - (tempo.startAt ?? 0)) / beatPeriodMs(tempo.bpm) - EDGE);
  return Math.max(raw, -tempo.countInBeats) || 0; // never −0
}

/** Beats with time in [fromMs, toMs), oldest first; none while stopped. */
export function beatsBetween(tempo: TempoState, fromMs: number, toMs: number): Beat[] {
  if (!tempo.running || tempo.startAt === null || toMs <= fromMs) return [];
  const beats: Beat[] = [];
  for (let i = firstBeatAtOrAfter(tempo, fromMs); ; i++) {
    const beat = describeBeat(tempo, i);
    if (beat.time >= toMs) break;
    beats.push(beat);
  }
  return beats;
}

/** Start of the first bar of a running grid that begins at or after `timeMs`. */
export function nextBarStart(tempo: TempoState, timeMs: number): number {
  if (tempo.startAt === null) return timeMs;
  const bar = barLengthMs(tempo);
  const bars = Math.max(0, Math.ceil((timeMs - tempo.startAt) / bar - EDGE));
  return tempo.startAt + bars * bar;
}
