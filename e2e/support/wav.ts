import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A 16-bit stereo 48 kHz WAV with one sine per channel. One second of whole
 * cycles (integer Hz), so Chromium's looping of the file leaves no seam.
 */
export function writeToneWav(file: string, tones: { left: number; right: number; amplitude?: number; seconds?: number }): string {
  const rate = 48_000;
  const frames = rate * (tones.seconds ?? 1);
  const amp = tones.amplitude ?? 0.5;
  const data = Buffer.alloc(frames * 4);
  for (let i = 0; i < frames; i++) {
    data.writeInt16LE(Math.round(32767 * amp * Math.sin((2 * Math.PI * tones.left * i) / rate)), i * 4);
    data.writeInt16LE(Math.round(32767 * amp * Math.sin((2 * Math.PI * tones.right * i) / rate)), i * 4 + 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(2, 22); // stereo
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 4, 28);
  header.writeUInt16LE(4, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, Buffer.concat([header, data]));
  return file;
}

/** RMS of a full-scale-relative sine of amplitude `amp`, in dBFS. */
export const sineRmsDb = (amp: number) => 20 * Math.log10(amp / Math.SQRT2);

/**
 * A 16-bit stereo 48 kHz WAV of sine bursts: `burstMs` of tone every `periodMs`, starting at
 * `phaseMs`; one second long, so the looped file keeps the rhythm. Onsets make timing measurable.
 */
export function writeBurstWav(file: string, b: { hz: number; burstMs: number; periodMs: number; phaseMs: number; amplitude?: number }): string {
  const rate = 48_000;
  const amp = b.amplitude ?? 0.5;
  const data = Buffer.alloc(rate * 4);
  for (let i = 0; i < rate; i++) {
    const ms = (((i * 1000) / rate - b.phaseMs) % b.periodMs + b.periodMs) % b.periodMs;
    const v = ms < b.burstMs ? Math.round(32767 * amp * Math.sin((2 * Math.PI * b.hz * i) / rate)) : 0;
    data.writeInt16LE(v, i * 4);
    data.writeInt16LE(v, i * 4 + 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(2, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 4, 28);
  header.writeUInt16LE(4, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, Buffer.concat([header, data]));
  return file;
}
