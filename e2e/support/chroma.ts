import { pitchClassPower, powerSpectrum } from '../../packages/synth/test/signal.ts';

/**
 * Which pitch classes a bass line plays between two times: the power spectrum (Hann window) from
 * `loHz` to `hiHz`, partials included (a root's octaves and fifth land on its chord's tones),
 * folded into twelve pitch classes (0 = C).
 *
 * From 80 Hz (just under E2) up by default: below, a semitone is 2.5–5 Hz wide, narrower than the
 * spectrum of a note struck every beat or two (its decay and re-striking spread it over a few
 * Hz), so a low fundamental leaks into its neighbours; its octave, the same pitch class, is twice
 * as far from its neighbours.
 */
export function pitchClassEnergy(x: Float32Array, sampleRate: number, fromS: number, toS: number, loHz = 80, hiHz = 700): Float64Array {
  const from = Math.max(0, Math.round(fromS * sampleRate));
  const length = Math.max(0, Math.min(x.length, Math.round(toS * sampleRate)) - from);
  const fftSize = 2 ** Math.ceil(Math.log2(Math.max(2, length)));
  return pitchClassPower(powerSpectrum(x, from, length, fftSize), sampleRate, fftSize, loHz, hiHz);
}

/** The pitch classes of a triad on `rootMidi`. */
export const triadPitchClasses = (rootMidi: number, minor: boolean): number[] => [0, minor ? 3 : 4, 7].map((i) => (rootMidi + i) % 12);

/** The share of the energy on the chord's pitch classes (three of twelve: 0.25 for noise). */
export function chordToneShare(chroma: Float64Array, chord: number[]): number {
  let on = 0;
  let all = 0;
  chroma.forEach((e, pc) => {
    all += e;
    if (chord.includes(pc)) on += e;
  });
  return all > 0 ? on / all : 0;
}

export const PITCH_CLASS_NAMES = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'];
