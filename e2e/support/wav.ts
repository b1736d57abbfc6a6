import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Fake-microphone WAV files for the browser tests (Chromium loops them). */
const RATE = 48_000;

/** A 16-bit PCM WAV file of interleaved samples. */
function writeWav(file: string, channels: number, rate: number, frames: number, sample: (frame: number, channel: number) => number): string {
  const data = Buffer.alloc(frames * channels * 2);
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++) data.writeInt16LE(Math.round(32767 * Math.max(-1, Math.min(1, sample(i, c)))), (i * channels + c) * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * channels * 2, 28);
  header.writeUInt16LE(channels * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, Buffer.concat([header, data]));
  return file;
}

/** One second of 16-bit stereo 48 kHz audio from a function of the sample index. */
function writeStereoSecond(file: string, sample: (i: number) => [number, number]): string {
  return writeWav(file, 2, RATE, RATE, (i, c) => sample(i)[c]!);
}

/** A mono recording (what a test heard), to listen to or analyse again. */
export function writeMonoWav(file: string, samples: Float32Array, rate: number): string {
  return writeWav(file, 1, rate, samples.length, (i) => samples[i]!);
}

/**
 * One sine per channel. One second of whole cycles (integer Hz), so Chromium's looping
 * of the file leaves no seam.
 */
export function writeToneWav(file: string, tones: { left: number; right: number; amplitude?: number }): string {
  const amp = tones.amplitude ?? 0.5;
  const sine = (hz: number, i: number) => amp * Math.sin((2 * Math.PI * hz * i) / RATE);
  return writeStereoSecond(file, (i) => [sine(tones.left, i), sine(tones.right, i)]);
}

/** RMS of a full-scale-relative sine of amplitude `amp`, in dBFS. */
export const sineRmsDb = (amp: number) => 20 * Math.log10(amp / Math.SQRT2);

/**
 * Sine bursts on both channels: `burstMs` of tone every `periodMs`, starting at `phaseMs`;
 * the period divides the looped second, so the rhythm continues. Onsets make timing measurable.
 */
export function writeBurstWav(file: string, b: { hz: number; burstMs: number; periodMs: number; phaseMs: number; amplitude?: number }): string {
  const amp = b.amplitude ?? 0.5;
  return writeStereoSecond(file, (i) => {
    const ms = ((((i * 1000) / RATE - b.phaseMs) % b.periodMs) + b.periodMs) % b.periodMs;
    const v = ms < b.burstMs ? amp * Math.sin((2 * Math.PI * b.hz * i) / RATE) : 0;
    return [v, v];
  });
}
