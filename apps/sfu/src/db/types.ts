// The SFU's own database types: independent of which generated Prisma client (SQLite or
// PostgreSQL) is behind the repository.

export type RoomStatus = 'open' | 'closed';
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
}

/** One period the room was occupied: first join into an empty room → last leave. */
export interface RoomSession {
  id: string;
  roomId: string;
  startedAt: Date;
  endedAt: Date | null;
}

export interface CreateRoomInput {
  name: string;
  maxParticipants?: number | null;
}

export interface RecordJoinInput {
  roomId: string;
  displayName: string;
  role: ParticipantRole;
  peerId: string;
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
export interface BandmateDatabase {
  readonly provider: 'sqlite' | 'postgresql';
  createRoom(input: CreateRoomInput): Promise<Room>;
  getRoom(id: string): Promise<Room | null>;
  /** Rooms with status 'open', newest first. */
  listOpenRooms(): Promise<Room[]>;
  /**
   * Records a participant joining. Opens a RoomSession if none is open and (re)opens the room.
   * Throws RoomNotFoundError, RoomFullError (maxParticipants reached) or a validation TypeError.
   */
  recordJoin(input: RecordJoinInput): Promise<Participant>;
  /**
   * Sets leftAt (idempotent: a second call changes nothing). When the last participant leaves, the
   * open session ends and, unless closeRoomWhenEmpty is false, the room closes.
   * Throws ParticipantNotFoundError.
   */
  recordLeave(participantId: string): Promise<LeaveResult>;
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
