/**
 * Amplitude of `hz` in frames [from, to) of x (Goertzel), 1 for a full-scale sine. `stride`
 * reads one channel of interleaved audio (2: the left channel of stereo).
 */
export function toneAmplitude(x: Float32Array, from: number, to: number, hz: number, sampleRate = 48000, stride = 1): number {
  const c = 2 * Math.cos((2 * Math.PI * hz) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (let i = from; i < to; i++) {
    const s0 = x[i * stride]! + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return to > from ? (2 * Math.sqrt(Math.max(0, s1 * s1 + s2 * s2 - c * s1 * s2))) / (to - from) : 0;
}
