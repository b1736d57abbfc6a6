import { z } from 'zod';
import { rtpCapabilitiesSchema, rtpParametersSchema } from './media-schemas.ts';
import { roomIdSchema } from './signalling.ts';

/**
 * Messages between SFU nodes for a room that spans them (apps/sfu/src/edge): a node serving a
 * lesson's listeners for a room another node runs (its "edge") pipes the room's streams from the
 * room's node over a mediasoup PipeTransport. Requests go edge → room node over a socket.io
 * connection in the `/nodes` namespace, answered through the ack like the browser's requests;
 * notifications go the other way. Both sides check every message with these schemas.
 */

const id = z.string().min(1).max(64);
/** The requests of a listener's page about their receive media: what an edge serves. */
export const EDGE_MEDIA_REQUESTS = ['createWebRtcTransport', 'connectWebRtcTransport', 'restartIce', 'consume', 'resumeConsumer'] as const;
export type EdgeMediaRequest = (typeof EDGE_MEDIA_REQUESTS)[number];
/** An IPv4 or IPv6 address (PipeTransport.connect takes addresses, not names). */
const ipSchema = z.string().min(2).max(45).regex(/^[0-9a-fA-F:.]+$/, 'an IP address');
const portSchema = z.number().int().min(1).max(65_535);
export const srtpParametersSchema = z.strictObject({
  cryptoSuite: z.enum(['AEAD_AES_256_GCM', 'AEAD_AES_128_GCM', 'AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32']),
  keyBase64: z.string().min(16).max(128).regex(/^[A-Za-z0-9+/=]+$/),
});
const pipeEndSchema = z.strictObject({ ip: ipSchema, port: portSchema, srtpParameters: srtpParametersSchema });
export type PipeEnd = z.infer<typeof pipeEndSchema>;

/** The handshake's `auth` of an edge node: a node-link token (apps/sfu/src/auth/relay-tokens.ts). */
export const nodeLinkAuthSchema = z.strictObject({ token: z.string().min(10).max(300) });

export const nodeLinkRequests = {
  /** Opens the pipe of `roomId` to the edge's end; answered with the room node's end. One per room per link. */
  pipeOpen: {
    request: pipeEndSchema.extend({ roomId: roomIdSchema }),
    response: pipeEndSchema,
  },
  /** Sends one of the room's streams down the pipe; the edge produces it with the same id. */
  pipeConsume: {
    request: z.strictObject({ roomId: roomIdSchema, producerId: id }),
    response: z.object({
      producerId: id,
      peerId: id,
      kind: z.literal('audio'),
      rtpParameters: rtpParametersSchema,
      paused: z.boolean(),
      source: z.string().max(32),
    }),
  },
  /**
   * The other way round (room's node → edge): a listener who joined the room at its node is placed
   * on this edge, which serves their media from its pipe of the room (edge/edge-placement.ts).
   * `homeUrl` is where the edge pipes the room from (the asking node's SFU_NODE_URL).
   */
  edgeListen: {
    request: z.strictObject({ roomId: roomIdSchema, homeUrl: z.string().url().max(500), rtpCapabilities: rtpCapabilitiesSchema }),
    response: z.object({ listenerId: id }),
  },
  /** One of the placed listener's media requests, as the page sent it (checked again against its schema here). */
  edgeMedia: {
    request: z.strictObject({ listenerId: id, name: z.enum(EDGE_MEDIA_REQUESTS), payload: z.unknown() }),
    response: z.unknown(),
  },
  edgeUnlisten: {
    request: z.strictObject({ listenerId: id }),
    response: z.object({}),
  },
} as const;

export type NodeLinkRequestName = keyof typeof nodeLinkRequests;
export type NodeLinkRequestOf<N extends NodeLinkRequestName> = z.infer<(typeof nodeLinkRequests)[N]['request']>;
export type NodeLinkResponseOf<N extends NodeLinkRequestName> = z.infer<(typeof nodeLinkRequests)[N]['response']>;

export const nodeLinkNotifications = {
  /** A piped stream was paused or resumed at its source (the host muted or unmuted a musician). */
  pipeProducerPaused: z.object({ roomId: roomIdSchema, producerId: id, paused: z.boolean() }),
  /** A stream piped to the edge ended at its source. */
  pipeProducerClosed: z.object({ roomId: roomIdSchema, producerId: id }),
  /** The room's pipe ended (the room closed, moved to another media process or another node). */
  pipeClosed: z.object({ roomId: roomIdSchema, reason: z.string().max(300) }),
  /** Edge → room's node: a placed listener's consumer ended (its stream ended), for their page. */
  edgeConsumerClosed: z.object({ listenerId: id, consumerId: id, producerId: id }),
  /** Edge → room's node: a placed listener's media ended here (the edge's pipe of the room closed). */
  edgeListenerClosed: z.object({ listenerId: id, reason: z.string().max(300) }),
} as const;

export type NodeLinkNotificationName = keyof typeof nodeLinkNotifications;
export type NodeLinkNotificationOf<N extends NodeLinkNotificationName> = z.infer<(typeof nodeLinkNotifications)[N]>;
