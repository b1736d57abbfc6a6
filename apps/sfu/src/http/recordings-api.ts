import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  cleanName,
  RECORDING,
  recordingTrackPath,
  type RecordingDeleted,
  type RecordingList,
  type ErrorCode,
  type RecordingSummary,
} from '@bandmate/shared';
import type { Recording, RecordingRepository } from '../db/types.ts';
import { loggableUrl, type Logger } from '../logger.ts';
import { HttpError, requestUrl, send, sendError as sendHttpError, unexpectedFailure } from './http-api.ts';
import type { RecordingRemoval } from '../recording/recording-removal.ts';
import type { RoomFilesAccess } from '../recording/room-files-access.ts';

export type RecordingsReader = Pick<RecordingRepository, 'listRecordings' | 'getRecordingTrack' | 'getRecording'>;

/** Who owns a room: the signed-in account of a request, and whether it owns the room. */
export interface RoomOwnership {
  userOfRequest(req: IncomingMessage): Promise<{ id: string } | null>;
  isRoomOwner(userId: string, roomId: string): Promise<boolean>;
}

export interface RecordingsApiOptions {
  store: RecordingsReader;
  /** The recordings folder (RECORDINGS_DIR). */
  dir: string;
  access: RoomFilesAccess;
  /** Who may delete a room's recordings (its owner); absent: nobody can. */
  owners?: RoomOwnership;
  removal: Pick<RecordingRemoval, 'remove'>;
  logger: Logger;
}

const ROOM = '([A-Za-z0-9_-]{1,32})';
const UUID = '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})';
const LIST_RE = new RegExp(`^/api/rooms/${ROOM}/recordings$`);
const ITEM_RE = new RegExp(`^/api/rooms/${ROOM}/recordings/${UUID}$`);
const FILE_RE = new RegExp(`^/api/rooms/${ROOM}/recordings/${UUID}/tracks/${UUID}/file$`);
/** Track files are named by the recorder; anything else is refused before touching the disk. */
const FILE_NAME = /^[a-z0-9][a-z0-9-]{0,60}\.wav$/;

/**
 * The recordings of a room, for its members only, and their deletion, for its owner only:
 *   GET /api/rooms/:roomId/recordings                                       → recordings, tracks, peaks
 *   GET|HEAD /api/rooms/:roomId/recordings/:recordingId/tracks/:trackId/file → the WAV (Range supported)
 *   DELETE /api/rooms/:roomId/recordings/:recordingId                        → { recordingId } (owner's cookie)
 * Answers on the response itself (files are streamed); returns false for any other path. A DELETE
 * has passed the Origin check (origin-policy.ts) like every cookie-carrying state change.
 */
export function recordingsRoutes(options: RecordingsApiOptions): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const { store, access, logger } = options;

  async function refuseStrangers(req: IncomingMessage, res: ServerResponse, roomId: string): Promise<boolean> {
    if (await access.canAccessRoomFiles(req, roomId)) return false;
    sendError(res, 'forbidden', "only the room's members can list or download its recordings: join the room (or sign in) first");
    return true;
  }

  return async function route(req, res) {
    const url = requestUrl(req);
    const list = LIST_RE.exec(url.pathname);
    const file = list ? null : FILE_RE.exec(url.pathname);
    const item = list || file ? null : ITEM_RE.exec(url.pathname);
    if (!list && !file && !item) return false;
    try {
      if (item) {
        if (req.method !== 'DELETE') sendError(res, 'method_not_allowed', `${req.method} is not allowed here; use DELETE`, { allow: 'DELETE' });
        else await deleteRecording(req, res, item[1]!, item[2]!);
        return true;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendError(res, 'method_not_allowed', `${req.method} is not allowed here; use GET`, { allow: 'GET, HEAD' });
        return true;
      }
      const roomId = (list ?? file)![1]!;
      if (await refuseStrangers(req, res, roomId)) return true;
      if (list) {
        const recordings = await store.listRecordings(roomId, { limit: RECORDING.maxListed });
        const body: RecordingList = { recordings: recordings.map(summary) };
        send(res, 200, body);
        return true;
      }
      await sendTrack(req, res, roomId, file![2]!, file![3]!);
    } catch (err) {
      const failure = unexpectedFailure(err, logger, { url: loggableUrl(req.url), route: 'recordings' });
      if (!res.headersSent) sendHttpError(res, failure);
      else res.destroy();
    }
    return true;
  };

  async function deleteRecording(req: IncomingMessage, res: ServerResponse, roomId: string, recordingId: string) {
    const user = await options.owners?.userOfRequest(req);
    if (!user) return sendError(res, 'auth_required', "sign in as the room's owner to delete its recordings");
    if (!(await options.owners!.isRoomOwner(user.id, roomId))) {
      return sendError(res, 'forbidden', "only the room's owner can delete its recordings");
    }
    const found = await store.getRecording(recordingId);
    if (!found || found.roomId !== roomId) return sendError(res, 'not_found', 'no such recording in this room');
    if (found.status === 'recording') {
      return sendError(res, 'not_ready', 'this recording is still running or being saved; stop it, and delete it once it is saved');
    }
    await options.removal.remove(roomId, recordingId);
    logger.info({ roomId, recordingId, by: user.id }, 'recording deleted by the room owner');
    const body: RecordingDeleted = { recordingId };
    send(res, 200, body);
  }

  async function sendTrack(req: IncomingMessage, res: ServerResponse, roomId: string, recordingId: string, trackId: string) {
    const found = await store.getRecordingTrack(recordingId, trackId);
    // A track of another room's recording is as absent as one that does not exist.
    if (!found || found.roomId !== roomId) return sendError(res, 'not_found', 'no such recording track in this room');
    if (found.status !== 'ready') return sendError(res, 'not_ready', 'this recording is still being saved (or failed); try again shortly');
    if (!FILE_NAME.test(found.track.file)) return sendError(res, 'not_found', 'no such recording track in this room');
    const filePath = path.join(options.dir, recordingId, found.track.file);
    let size: number;
    try {
      size = (await stat(filePath)).size;
    } catch {
      return sendError(res, 'gone', "this recording's file is no longer on the server");
    }
    const headers: Record<string, string> = {
      'content-type': 'audio/wav',
      'content-disposition': contentDisposition(downloadName(found.startedAt, found.track.label)),
      'accept-ranges': 'bytes',
      'cache-control': 'private, no-cache',
      'x-content-type-options': 'nosniff',
      'access-control-expose-headers': 'content-range, content-disposition, content-length, accept-ranges',
    };
    const range = parseRange(req.headers.range, size);
    if (range === 'unsatisfiable') {
      res.writeHead(416, { ...headers, 'content-range': `bytes */${size}` }).end();
      return;
    }
    const { start, end } = range ?? { start: 0, end: size - 1 };
    const length = size === 0 ? 0 : end - start + 1;
    res.writeHead(range ? 206 : 200, {
      ...headers,
      'content-length': String(length),
      ...(range && { 'content-range': `bytes ${start}-${end}/${size}` }),
    });
    if (req.method === 'HEAD' || length === 0) {
      res.end();
      return;
    }
    // A client that goes away mid-download ends the pipeline; that is not a server error.
    await pipeline(createReadStream(filePath, { start, end }), res).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ERR_STREAM_PREMATURE_CLOSE') logger.warn({ err, recordingId, trackId }, 'recording download interrupted');
    });
  }
}

function summary(r: Recording): RecordingSummary {
  return {
    id: r.id,
    roomId: r.roomId,
    status: r.status,
    startedAt: r.startedAt.toISOString(),
    endedAt: r.endedAt?.toISOString() ?? null,
    durationMs: r.durationMs,
    startedBy: r.startedBy,
    // Files are only served once the recording is ready.
    tracks: (r.status === 'ready' ? r.tracks : []).slice(0, RECORDING.maxTracks).map((t) => ({
      id: t.id,
      kind: t.kind,
      label: t.label,
      sampleRate: t.sampleRate,
      channels: t.channels,
      offsetMs: t.offsetMs,
      durationMs: t.durationMs,
      peaks: t.peaks,
      url: recordingTrackPath(r.roomId, r.id, t.id),
    })),
  };
}

/** One byte range (`bytes=a-b`, `bytes=a-`, `bytes=-n`); null means "send the whole file". */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  if (!header) return null;
  // Several ranges or other units: answering with the whole file is allowed (RFC 9110 §14.2).
  const m = /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

/** "bandmate-2026-11-21-1530-Ana.wav": when it was recorded and whose track, safe as a file name. */
function downloadName(startedAt: Date, label: string): string {
  const when = startedAt.toISOString().slice(0, 16).replace('T', '-').replace(':', '');
  // Cleaned like every name (labels stored before names were cleaned at the door included).
  const who = cleanName(label).replace(/[\\/:*?"<>|]+/g, '_').slice(0, 60).trim() || 'track';
  return `bandmate-${when}-${who}.wav`;
}

/** RFC 6266: an ASCII fallback plus the exact UTF-8 name. */
function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

function sendError(res: ServerResponse, code: ErrorCode, message: string, headers: Record<string, string> = {}) {
  sendHttpError(res, new HttpError(code, message, headers));
}
