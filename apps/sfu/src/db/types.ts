// The SFU's own database types: independent of which generated Prisma client (SQLite or
// PostgreSQL) is behind the repository.

import type { RoomLockRepository } from './room-lock.js';
import type { RoomNodesRepository } from './room-nodes.js';
import type { RoomResumeRepository } from './room-resume.js';

export type RoomStatus = 'open' | 'closed';
/** 'unlisted': anyone with the link may join, like public, but the lobby never lists it (a demo room). */
export type RoomVisibility = 'public' | 'private' | 'unlisted';
export type ParticipantRole = 'musician' | 'listener';

export const ROOM_STATUSES: readonly RoomStatus[] = ['open', 'closed'];
export const PARTICIPANT_ROLES: readonly ParticipantRole[] = ['musician', 'listener'];

export interface Room {
  /** Short url-safe id (10 chars, [A-Za-z0-9]) used in the shareable link /room/<id>. */
  id: string;
  name: string;
  createdAt: Date;
  /** Set when the room closes; cleared if someone rejoins through the link. */
  closedAt: Date | null;
  maxParticipants: number | null;
  status: RoomStatus;
  /** 'public': listed in the lobby, anyone may join; 'private': joinable with an invite link only. */
  visibility: RoomVisibility;
  /** The account that created the room; null for rooms created anonymously. */
  ownerId: string | null;
}

export interface Participant {
  id: string;
  roomId: string;
  displayName: string;
  joinedAt: Date;
  leftAt: Date | null;
  role: ParticipantRole;
  /** The signalling peer id. */
  peerId: string;
  /** The account (or guest account) behind this stay; null for anonymous joins. */
  userId: string | null;
}

/** One period the room was occupied: first join into an empty room → last leave. */
export interface RoomSession {
  id: string;
  roomId: string;
  startedAt: Date;
  endedAt: Date | null;
}

/** Which open rooms the lobby lists. */
export interface LobbyQuery {
  /** At most this many (the newest). */
  limit?: number;
  /** Only rooms created since then, or with someone in them now. */
  activeSince?: Date;
}

export interface CreateRoomInput {
  name: string;
  maxParticipants?: number | null;
  /** Default 'public'. */
  visibility?: RoomVisibility;
  ownerId?: string | null;
}

export interface RecordJoinInput {
  roomId: string;
  displayName: string;
  role: ParticipantRole;
  peerId: string;
  userId?: string | null;
}

export interface LeaveResult {
  participant: Participant;
  /** Participants still in the room after this leave. */
  remaining: number;
  /** The session this leave ended (the last person left), else null. */
  endedSession: RoomSession | null;
  /** True when this leave closed the room (last person left and closeRoomWhenEmpty is on). */
  roomClosed: boolean;
}

export interface DatabaseOptions {
  /** Close the room (status 'closed', closedAt) when the last participant leaves. Default true. */
  closeRoomWhenEmpty?: boolean;
}

/** The repository API the SFU uses. */
export interface BandmateDatabase extends AccessRepository, RoomLockRepository, RoomResumeRepository, RoomNodesRepository, RecordingRepository, ChatRepository, TempoRepository {
  readonly provider: 'sqlite' | 'postgresql';
  createRoom(input: CreateRoomInput): Promise<Room>;
  getRoom(id: string): Promise<Room | null>;
  /** Public rooms with status 'open', newest first. */
  listOpenRooms(opts?: LobbyQuery): Promise<Room[]>;
  /** People inside each of these rooms now, by their open stays (whichever SFU node runs the room); absent: nobody. */
  openStayCounts(roomIds: string[]): Promise<Map<string, number>>;
  /**
   * Records a participant joining. Opens a RoomSession if none is open and (re)opens the room.
   * Throws RoomNotFoundError, RoomFullError (maxParticipants reached) or a validation TypeError.
   */
  recordJoin(input: RecordJoinInput): Promise<Participant>;
  /**
   * Sets leftAt (idempotent: a second call changes nothing). When the last participant leaves, the
   * open session ends and, unless closeRoomWhenEmpty is false, the room closes — except with
   * `keepSession` (the live room expects its people back: a move to another media worker).
   * Throws ParticipantNotFoundError.
   */
  recordLeave(participantId: string, options?: { keepSession?: boolean }): Promise<LeaveResult>;
  /**
   * Closes the room: status 'closed', closedAt (kept if already closed), remaining participants'
   * leftAt set, the open session ended. The record stays. Throws RoomNotFoundError.
   */
  closeRoom(roomId: string): Promise<Room>;
  /** Participants of a room in join order; `activeOnly` keeps those with leftAt null. */
  listParticipants(roomId: string, opts?: { activeOnly?: boolean }): Promise<Participant[]>;
  /** Sessions of a room, oldest first. */
  listSessions(roomId: string): Promise<RoomSession[]>;
  /** Disconnects (closes the SQLite file / the pg pool). */
  close(): Promise<void>;
}

export class RoomNotFoundError extends Error {
  override readonly name = 'RoomNotFoundError';
  constructor(readonly roomId: string) {
    super(`Room ${roomId} not found`);
  }
}

export class RoomFullError extends Error {
  override readonly name = 'RoomFullError';
  constructor(
    readonly roomId: string,
    readonly maxParticipants: number,
  ) {
    super(`Room ${roomId} is full (${maxParticipants} participants)`);
  }
}

export class ParticipantNotFoundError extends Error {
  override readonly name = 'ParticipantNotFoundError';
  constructor(readonly participantId: string) {
    super(`Participant ${participantId} not found`);
  }
}

export class DatabaseNotReadyError extends Error {
  override readonly name = 'DatabaseNotReadyError';
}

// ── Accounts, sessions, invites and room access (implementation: ./access.ts) ──

export interface User {
  id: string;
  /** Lower-cased; null for guests. */
  email: string | null;
  displayName: string;
  guest: boolean;
  createdAt: Date;
}

export interface UserWithPassword extends User {
  passwordHash: string | null;
}

export interface AuthSession {
  id: string;
  userId: string;
  createdAt: Date;
  expiresAt: Date;
  lastSeenAt: Date;
}

export interface Invite {
  id: string;
  roomId: string;
  createdById: string | null;
  createdAt: Date;
  /** null: never expires. */
  expiresAt: Date | null;
  revokedAt: Date | null;
  role: ParticipantRole;
}

/** What the join rules need to know about a room. */
export interface RoomAccessRecord {
  id: string;
  visibility: RoomVisibility;
  locked: boolean;
  ownerId: string | null;
}

/** A user's standing in a room. */
export interface RoomMembership {
  isOwner: boolean;
  /** Has a Participant row in the room (was admitted before). */
  admittedBefore: boolean;
  /** Was admitted as a musician at least once (else only as a listener, or never). */
  admittedAsMusician: boolean;
  /** Joined since the room's current session started (they are in, or just dropped out). */
  inCurrentSession: boolean;
}

export interface AccessRepository {
  /** Throws EmailTakenError if the (lower-cased) email has an account. */
  createUser(input: { email: string; passwordHash: string; displayName: string }): Promise<User>;
  createGuestUser(input: { displayName: string }): Promise<User>;
  /** Turns a guest into a full account, keeping its memberships. Throws EmailTakenError. */
  upgradeGuest(userId: string, input: { email: string; passwordHash: string; displayName: string }): Promise<User>;
  getUser(id: string): Promise<User | null>;
  findUserByEmail(email: string): Promise<UserWithPassword | null>;

  createAuthSession(input: { userId: string; tokenHash: string; expiresAt: Date }): Promise<AuthSession>;
  /** The session with this token hash and its user, if it has not expired at `now`. */
  findAuthSession(tokenHash: string, now?: Date): Promise<{ session: AuthSession; user: User } | null>;
  touchAuthSession(sessionId: string, at: Date): Promise<void>;
  deleteAuthSession(tokenHash: string): Promise<void>;
  /** Removes sessions expired at `now`; returns how many. */
  deleteExpiredAuthSessions(now?: Date): Promise<number>;

  createInvite(input: { roomId: string; createdById: string | null; expiresAt: Date | null; role: ParticipantRole }): Promise<Invite>;
  getInvite(id: string): Promise<Invite | null>;
  /** Newest first, at most `limit` (default 100). */
  listInvites(roomId: string, limit?: number): Promise<Invite[]>;
  /** Sets revokedAt (kept if already revoked). Null if the invite does not belong to the room. */
  revokeInvite(roomId: string, inviteId: string, at?: Date): Promise<Invite | null>;

  getRoomAccess(roomId: string): Promise<RoomAccessRecord | null>;
  roomMembership(userId: string, roomId: string): Promise<RoomMembership>;
  /** Accounts admitted to the room before (its owner aside), most recently joined first. */
  listRoomMembers(roomId: string, limit?: number): Promise<RoomMember[]>;
  /**
   * Ends an account's membership: its past stays in the room are kept but no longer tied to it, so
   * nothing it was admitted with counts any more. Returns how many stays were detached.
   */
  removeRoomMember(roomId: string, userId: string): Promise<number>;
}

export interface RoomMember {
  userId: string;
  displayName: string;
  guest: boolean;
  /** Their latest join. */
  lastJoinedAt: Date;
  /** Let in as a musician at least once (else only as a listener). */
  musician: boolean;
}

export class EmailTakenError extends Error {
  override readonly name = 'EmailTakenError';
  constructor(readonly email: string) {
    super(`An account with ${email} exists already`);
  }
}

// ── Recordings (implementation: ./recordings.ts) ──

export type RecordingStatus = 'recording' | 'ready' | 'failed';
export const RECORDING_STATUSES: readonly RecordingStatus[] = ['recording', 'ready', 'failed'];
export type RecordingTrackKind = 'participant' | 'ai' | 'mix';
export const RECORDING_TRACK_KINDS: readonly RecordingTrackKind[] = ['participant', 'ai', 'mix'];

export interface RecordingTrack {
  id: string;
  recordingId: string;
  kind: RecordingTrackKind;
  label: string;
  /** File name inside the recording's folder, made by the recorder (never from a client). */
  file: string;
  sampleRate: number;
  channels: number;
  /** Where the file starts on the recording's timeline (ms). */
  offsetMs: number;
  durationMs: number | null;
  /** Waveform preview, values in [0, 1]. */
  peaks: number[];
}

export type NewRecordingTrack = Omit<RecordingTrack, 'id' | 'recordingId' | 'offsetMs' | 'peaks'> & {
  offsetMs?: number;
  peaks?: number[];
};

export interface Recording {
  id: string;
  roomId: string;
  /** The signalling peer id of the host who started it (Participant.peerId). */
  startedById: string | null;
  /** That participant's display name, when known. */
  startedBy: string | null;
  startedAt: Date;
  endedAt: Date | null;
  status: RecordingStatus;
  durationMs: number | null;
  /** Stems in the order they were made, the mixdown last. */
  tracks: RecordingTrack[];
}

export interface RecordingRepository {
  /** `id` may be given (the recorder names its folder after it before the row exists). */
  createRecording(input: { id?: string; roomId: string; startedById?: string | null; startedAt?: Date }): Promise<Recording>;
  /**
   * Sets the outcome and adds the tracks in one transaction; `startedAt`, if given, replaces the
   * provisional start (the exact time of the timeline's frame 0). Throws RecordingNotFoundError, and
   * RecordingAlreadyFinishedError when it is not 'recording' any more (nothing is changed then).
   */
  finishRecording(
    id: string,
    input: { status: 'ready' | 'failed'; startedAt?: Date; endedAt: Date; durationMs: number | null; tracks: NewRecordingTrack[] },
  ): Promise<Recording>;
  /** Marks recordings left 'recording' by a server that stopped mid-way as failed; returns how many. */
  failUnfinishedRecordings(endedAt?: Date): Promise<number>;
  /** Recordings left 'recording' by a server that stopped mid-way (a crash), oldest first: to be saved or failed. */
  listUnfinishedRecordings(): Promise<Array<{ id: string; roomId: string; startedAt: Date }>>;
  getRecording(id: string): Promise<Recording | null>;
  /** Newest first, at most `limit` (default 50, at most 200). */
  listRecordings(roomId: string, opts?: { limit?: number }): Promise<Recording[]>;
  /** How many recordings a room keeps (any status). */
  countRecordings(roomId: string): Promise<number>;
  /** Finished recordings (ready or failed) started before `before`, oldest first, at most `limit`. */
  listRecordingsStartedBefore(before: Date, limit: number): Promise<Array<{ id: string; roomId: string }>>;
  /** Deletes a recording's row and its tracks' rows (not its files); false if there was none. */
  deleteRecording(id: string): Promise<boolean>;
  /** A track of a recording, with what an access check needs; null if no such track in that recording. */
  getRecordingTrack(
    recordingId: string,
    trackId: string,
  ): Promise<{ track: RecordingTrack; roomId: string; status: RecordingStatus; startedAt: Date } | null>;
}

export class RecordingNotFoundError extends Error {
  override readonly name = 'RecordingNotFoundError';
  constructor(readonly recordingId: string) {
    super(`Recording ${recordingId} not found`);
  }
}

/**
 * A recording is finished once: a node that stalled while another took its room over (and saved
 * or failed its recording) must not finish it again when it wakes.
 */
export class RecordingAlreadyFinishedError extends Error {
  override readonly name = 'RecordingAlreadyFinishedError';
  constructor(
    readonly recordingId: string,
    readonly status: RecordingStatus,
  ) {
    super(`Recording ${recordingId} is already ${status}`);
  }
}

// ── Room chat and metronome tempo (implementation: ./chat.ts, ./tempo.ts) ──

/** A chat line, kept with the room session it was said in. */
export interface ChatMessageRecord {
  id: string;
  roomId: string;
  sessionId: string;
  userId: string | null;
  /** The sender's signalling peer id. */
  peerId: string;
  displayName: string;
  body: string;
  createdAt: Date;
}

export interface NewChatMessage {
  roomId: string;
  peerId: string;
  displayName: string;
  body: string;
  userId?: string | null;
}

export interface ChatRepository {
  /**
   * Stores a message in the room's open session. Throws NoOpenSessionError when the room has
   * none (nobody has joined since it last emptied) and TypeError for an empty or over-long body.
   */
  addChatMessage(input: NewChatMessage): Promise<ChatMessageRecord>;
  /**
   * The last `limit` (default 200) messages of the room's open session, or of `sessionId`,
   * oldest first; [] when the room has no open session.
   */
  listChatMessages(roomId: string, opts?: { sessionId?: string; limit?: number }): Promise<ChatMessageRecord[]>;
}

/** The metronome settings stored on the room (Room.bpm, Room.beatsPerBar). */
export interface RoomTempo {
  bpm: number;
  beatsPerBar: number;
}

export interface TempoRepository {
  /** null when there is no such room. */
  getRoomTempo(roomId: string): Promise<RoomTempo | null>;
  /** Throws RoomNotFoundError, or RangeError outside 30–300 BPM / 1–12 beats per bar. */
  setRoomTempo(roomId: string, tempo: RoomTempo): Promise<RoomTempo>;
}

export class NoOpenSessionError extends Error {
  override readonly name = 'NoOpenSessionError';
  constructor(readonly roomId: string) {
    super(`Room ${roomId} has no open session (nobody is in it)`);
  }
}
