import { EventEmitter } from 'node:events';
import {
  barLengthMs,
  DEFAULT_TEMPO,
  nextBarStart,
  TEMPO_LIMITS,
  type TempoState,
} from '@bandmate/shared';
import { serverNow } from './server-clock.ts';

/**
 * From the host's start to the first count-in click. The tempo notification has to reach
 * every browser (one signalling hop) and be handled by a page that may be busy: the browser
 * tests saw pages stall for up to 700 ms on a loaded machine, and a grid announced less far
 * ahead than that loses its first clicks there.
 */
export const START_LEAD_MS = 1000;
/**
 * A change to a running grid takes effect at the first bar line at least this far ahead, for
 * the same reason; the old grid plays on until then (browsers keep the clicks they placed
 * before it and cancel those after it).
 */
export const CHANGE_LEAD_MS = 1000;

export type TempoChangeCause = 'tempo' | 'transport' | 'restore';

interface MetronomeEvents {
  change: [state: TempoState, cause: TempoChangeCause];
}

/**
 * A room's metronome: the grid every browser clicks on. The server never makes a sound; it
 * decides when beat 0 is (on its own clock) and announces the grid. Also what the AI reads
 * for the room's tempo.
 */
export class RoomMetronome extends EventEmitter<MetronomeEvents> {
  private current: TempoState = { ...DEFAULT_TEMPO, running: false, startAt: null, countInBeats: 0 };
  private changedSinceOpen = false;

  constructor(private readonly now: () => number = serverNow) {
    super();
  }

  get state(): TempoState {
    return this.current;
  }

  /** The room's stored tempo, read when the room opens; a host's change made meanwhile wins. */
  restore(stored: { bpm: number; beatsPerBar: number }): void {
    if (this.changedSinceOpen) return;
    checkTempo(stored.bpm, stored.beatsPerBar);
    if (stored.bpm === this.current.bpm && stored.beatsPerBar === this.current.beatsPerBar) return;
    this.publish({ ...this.current, bpm: stored.bpm, beatsPerBar: stored.beatsPerBar }, 'restore');
  }

  /** One bar of count-in, then the bars run. Starting a running metronome starts it again. */
  start(): TempoState {
    this.changedSinceOpen = true;
    return this.publish(this.countIn(this.current), 'transport');
  }

  stop(): TempoState {
    this.changedSinceOpen = true;
    if (!this.current.running) return this.current;
    return this.publish({ ...this.current, running: false, startAt: null, countInBeats: 0 }, 'transport');
  }

  /**
   * New tempo and/or metre. A running grid keeps its bars and switches at the next bar line
   * (so nobody hears a jump mid-bar); during the count-in the count-in starts again.
   */
  setTempo(change: { bpm?: number; beatsPerBar?: number }): TempoState {
    this.changedSinceOpen = true;
    const bpm = change.bpm ?? this.current.bpm;
    const beatsPerBar = change.beatsPerBar ?? this.current.beatsPerBar;
    checkTempo(bpm, beatsPerBar);
    if (bpm === this.current.bpm && beatsPerBar === this.current.beatsPerBar) return this.current;
    const next = { ...this.current, bpm, beatsPerBar };
    if (!this.current.running || this.current.startAt === null) return this.publish(next, 'tempo');
    const now = this.now();
    if (now + CHANGE_LEAD_MS < this.current.startAt) return this.publish(this.countIn(next), 'tempo');
    const switchAt = nextBarStart(this.current, now + CHANGE_LEAD_MS);
    return this.publish({ ...next, startAt: switchAt, countInBeats: 0 }, 'tempo');
  }

  /**
   * Runs the grid on a beat that is already playing (the demo band's loop): no count-in, beat 0
   * at `startAt`, which may lie in the past.
   */
  follow(grid: { bpm: number; beatsPerBar: number; startAt: number }): TempoState {
    this.changedSinceOpen = true;
    checkTempo(grid.bpm, grid.beatsPerBar);
    return this.publish({ bpm: grid.bpm, beatsPerBar: grid.beatsPerBar, running: true, startAt: grid.startAt, countInBeats: 0 }, 'transport');
  }

  private countIn(tempo: TempoState): TempoState {
    const startAt = this.now() + START_LEAD_MS + barLengthMs(tempo);
    return { ...tempo, running: true, startAt, countInBeats: tempo.beatsPerBar };
  }

  private publish(state: TempoState, cause: TempoChangeCause): TempoState {
    this.current = state;
    this.emit('change', state, cause);
    return state;
  }
}

function checkTempo(bpm: number, beatsPerBar: number): void {
  const { bpmMin, bpmMax, beatsPerBarMin, beatsPerBarMax } = TEMPO_LIMITS;
  if (!Number.isInteger(bpm) || bpm < bpmMin || bpm > bpmMax) {
    throw new RangeError(`BPM must be a whole number from ${bpmMin} to ${bpmMax}`);
  }
  if (!Number.isInteger(beatsPerBar) || beatsPerBar < beatsPerBarMin || beatsPerBar > beatsPerBarMax) {
    throw new RangeError(`beats per bar must be a whole number from ${beatsPerBarMin} to ${beatsPerBarMax}`);
  }
}
