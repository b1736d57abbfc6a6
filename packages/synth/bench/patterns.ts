// Note patterns at 120 BPM for the benchmark and the tests: what the AI band member plays, busy.
import type { ChannelProgram, NoteEvent } from '../src/soundfont-synth.ts';

export const PATTERN_CHANNELS = {
  drums: { channel: 9, bank: 128, program: 0 },
  bass: { channel: 1, bank: 0, program: 33 },
  piano: { channel: 0, bank: 0, program: 0 },
} as const satisfies Record<string, ChannelProgram>;

export type PatternName = keyof typeof PATTERN_CHANNELS;

const SIXTEENTH_S = 60 / 120 / 4;

/** A deterministic few-ms push or drag, so events land off any block grid, as played notes do. */
function humanize(step: number, sampleRate: number): number {
  return Math.round((((step * 7919) % 13) - 6) * 0.0005 * sampleRate);
}

/** `seconds` of one part, ordered by sample. Drums: 16th hats, kick on 1 and 3 (and the "and" of 3), snare on 2 and 4. */
export function pattern(name: PatternName, sampleRate: number, seconds: number): NoteEvent[] {
  const events: NoteEvent[] = [];
  const { channel } = PATTERN_CHANNELS[name];
  const steps = Math.floor(seconds / SIXTEENTH_S);
  const at = (step: number) => Math.max(0, Math.round(step * SIXTEENTH_S * sampleRate) + humanize(step, sampleRate));
  const note = (on: number, off: number, key: number, velocity: number) => {
    events.push({ sample: on, type: 'on', channel, key, velocity });
    if (off < Math.round(seconds * sampleRate)) events.push({ sample: off, type: 'off', channel, key, velocity: 0 });
  };
  for (let step = 0; step < steps; step++) {
    const inBar = step % 16;
    const t = at(step);
    if (name === 'drums') {
      events.push({ sample: t, type: 'on', channel, key: 42, velocity: step % 2 === 0 ? 96 : 64 });
      if (inBar === 0 || inBar === 8 || inBar === 10) events.push({ sample: t, type: 'on', channel, key: 36, velocity: 110 });
      if (inBar === 4 || inBar === 12) events.push({ sample: t, type: 'on', channel, key: 38, velocity: 105 });
    } else if (name === 'bass' && step % 2 === 0) {
      const key = [40, 40, 43, 45, 47, 45, 43, 38][(step / 2) % 8]!;
      note(t, at(step + 2) - Math.round(0.02 * sampleRate), key, 100);
    } else if (name === 'piano' && step % 8 === 0) {
      const root = [60, 57, 53, 55][Math.floor(step / 16) % 4]!;
      for (const interval of [0, 4, 7, 12]) note(t, at(step + 8) - Math.round(0.05 * sampleRate), root + interval, 90);
    }
  }
  return events.sort((a, b) => a.sample - b.sample);
}

/** Splits an ordered event list into the events of each `blockSize` block, rendering it all. */
export function renderInBlocks(
  synth: { cursor: number; render(frames: number, events: readonly NoteEvent[]): Float32Array },
  events: readonly NoteEvent[],
  total: number,
  blockSize: number,
): Float32Array {
  const out = new Float32Array(total);
  let next = 0;
  while (synth.cursor < total) {
    const start = synth.cursor;
    const frames = Math.min(blockSize, total - start);
    const first = next;
    while (next < events.length && events[next]!.sample < start + frames) next++;
    out.set(synth.render(frames, events.slice(first, next)), start);
  }
  return out;
}
