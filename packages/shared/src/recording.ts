import { z } from 'zod';

/**
 * Recording a room: the signalling messages (start/stop, state for everyone) and the HTTP API
 * that lists a room's recordings and serves their files. The server records every producer of
 * the room (musicians and the AI) as its own WAV file plus a mixdown, all on one timeline.
 */

export const RECORDING = {
  sampleRate: 48_000,
  channels: 2,
  /** Points in a waveform preview. */
  peaks: 500,
  /** Recordings listed per room, newest first. */
  maxListed: 50,
  /** Tracks in one recording (stems + mixdown), a bound the server enforces too. */
  maxTracks: 64,
} as const;

export const RECORDING_STOP_REASONS = ['host', 'max_duration', 'disk_full', 'room_closed', 'media_restart', 'server_restart', 'error'] as const;
export type RecordingStopReason = (typeof RECORDING_STOP_REASONS)[number];

/** What everyone in a room sees about its recording; sent on join and whenever it changes. */
export const recordingStateSchema = z.object({
  /** The room is being recorded right now. */
  active: z.boolean(),
  recordingId: z.string().max(64).optional(),
  /** Server wall-clock time of the recording's position 0 (ISO 8601). */
  startedAt: z.string().max(40).optional(),
  /** How long it had been recording when this was sent; clients count on from their own receipt time. */
  elapsedMs: z.number().int().nonnegative().optional(),
  /** Display name of the host who started it. */
  startedBy: z.string().max(100).optional(),
  /** A recording stops by itself after this long. */
  maxDurationMs: z.number().int().positive(),
  /** Recordings of this room whose files are still being written (mixdown, previews). */
  saving: z.number().int().nonnegative(),
  /** Why the last recording stopped. */
  stoppedReason: z.enum(RECORDING_STOP_REASONS).optional(),
  message: z.string().max(300).optional(),
});
export type RecordingState = z.infer<typeof recordingStateSchema>;

/** A recording's files are written (or could not be): clients refresh their list. */
export const recordingSavedSchema = z.object({
  recordingId: z.string().max(64),
  status: z.enum(['ready', 'failed']),
  message: z.string().max(300).optional(),
});
export type RecordingSaved = z.infer<typeof recordingSavedSchema>;

/**
 * A member's pass for the room's recordings over HTTP (?access=…), until accounts
 * provide a cookie session: signed by the SFU, bound to one room, expiring.
 */
export const recordingsAccessSchema = z.object({
  token: z.string().max(512),
  expiresAt: z.string().max(40),
});
export type RecordingsAccess = z.infer<typeof recordingsAccessSchema>;

export const RECORDING_TRACK_KINDS = ['participant', 'ai', 'mix'] as const;
export type RecordingTrackKind = (typeof RECORDING_TRACK_KINDS)[number];

export const recordingTrackSchema = z.object({
  id: z.string().max(64),
  kind: z.enum(RECORDING_TRACK_KINDS),
  label: z.string().max(100),
  sampleRate: z.number().int().positive(),
  channels: z.number().int().positive(),
  /** Where the file starts on the recording's timeline; every file starts at 0 today. */
  offsetMs: z.number().int().nonnegative(),
  durationMs: z.number().int().nonnegative().nullable(),
  /** Waveform preview: peak level per slice of the file, in [0, 1]. */
  peaks: z.array(z.number().min(0).max(1)).max(4 * RECORDING.peaks),
  /** The file, relative to the SFU's base URL (append ?access=<token>). */
  url: z.string().max(300),
});
export type RecordingTrackInfo = z.infer<typeof recordingTrackSchema>;

export const recordingSummarySchema = z.object({
  id: z.string().max(64),
  roomId: z.string().max(64),
  status: z.enum(['recording', 'ready', 'failed']),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  durationMs: z.number().int().nonnegative().nullable(),
  startedBy: z.string().max(100).nullable(),
  tracks: z.array(recordingTrackSchema).max(RECORDING.maxTracks),
});
export type RecordingSummary = z.infer<typeof recordingSummarySchema>;

export const recordingListSchema = z.object({ recordings: z.array(recordingSummarySchema).max(RECORDING.maxListed) });
export type RecordingList = z.infer<typeof recordingListSchema>;

/**
 * A recording is gone (its owner deleted it, or it was older than the server keeps recordings):
 * the answer to DELETE /api/rooms/:roomId/recordings/:recordingId and the room's notification.
 */
export const recordingDeletedSchema = z.object({ recordingId: z.string().max(64) });
export type RecordingDeleted = z.infer<typeof recordingDeletedSchema>;

/** A recording, for its owner's DELETE; the server routes the same pattern. */
export function recordingPath(roomId: string, recordingId: string): string {
  return `${recordingListPath(roomId)}/${encodeURIComponent(recordingId)}`;
}

/** Where a track's file is served; the server routes the same pattern. */
export function recordingTrackPath(roomId: string, recordingId: string, trackId: string): string {
  return `/api/rooms/${encodeURIComponent(roomId)}/recordings/${encodeURIComponent(recordingId)}/tracks/${encodeURIComponent(trackId)}/file`;
}

export function recordingListPath(roomId: string): string {
  return `/api/rooms/${encodeURIComponent(roomId)}/recordings`;
}

/** Signalling requests (merged into `requests` in signalling.ts). */
export const recordingRequests = {
  /** Host only (not_host otherwise): records every stream of the room until stopRecording. */
  startRecording: { request: z.strictObject({}), response: recordingStateSchema },
  /** Host only: stops the recording; its files are saved in the background (recordingSaved). */
  stopRecording: { request: z.strictObject({}), response: recordingStateSchema },
  /** Any member: a pass for listing and downloading this room's recordings over HTTP. */
  recordingsAccess: { request: z.strictObject({}), response: recordingsAccessSchema },
} as const;

/** Notifications to everyone in the room (merged into `notifications` in signalling.ts). */
export const recordingNotifications = {
  recordingState: recordingStateSchema,
  recordingSaved: recordingSavedSchema,
  recordingDeleted: recordingDeletedSchema,
} as const;
