import {
  recordingDeletedSchema,
  recordingListPath,
  recordingListSchema,
  recordingPath,
  type RecordingDeleted,
  type RecordingSummary,
  type RecordingTrackInfo,
} from '@bandmate/shared';
import { call } from './rooms-api';

/** A room's recordings, newest first: members only (the pass from `recordingsAccess`, or a member's cookie). */
export const listRecordings = (sfu: string, roomId: string, access: string): Promise<RecordingSummary[]> =>
  call(`${sfu}${recordingListPath(roomId)}?access=${encodeURIComponent(access)}`, { method: 'GET' }, (b) => recordingListSchema.parse(b).recordings);

/** Where an <audio> element or a download link gets a track (the pass rides in the query: no cookie needed). */
export const trackFileUrl = (sfu: string, track: RecordingTrackInfo, access: string): string =>
  `${sfu}${track.url}?access=${encodeURIComponent(access)}`;

/** Deletes a recording and its files for everyone: the room's owner only (their session cookie, not a pass). */
export const deleteRecording = (sfu: string, roomId: string, recordingId: string): Promise<RecordingDeleted> =>
  call(`${sfu}${recordingPath(roomId, recordingId)}`, { method: 'DELETE' }, (b) => recordingDeletedSchema.parse(b));
