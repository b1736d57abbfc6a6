// Recordings and their tracks (one file per stream plus the mixdown). Works on either generated
// client (see index.ts for why the SQLite client's type stands for both).
import type { PrismaClient as SqliteClient } from './generated/sqlite/client.js';
import {
  RECORDING_STATUSES,
  RECORDING_TRACK_KINDS,
  RecordingAlreadyFinishedError,
  RecordingNotFoundError,
  type NewRecordingTrack,
  type Recording,
  type RecordingRepository,
  type RecordingStatus,
  type RecordingTrack,
  type RecordingTrackKind,
} from './types.js';

type Client = SqliteClient;

/** A RecordingTrack row as stored: kind is a plain string column, peaks a JSON string. */
type TrackRow = Omit<RecordingTrack, 'kind' | 'peaks'> & { kind: string; peaks: string | null };

interface RecordingRow {
  id: string;
  roomId: string;
  startedById: string | null;
  startedAt: Date;
  endedAt: Date | null;
  status: string;
  durationMs: number | null;
  tracks?: TrackRow[];
}

/** File names are made by the recorder; anything else in the database is refused. */
const FILE_NAME = /^[a-z0-9][a-z0-9-]{0,60}\.wav$/;

export function createRecordingRepository(client: Client): RecordingRepository {
  /** Display names of the hosts who started recordings (startedById is their signalling peer id). */
  async function starterNames(rows: RecordingRow[]): Promise<Map<string, string>> {
    const ids = [...new Set(rows.map((r) => r.startedById).filter((id): id is string => !!id))];
    if (ids.length === 0) return new Map();
    const people = await client.participant.findMany({
      where: { peerId: { in: ids } },
      select: { peerId: true, displayName: true },
    });
    return new Map(people.map((p) => [p.peerId, p.displayName]));
  }

  return {
    async createRecording({ id, roomId, startedById, startedAt }) {
      const row = await client.recording.create({
        data: { ...(id && { id }), roomId, startedById: startedById ?? null, startedAt: startedAt ?? new Date(), status: 'recording' },
      });
      return toRecording(row, null);
    },

    async finishRecording(id, { status, startedAt, endedAt, durationMs, tracks }) {
      if (status !== 'ready' && status !== 'failed') throw new TypeError('a finished recording is ready or failed');
      for (const t of tracks) validateTrack(t);
      return client.$transaction(async (tx) => {
        // Conditional, so that of two nodes finishing it at once (one woke from a stall) one wins.
        const { count } = await tx.recording.updateMany({
          where: { id, status: 'recording' },
          data: { status, endedAt, durationMs: durationMs == null ? null : Math.round(durationMs), ...(startedAt && { startedAt }) },
        });
        if (count === 0) {
          const found = await tx.recording.findUnique({ where: { id }, select: { status: true } });
          if (!found) throw new RecordingNotFoundError(id);
          throw new RecordingAlreadyFinishedError(id, found.status as RecordingStatus);
        }
        if (tracks.length > 0) {
          await tx.recordingTrack.createMany({
            data: tracks.map((t) => ({
              recordingId: id,
              kind: t.kind,
              label: t.label.slice(0, 100),
              file: t.file,
              sampleRate: t.sampleRate,
              channels: t.channels,
              offsetMs: Math.round(t.offsetMs ?? 0),
              durationMs: t.durationMs == null ? null : Math.round(t.durationMs),
              peaks: JSON.stringify(t.peaks ?? []),
            })),
          });
        }
        const row = await tx.recording.findUniqueOrThrow({ where: { id }, include: { tracks: true } });
        return toRecording(row, null);
      });
    },

    async listUnfinishedRecordings() {
      return client.recording.findMany({
        where: { status: 'recording' },
        select: { id: true, roomId: true, startedAt: true },
        orderBy: [{ startedAt: 'asc' }, { id: 'asc' }],
      });
    },

    async failUnfinishedRecordings(endedAt = new Date()) {
      const res = await client.recording.updateMany({ where: { status: 'recording' }, data: { status: 'failed', endedAt } });
      return res.count;
    },

    async getRecording(id) {
      const row = await client.recording.findUnique({ where: { id }, include: { tracks: true } });
      if (!row) return null;
      return toRecording(row, (await starterNames([row])).get(row.startedById ?? '') ?? null);
    },

    async listRecordings(roomId, { limit = 50 } = {}) {
      const rows = await client.recording.findMany({
        where: { roomId },
        orderBy: [{ startedAt: 'desc' }, { id: 'asc' }],
        take: Math.max(1, Math.min(200, limit)),
        include: { tracks: true },
      });
      const names = await starterNames(rows);
      return rows.map((r) => toRecording(r, names.get(r.startedById ?? '') ?? null));
    },

    countRecordings(roomId) {
      return client.recording.count({ where: { roomId } });
    },

    listRecordingsStartedBefore(before, limit) {
      return client.recording.findMany({
        where: { startedAt: { lt: before }, status: { in: ['ready', 'failed'] } },
        orderBy: [{ startedAt: 'asc' }, { id: 'asc' }],
        take: Math.max(1, Math.min(1000, limit)),
        select: { id: true, roomId: true },
      });
    },

    async deleteRecording(id) {
      // The tracks' rows go with it (onDelete: Cascade).
      const res = await client.recording.deleteMany({ where: { id } });
      return res.count > 0;
    },

    async getRecordingTrack(recordingId, trackId) {
      const row = await client.recordingTrack.findFirst({
        where: { id: trackId, recordingId },
        include: { recording: { select: { roomId: true, status: true, startedAt: true } } },
      });
      if (!row) return null;
      return {
        track: toTrack(row),
        roomId: row.recording.roomId,
        status: asRecordingStatus(row.recording.status),
        startedAt: row.recording.startedAt,
      };
    },
  };
}

function validateTrack(t: NewRecordingTrack): void {
  if (!RECORDING_TRACK_KINDS.includes(t.kind)) throw new TypeError(`track kind must be one of ${RECORDING_TRACK_KINDS.join(', ')}`);
  if (!FILE_NAME.test(t.file)) throw new TypeError(`bad track file name ${JSON.stringify(t.file)}`);
  if (!Number.isInteger(t.sampleRate) || t.sampleRate <= 0) throw new TypeError('sampleRate must be a positive integer');
  if (!Number.isInteger(t.channels) || t.channels <= 0) throw new TypeError('channels must be a positive integer');
  if (t.peaks && (t.peaks.length > 4000 || t.peaks.some((p) => !(p >= 0 && p <= 1)))) {
    throw new TypeError('peaks must be at most 4000 values in [0, 1]');
  }
}

/** Mixdown last; stems in the order they were made (their file names start with a counter). */
function trackOrder(a: RecordingTrack, b: RecordingTrack): number {
  if ((a.kind === 'mix') !== (b.kind === 'mix')) return a.kind === 'mix' ? 1 : -1;
  return a.file < b.file ? -1 : a.file > b.file ? 1 : 0;
}

function toRecording(r: RecordingRow, startedBy: string | null): Recording {
  return {
    id: r.id,
    roomId: r.roomId,
    startedById: r.startedById,
    startedBy,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    status: asRecordingStatus(r.status),
    durationMs: r.durationMs,
    tracks: (r.tracks ?? []).map(toTrack).sort(trackOrder),
  };
}

function toTrack(t: TrackRow): RecordingTrack {
  return {
    id: t.id,
    recordingId: t.recordingId,
    kind: asTrackKind(t.kind),
    label: t.label,
    file: t.file,
    sampleRate: t.sampleRate,
    channels: t.channels,
    offsetMs: t.offsetMs,
    durationMs: t.durationMs,
    peaks: parsePeaks(t.peaks),
  };
}

function parsePeaks(json: string | null): number[] {
  if (!json) return [];
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((v): v is number => typeof v === 'number' && v >= 0 && v <= 1) : [];
  } catch {
    return [];
  }
}

function asRecordingStatus(s: string): RecordingStatus {
  if ((RECORDING_STATUSES as readonly string[]).includes(s)) return s as RecordingStatus;
  throw new Error(`Unexpected recording status in database: ${s}`);
}

function asTrackKind(k: string): RecordingTrackKind {
  if ((RECORDING_TRACK_KINDS as readonly string[]).includes(k)) return k as RecordingTrackKind;
  throw new Error(`Unexpected recording track kind in database: ${k}`);
}
