import { z } from 'zod';
import { LIMITS, ROLES } from './constants.ts';
import { addAiPlayerRequestSchema, aiRoomStateSchema, removeAiPlayerRequestSchema, setAiPlayerRequestSchema } from './ai-protocol.ts';
import { chatNotifications, chatRequests } from './chat.ts';
import { recordingNotifications, recordingRequests, recordingStateSchema } from './recording.ts';
import { metronomeNotifications, metronomeRequests } from './metronome-protocol.ts';
import { tempoStateSchema } from './tempo.ts';
import { nameSchema } from './text.ts';
import {
  handOverHostRequestSchema,
  hostChangedSchema,
  lockChangedSchema,
  lockRoomRequestSchema,
  muteParticipantRequestSchema,
  ownProducerRequestSchema,
  removedSchema,
  removeParticipantRequestSchema,
  setParticipantRoleRequestSchema,
} from './host-controls.ts';
import { inviteTokenSchema } from './auth-api.ts';
import type { SignalError } from './errors.ts';
import {
  dtlsParametersSchema,
  rtpCapabilitiesSchema,
  rtpParametersSchema,
} from './media-schemas.ts';

/**
 * Every socket.io message between the browser and the SFU, defined once.
 * Requests are client→server events answered through the socket.io ack;
 * notifications are server→client events. Both sides validate with these schemas.
 */

const id = z.string().min(1).max(64);
/** A rejoin token (apps/sfu/src/auth/rejoin-tokens.ts): opaque to the page. */
export const rejoinTokenSchema = z
  .string()
  .max(160, 'rejoin token is too long')
  .regex(/^[A-Za-z0-9_-]{4,110}\.[A-Za-z0-9_-]{43}$/, 'rejoin token is malformed');
export const roomIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]+$/, 'room id may only contain letters, digits, - and _')
  .min(4)
  .max(32);
/** Cleaned like chat (no controls, bidi overrides or line breaks): others see it, the recorder names files after it. */
export const displayNameSchema = nameSchema('display name', LIMITS.displayNameMax);
export const roleSchema = z.enum(ROLES);

export const peerInfoSchema = z.object({
  id,
  displayName: z.string(),
  role: roleSchema,
  /** Muted by the host: the SFU holds back their audio and they cannot unmute themselves. */
  hostMuted: z.boolean().optional(),
});
export type PeerInfo = z.infer<typeof peerInfoSchema>;

export const producerInfoSchema = z.object({
  producerId: id,
  peerId: id,
  kind: z.enum(['audio', 'video']),
  /** 'mic' for a musician's microphone; later sources (the AI) add their own labels. */
  source: z.string().max(32),
});
export type ProducerInfo = z.infer<typeof producerInfoSchema>;

export const transportOptionsSchema = z.object({
  id,
  iceParameters: z.looseObject({}),
  iceCandidates: z.array(z.looseObject({})),
  dtlsParameters: z.looseObject({}),
});

export const requests = {
  getRouterRtpCapabilities: {
    request: z.strictObject({ roomId: roomIdSchema }),
    response: z.object({ routerRtpCapabilities: z.looseObject({}) }),
  },
  join: {
    request: z.strictObject({
      roomId: roomIdSchema,
      displayName: displayNameSchema,
      role: roleSchema,
      rtpCapabilities: rtpCapabilitiesSchema,
      /** The invite link's token (?invite=…): needed for a private room unless owner or admitted before. */
      invite: inviteTokenSchema.optional(),
      /** The token this page got at its last join of this room: it is joining again by itself (reconnect). */
      rejoin: rejoinTokenSchema.optional(),
    }),
    response: z.object({
      peerId: id,
      roomName: z.string(),
      peers: z.array(peerInfoSchema),
      producers: z.array(producerInfoSchema),
      /** Whether this participant may control the room (today: the longest-present musician). */
      isHost: z.boolean(),
      ai: aiRoomStateSchema,
      /** The room's metronome grid (tempo.ts). */
      tempo: tempoStateSchema,
      /** Who holds the host role now (null: nobody), and whether the room admits newcomers. */
      hostId: id.nullable().optional(),
      locked: z.boolean().optional(),
      /** The newcomer as the room sees them (a rejoin may find them still muted by the host). */
      self: peerInfoSchema.optional(),
      /** Whether the room is being recorded (recording.ts). */
      recording: recordingStateSchema.optional(),
      /** Shown when this page joins again by itself (the server restarted, the room moved): same peer, same seat. */
      rejoinToken: rejoinTokenSchema.optional(),
    }),
  },
  leave: {
    request: z.strictObject({}),
    response: z.object({}),
  },
  createWebRtcTransport: {
    request: z.strictObject({ direction: z.enum(['send', 'recv']) }),
    response: transportOptionsSchema,
  },
  connectWebRtcTransport: {
    request: z.strictObject({ transportId: id, dtlsParameters: dtlsParametersSchema }),
    response: z.object({}),
  },
  /** The transport's media path failed (ICE) while signalling stayed up: new ICE credentials for a restart. */
  restartIce: {
    request: z.strictObject({ transportId: id }),
    response: z.object({ iceParameters: z.looseObject({}) }),
  },
  produce: {
    request: z.strictObject({
      transportId: id,
      kind: z.literal('audio'),
      rtpParameters: rtpParametersSchema,
      source: z.literal('mic'),
    }),
    response: z.object({ producerId: id }),
  },
  closeProducer: {
    request: z.strictObject({ producerId: id }),
    response: z.object({}),
  },
  consume: {
    request: z.strictObject({ producerId: id }),
    response: z.object({
      consumerId: id,
      producerId: id,
      peerId: id,
      kind: z.enum(['audio', 'video']),
      rtpParameters: z.looseObject({}),
    }),
  },
  resumeConsumer: {
    request: z.strictObject({ consumerId: id }),
    response: z.object({}),
  },
  /** The host adds, changes (instrument, volume) and removes the room's AI players (ai-protocol.ts). */
  addAiPlayer: { request: addAiPlayerRequestSchema, response: aiRoomStateSchema },
  setAiPlayer: { request: setAiPlayerRequestSchema, response: aiRoomStateSchema },
  removeAiPlayer: { request: removeAiPlayerRequestSchema, response: aiRoomStateSchema },
  /** Host controls (packages/shared/src/host-controls.ts); refused to anyone else with not_host. */
  muteParticipant: { request: muteParticipantRequestSchema, response: peerInfoSchema },
  setParticipantRole: { request: setParticipantRoleRequestSchema, response: peerInfoSchema },
  removeParticipant: { request: removeParticipantRequestSchema, response: z.object({}) },
  lockRoom: { request: lockRoomRequestSchema, response: lockChangedSchema },
  handOverHost: { request: handOverHostRequestSchema, response: hostChangedSchema },
  /** A musician pauses or resumes their own microphone; resuming is refused while host-muted. */
  pauseProducer: { request: ownProducerRequestSchema, response: z.object({}) },
  resumeProducer: { request: ownProducerRequestSchema, response: z.object({}) },
  /** Clock sync and metronome (metronome-protocol.ts), room chat (chat.ts). */
  ...metronomeRequests,
  ...chatRequests,
  /** Recording the room (recording.ts). */
  ...recordingRequests,
} as const;

export type RequestName = keyof typeof requests;
export type RequestOf<N extends RequestName> = z.infer<(typeof requests)[N]['request']>;
export type ResponseOf<N extends RequestName> = z.infer<(typeof requests)[N]['response']>;

export type Ack<T> = { ok: true; data: T } | { ok: false; error: SignalError };

export const notifications = {
  peerJoined: peerInfoSchema,
  peerLeft: z.object({ peerId: id }),
  newProducer: producerInfoSchema,
  producerClosed: z.object({ producerId: id, peerId: id }),
  consumerClosed: z.object({ consumerId: id, producerId: id }),
  aiState: aiRoomStateSchema,
  hostChanged: hostChangedSchema,
  /** A participant's role or host-muted flag changed (sent to everyone, them included). */
  peerUpdated: peerInfoSchema,
  lockChanged: lockChangedSchema,
  removed: removedSchema,
  /**
   * The server's media process for this room failed and the room moved to another: this page's
   * membership has ended, everything else of the room is kept, so join again at once.
   */
  mediaRestart: z.object({ reason: z.string().max(300) }),
  ...metronomeNotifications,
  ...chatNotifications,
  ...recordingNotifications,
} as const;

export type NotificationName = keyof typeof notifications;
export type NotificationOf<N extends NotificationName> = z.infer<(typeof notifications)[N]>;

/** socket.io typed maps (server perspective). */
export type ClientToServerEvents = {
  [N in RequestName]: (payload: unknown, ack: (reply: Ack<ResponseOf<N>>) => void) => void;
};
export type ServerToClientEvents = {
  [N in NotificationName]: (payload: NotificationOf<N>) => void;
};

/**
 * The lobby's live feed: socket.io namespace `/lobby`, which sends nothing and is told when the
 * listed rooms changed (a room made, opened or closed, someone joined or left) on any SFU node;
 * the page then asks `GET /api/rooms` again, which applies who may see which room. With several
 * nodes the namespace runs on the shared bus (PostgreSQL), so a change on one reaches every lobby.
 */
export const LOBBY_NAMESPACE = '/lobby';
export const lobbyNotifications = {
  roomsChanged: z.strictObject({}),
} as const;
export type LobbyServerToClientEvents = {
  [N in keyof typeof lobbyNotifications]: (payload: z.infer<(typeof lobbyNotifications)[N]>) => void;
};
