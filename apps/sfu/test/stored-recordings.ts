import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RecordingRepository } from '../src/db/types.ts';

/**
 * A recording as the recorder leaves it, without recording: its row (finished, one mixdown track,
 * unless `status` is 'recording') and its folder under `dir` with the track's file.
 */
export async function storeRecording(
  db: Pick<RecordingRepository, 'createRecording' | 'finishRecording'>,
  dir: string,
  roomId: string,
  options: { startedAt?: Date; status?: 'ready' | 'failed' | 'recording' } = {},
): Promise<{ id: string; folder: string; trackId: string | undefined }> {
  const id = randomUUID();
  const startedAt = options.startedAt ?? new Date();
  const folder = path.join(dir, id);
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, 'mix.wav'), Buffer.alloc(64));
  await db.createRecording({ id, roomId, startedAt });
  if (options.status === 'recording') return { id, folder, trackId: undefined };
  const done = await db.finishRecording(id, {
    status: options.status ?? 'ready',
    endedAt: new Date(startedAt.getTime() + 1000),
    durationMs: 1000,
    tracks: [{ kind: 'mix', label: 'Mixdown', file: 'mix.wav', sampleRate: 48000, channels: 2, durationMs: 1000 }],
  });
  return { id, folder, trackId: done.tracks[0]?.id };
}
