import path from 'node:path';
import { z } from 'zod';
import { RECORDING } from '@bandmate/shared';
import { parseEnv } from '../env.ts';
import { REPO_ROOT } from '../db/url.ts';
import type { RecordingSettings } from './recording-service.ts';

/**
 * Recording settings from the environment (part of the SFU's config: loadConfig() includes
 * `recordings`). Defaults run on one machine.
 */
const envSchema = z.object({
  /** Where recordings are written, <dir>/<recordingId>/*.wav; relative paths are from the repo root. */
  RECORDINGS_DIR: z.string().min(1).default('data/recordings'),
  /** A recording stops by itself after this long. WAV files hold ≤ 4 GB: 6 h of a 24-bit stereo mix. */
  RECORDINGS_MAX_MINUTES: z.coerce.number().positive().max(360).default(180),
  /** Recordings running or being saved at once, across all rooms. */
  RECORDINGS_MAX_ACTIVE: z.coerce.number().int().min(1).max(64).default(4),
  /** Recordings running at once started from one client address (so one address cannot hold every slot). */
  RECORDINGS_MAX_PER_ADDRESS: z.coerce.number().int().min(1).max(64).default(1),
  /** Recordings a room keeps (all of them listed); the owner deletes some, or old ones expire. */
  RECORDINGS_MAX_PER_ROOM: z.coerce.number().int().min(1).max(RECORDING.maxListed).default(RECORDING.maxListed),
  /** Recordings are deleted this many days after they were made; 0 keeps them forever. */
  RECORDINGS_RETENTION_DAYS: z.coerce.number().min(0).max(36_500).default(30),
  /** Streams (musicians, the AI, rejoins) per recording. */
  RECORDINGS_MAX_STREAMS: z.coerce.number().int().min(1).max(63).default(24),
  /** No recording starts, and running ones stop, below this much free disk space. */
  RECORDINGS_MIN_FREE_MB: z.coerce.number().int().min(0).default(512),
});

export function loadRecordingConfig(env: Record<string, string | undefined> = process.env): RecordingSettings {
  const e = parseEnv(envSchema, env);
  return {
    dir: path.resolve(REPO_ROOT, e.RECORDINGS_DIR),
    maxDurationMs: Math.round(e.RECORDINGS_MAX_MINUTES * 60_000),
    maxActive: e.RECORDINGS_MAX_ACTIVE,
    maxPerAddress: e.RECORDINGS_MAX_PER_ADDRESS,
    maxStoredPerRoom: e.RECORDINGS_MAX_PER_ROOM,
    retentionMs: Math.round(e.RECORDINGS_RETENTION_DAYS * 24 * 3600 * 1000),
    maxStreams: e.RECORDINGS_MAX_STREAMS,
    minFreeBytes: e.RECORDINGS_MIN_FREE_MB * 1024 * 1024,
    // The recorder lives in the SFU process: its plain transport and socket stay on loopback.
    listenIp: '127.0.0.1',
    // Packets may come half a second out of order; each stream's start is judged on its first two
    // seconds of packets, so a busy moment just as it began (as when a recording starts) does not
    // blur it. ~250 packets (~50 kB) held per stream.
    reorderDelayMs: 500,
    settleMs: 2000,
  };
}
