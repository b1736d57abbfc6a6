// Small signal measurements for the synth's tests: levels, spectra and pitch.

export function rmsDb(x: Float32Array, from = 0, to = x.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += x[i]! * x[i]!;
  return 10 * Math.log10(sum / Math.max(1, to - from) + 1e-30);
}

/** Power spectrum of a Hann-windowed, zero-padded excerpt (radix-2 FFT). */
export function powerSpectrum(x: Float32Array, from: number, length: number, fftSize: number): Float64Array {
  const re = new Float64Array(fftSize);
  const im = new Float64Array(fftSize);
  const n = Math.min(length, x.length - from, fftSize);
  for (let i = 0; i < n; i++) re[i] = x[from + i]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1)));
  for (let i = 1, j = 0; i < fftSize; i++) {
    let bit = fftSize >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let size = 2; size <= fftSize; size <<= 1) {
    const step = (-2 * Math.PI) / size;
    for (let start = 0; start < fftSize; start += size) {
      for (let k = 0; k < size / 2; k++) {
        const wr = Math.cos(step * k);
        const wi = Math.sin(step * k);
        const a = start + k;
        const b = a + size / 2;
        const tr = re[b]! * wr - im[b]! * wi;
        const ti = re[b]! * wi + im[b]! * wr;
        re[b] = re[a]! - tr;
        im[b] = im[a]! - ti;
        re[a] = re[a]! + tr;
        im[a] = im[a]! + ti;
      }
    }
  }
  const power = new Float64Array(fftSize / 2 + 1);
  for (let k = 0; k < power.length; k++) power[k] = re[k]! * re[k]! + im[k]! * im[k]!;
  return power;
}

/** Frequency of the strongest spectral peak, refined by parabolic interpolation. */
export function dominantFrequency(power: Float64Array, sampleRate: number, fftSize: number): number {
  let best = 1;
  for (let k = 2; k < power.length - 1; k++) if (power[k]! > power[best]!) best = k;
  const [a, b, c] = [Math.log(power[best - 1]! + 1e-30), Math.log(power[best]! + 1e-30), Math.log(power[best + 1]! + 1e-30)];
  const offset = (0.5 * (a - c)) / (a - 2 * b + c);
  return ((best + offset) * sampleRate) / fftSize;
}

/** Share of the power at or above `fromHz` and below `toHz`. */
export function energyShare(power: Float64Array, sampleRate: number, fftSize: number, fromHz: number, toHz: number): number {
  let inside = 0;
  let total = 0;
  for (let k = 1; k < power.length; k++) {
    const hz = (k * sampleRate) / fftSize;
    total += power[k]!;
    if (hz >= fromHz && hz < toHz) inside += power[k]!;
  }
  return inside / total;
}

/** Spectral power between `fromHz` and `toHz` folded into pitch classes (0 = C … 11 = B), each bin to its nearest semitone. */
export function pitchClassPower(power: Float64Array, sampleRate: number, fftSize: number, fromHz = 30, toHz = 2000): Float64Array {
  const chroma = new Float64Array(12);
  for (let k = 1; k < power.length; k++) {
    const hz = (k * sampleRate) / fftSize;
    if (hz < fromHz || hz >= toHz) continue;
    const midi = 69 + 12 * Math.log2(hz / 440);
    chroma[((Math.round(midi) % 12) + 12) % 12]! += power[k]!;
  }
  return chroma;
}

/** Pitch class (0 = C … 11 = B) holding the most spectral power between `fromHz` and `toHz`. */
export function strongestPitchClass(power: Float64Array, sampleRate: number, fftSize: number, fromHz = 30, toHz = 2000): number {
  const chroma = pitchClassPower(power, sampleRate, fftSize, fromHz, toHz);
  let best = 0;
  for (let pc = 1; pc < 12; pc++) if (chroma[pc]! > chroma[best]!) best = pc;
  return best;
}
