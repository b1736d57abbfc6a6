import { open, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { NewRecordingTrack } from '../db/types.ts';
import { mixdown } from './mixdown.ts';
import { STREAMS_MANIFEST } from './room-recorder.ts';
import { WavFileReader } from './wav-file-reader.ts';
import { WAV_HEADER_BYTES, wavHeader, type WavFormat } from './wav-file-writer.ts';

export interface SalvageOptions {
  stemFormat: WavFormat;
  mixFormat: WavFormat;
  mixFile: string;
  points: number;
}

/** What a salvaged recording holds: its length and its tracks (the stems and a new mixdown). */
export interface Salvaged {
  durationMs: number;
  tracks: NewRecordingTrack[];
}

const STEM_FILE = /^\d{2,4}-(participant|ai)\.wav$/;

/**
 * Saves what a recording cut short by a crash wrote: each stem's header is fixed to the audio it
 * holds (the writer fixes it only every few MB), the stems are mixed down again and listed with
 * the labels the recorder noted as they started. Every stem starts at the recording's frame 0,
 * so a stem that ends early is only shorter. Null when nothing playable was written.
 */
export async function salvageRecording(dir: string, options: SalvageOptions): Promise<Salvaged | null> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const labels = await readManifest(dir);
  const stems: Array<{ file: string; kind: 'participant' | 'ai'; label: string; frames: number }> = [];
  for (const file of names.filter((n) => STEM_FILE.test(n)).sort()) {
    const frames = await repairHeader(path.join(dir, file), options.stemFormat).catch(() => 0);
    if (frames === 0) continue;
    const kind = STEM_FILE.exec(file)![1] as 'participant' | 'ai';
    stems.push({ file, kind, label: labels.get(file) ?? (kind === 'ai' ? 'AI' : `Musician ${stems.length + 1}`), frames });
  }
  if (stems.length === 0) return null;
  const totalFrames = Math.max(...stems.map((s) => s.frames));
  const durationMs = Math.round((totalFrames * 1000) / options.stemFormat.sampleRate);
  // A mixdown the crash interrupted is made again from the start.
  await rm(path.join(dir, options.mixFile), { force: true });
  const mix = await mixdown(
    stems.map((s) => path.join(dir, s.file)),
    path.join(dir, options.mixFile),
    { totalFrames, points: options.points, format: options.mixFormat },
  );
  const tracks: NewRecordingTrack[] = stems.map((s, i) => ({
    kind: s.kind,
    label: s.label,
    file: s.file,
    sampleRate: options.stemFormat.sampleRate,
    channels: options.stemFormat.channels,
    offsetMs: 0,
    durationMs: Math.round((s.frames * 1000) / options.stemFormat.sampleRate),
    peaks: mix.stemPeaks[i],
  }));
  tracks.push({
    kind: 'mix',
    label: 'Mixdown',
    file: options.mixFile,
    sampleRate: options.mixFormat.sampleRate,
    channels: options.mixFormat.channels,
    offsetMs: 0,
    durationMs,
    peaks: mix.mixPeaks,
  });
  return { durationMs, tracks };
}

/** Cuts a partial last frame and writes the true sizes into the header; the frames the file holds. */
async function repairHeader(file: string, format: WavFormat): Promise<number> {
  const reader = await WavFileReader.open(file);
  const { frames } = reader;
  const matches = reader.format.channels === format.channels && reader.format.sampleRate === format.sampleRate && reader.format.bitsPerSample === format.bitsPerSample;
  await reader.close();
  if (!matches) throw new Error(`${file} is not in the recorder's format`);
  const dataBytes = frames * format.channels * (format.bitsPerSample / 8);
  const handle = await open(file, 'r+');
  try {
    await handle.truncate(WAV_HEADER_BYTES + dataBytes);
    await handle.write(wavHeader(format, dataBytes), 0, WAV_HEADER_BYTES, 0);
  } finally {
    await handle.close();
  }
  return frames;
}

async function readManifest(dir: string): Promise<Map<string, string>> {
  try {
    const list = JSON.parse(await readFile(path.join(dir, STREAMS_MANIFEST), 'utf8')) as unknown;
    const labels = new Map<string, string>();
    if (Array.isArray(list)) {
      for (const e of list) {
        if (e && typeof e.file === 'string' && typeof e.label === 'string') labels.set(e.file, e.label.slice(0, 100));
      }
    }
    return labels;
  } catch {
    return new Map();
  }
}
