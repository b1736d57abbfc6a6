/** Measurements on an AnalyserNode, used by the meters and by the browser tests. */

export interface ChannelAnalysis {
  /** RMS level in dBFS (−Infinity when silent). */
  rmsDb: number;
  /** Frequency of the strongest spectral peak in Hz, or 0 when silent. */
  peakHz: number;
}

export function rmsDb(analyser: AnalyserNode, buffer = new Float32Array(analyser.fftSize)): number {
  analyser.getFloatTimeDomainData(buffer);
  let sum = 0;
  for (let i = 0; i < buffer.length; i++) sum += buffer[i]! * buffer[i]!;
  const rms = Math.sqrt(sum / buffer.length);
  return rms > 0 ? 20 * Math.log10(rms) : Number.NEGATIVE_INFINITY;
}

export function peakHz(analyser: AnalyserNode): number {
  const bins = new Float32Array(analyser.frequencyBinCount);
  analyser.getFloatFrequencyData(bins);
  let best = 1;
  for (let i = 2; i < bins.length - 1; i++) if (bins[i]! > bins[best]!) best = i;
  if (!Number.isFinite(bins[best]!) || bins[best]! < -100) return 0;
  // Parabolic interpolation on the dB values around the peak bin.
  const [a, b, c] = [bins[best - 1]!, bins[best]!, bins[best + 1]!];
  const offset = (a - c) / (2 * (a - 2 * b + c) || 1);
  return ((best + offset) * analyser.context.sampleRate) / analyser.fftSize;
}

export function analyse(analyser: AnalyserNode): ChannelAnalysis {
  const level = rmsDb(analyser);
  return { rmsDb: level, peakHz: Number.isFinite(level) && level > -90 ? peakHz(analyser) : 0 };
}
