/**
 * The demo band: a few bars of drums, bass, keys and an arpeggio, synthesised once into an
 * interleaved stereo 48 kHz loop. Seeded, so every demo room plays the same tune, and with a
 * clear beat and chord changes, so an AI that follows the room has something to follow.
 */

export interface LoopSpec {
  bpm: number;
  /** One chord per bar: root MIDI note and quality. */
  bars: Array<{ root: number; minor: boolean }>;
  sampleRate: number;
  seed: number;
}

export const DEMO_LOOP: LoopSpec = {
  bpm: 100,
  // A minor: i – VI – III – VII (Am F C G), a progression every musician can join.
  bars: [
    { root: 57, minor: true },
    { root: 53, minor: false },
    { root: 48, minor: false },
    { root: 55, minor: false },
  ],
  sampleRate: 48000,
  seed: 7,
};

const hz = (midi: number) => 440 * 2 ** ((midi - 69) / 12);

export interface Loop {
  /** Interleaved stereo samples. */
  samples: Float32Array;
  frames: number;
  beatSeconds: number;
}

export function synthesiseLoop(spec: LoopSpec = DEMO_LOOP): Loop {
  const sr = spec.sampleRate;
  const beat = 60 / spec.bpm;
  const frames = Math.round(spec.bars.length * 4 * beat * sr);
  const out = new Float32Array(frames * 2);
  let state = spec.seed >>> 0;
  const noise = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  };
  // Adds a voice at time t (s): fn(τ) gives the mono sample τ seconds after its start.
  const add = (t: number, seconds: number, pan: number, gain: number, fn: (tau: number) => number) => {
    const start = Math.round(t * sr);
    const left = gain * Math.cos(((pan + 1) * Math.PI) / 4);
    const right = gain * Math.sin(((pan + 1) * Math.PI) / 4);
    for (let i = 0; i < seconds * sr; i++) {
      const n = (start + i) % frames; // wraps, so tails ring into the next loop seamlessly
      const v = fn(i / sr);
      out[2 * n] = out[2 * n]! + v * left;
      out[2 * n + 1] = out[2 * n + 1]! + v * right;
    }
  };

  spec.bars.forEach((bar, b) => {
    const barStart = b * 4 * beat;
    const third = bar.root + (bar.minor ? 3 : 4);
    const chord = [bar.root, third, bar.root + 7];
    for (let q = 0; q < 4; q++) {
      const t = barStart + q * beat;
      // Kick on 1 and 3 (and the "and" of 3), snare on 2 and 4, closed hi-hat on eighths.
      const kick = (u: number) => Math.sin(2 * Math.PI * (45 * u + (60 * (1 - Math.exp(-u * 40))) / 40)) * Math.exp(-u * 12);
      if (q % 2 === 0) add(t, 0.35, 0, 0.9, kick);
      if (q === 2) add(t + beat / 2, 0.3, 0, 0.6, kick);
      if (q % 2 === 1) add(t, 0.25, 0.1, 0.45, (u) => (0.6 * noise() + 0.4 * Math.sin(2 * Math.PI * 190 * u)) * Math.exp(-u * 18));
      for (const e of [0, 0.5]) add(t + e * beat, 0.06, 0.35, 0.12, (u) => noise() * Math.exp(-u * 70));
      // Bass: root in eighths, the octave on the "and" of 2 and 4.
      for (const e of [0, 0.5]) {
        const note = bar.root - 12 + (q % 2 === 1 && e === 0.5 ? 12 : 0);
        add(t + e * beat, beat / 2, -0.05, 0.35, (u) => {
          const ph = hz(note) * u;
          return (Math.sin(2 * Math.PI * ph) + 0.3 * Math.sin(4 * Math.PI * ph)) * Math.min(1, u * 200) * Math.exp(-u * 3);
        });
      }
      // Arpeggio: chord tones an octave up, sixteenths, plucked, on the right.
      for (let s = 0; s < 4; s++) {
        const note = chord[(q * 4 + s) % 3]! + 12;
        add(t + (s * beat) / 4, beat / 2, 0.55, 0.08, (u) => {
          const ph = hz(note) * u;
          return (2 * (ph - Math.floor(ph + 0.5))) * Math.exp(-u * 14);
        });
      }
    }
    // Keys: the triad held for the bar, soft attack, on the left.
    for (const note of chord) {
      add(barStart, 4 * beat, -0.5, 0.07, (u) => {
        const ph = hz(note) * u;
        return (Math.sin(2 * Math.PI * ph) + 0.25 * Math.sin(6 * Math.PI * ph)) * Math.min(1, u * 20) * Math.exp(-u * 0.6);
      });
    }
  });
  let peak = 0;
  for (const v of out) peak = Math.max(peak, Math.abs(v));
  // −3 dBFS peak: loud enough to hear and to drive the AI, with headroom for the room's mix.
  const scale = 0.708 / peak;
  for (let i = 0; i < out.length; i++) out[i]! *= scale;
  return { samples: out, frames, beatSeconds: beat };
}
