import { randomUUID } from 'node:crypto';
import type { types } from 'mediasoup';
import type { Socket } from 'socket.io';
import { SignalRequestError, type ClientToServerEvents, type Role, type ServerToClientEvents } from '@bandmate/shared';
import type { Logger } from '../logger.ts';
import { Peer } from '../rooms/peer.ts';
import type { Room } from '../rooms/room.ts';
import type { RoomRegistry } from '../rooms/room-registry.ts';
import type { RequestHandlers } from './request-dispatch.ts';
import type { RoomAccess } from '../auth/room-access.ts';
import { hostControlHandlers } from './host-control-handlers.ts';
import { chatHandlers, type ChatStore } from './chat-handlers.ts';
import { metronomeHandlers } from './metronome-handlers.ts';
import { aiHandlers, type RoomAi } from './ai-handlers.ts';
import { recordingHandlers, type RoomRecordings } from './recording-handlers.ts';
import { withClientInput } from './client-input.ts';
import { connectOnce, transportOptions } from '../media/webrtc-transports.ts';

export type SignalSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/** Persistence of who was in which room; the Prisma store implements it. */
export interface ParticipantLog {
  recordJoin(p: {
    roomId: string;
    displayName: string;
    role: 'musician' | 'listener';
    peerId: string;
    userId?: string | null;
  }): Promise<{ id: string }>;
  recordLeave(participantId: string, options?: { keepSession?: boolean }): Promise<unknown>;
}

export type { RoomAi } from './ai-handlers.ts';

/**
 * One browser connection. Holds at most one membership at a time, so a
 * musician can leave and rejoin (any room) without reconnecting.
 */
export class Connection {
  private membership: { room: Room; peer: Peer; participantId: Promise<string | null> } | undefined;
  /** A join is under way (between its awaits). */
  private joining = false;
  /** The socket disconnected: nothing may join on its behalf any more. */
  private closed = false;
  /** The last leave's database write. */
  private leaving: Promise<void> = Promise.resolve();
  /** Told when a membership ends, however it ends (a leave, the host's removal, the socket gone). */
  onLeave?: () => void;

  constructor(
    readonly socket: SignalSocket,
    private readonly registry: RoomRegistry,
    private readonly participants: ParticipantLog & ChatStore,
    private readonly peersById: Map<string, SignalSocket>,
    private readonly aiFor: (roomId: string) => RoomAi | undefined,
    private readonly logger: Logger,
    /** Join rules; also the current user of this connection (access.userOfSocket(socket)). */
    private readonly access: RoomAccess,
    /** Recording (apps/sfu/src/recording); absent: the server does not record. */
    private readonly recordings?: RoomRecordings,
  ) {}

  readonly handlers: RequestHandlers = {
    getRouterRtpCapabilities: async ({ roomId }) => {
      return { routerRtpCapabilities: (await this.registry.rtpCapabilities(roomId)) as unknown as Record<string, unknown> };
    },

    join: async ({ roomId, displayName, role, rtpCapabilities, invite, rejoin }) => {
      // One join at a time: a second one while the first awaits would make a second peer.
      if (this.membership || this.joining) throw new SignalRequestError('already_joined', 'leave the current room first');
      this.joining = true;
      try {
        return await this.join(roomId, displayName, role, rtpCapabilities as types.RtpCapabilities, invite, rejoin);
      } finally {
        this.joining = false;
      }
    },

    leave: async () => {
      await this.leave();
      return {};
    },

    createWebRtcTransport: async ({ direction }) => {
      const { room, peer } = this.member();
      return transportOptions(await room.createWebRtcTransport(peer, direction));
    },

    connectWebRtcTransport: async ({ transportId, dtlsParameters }) => {
      await connectOnce(this.member().peer.transport(transportId), dtlsParameters);
      return {};
    },

    restartIce: async ({ transportId }) => {
      const transport = this.member().peer.transport(transportId);
      return { iceParameters: (await transport.restartIce()) as unknown as Record<string, unknown> };
    },

    produce: async ({ transportId, rtpParameters, source }) => {
      const { room, peer } = this.member();
      if (peer.role !== 'musician') throw new SignalRequestError('forbidden', 'listeners do not send audio');
      if (peer.producers.size >= 1) throw new SignalRequestError('bad_request', 'one microphone per musician');
      const producer = await withClientInput('RTP parameters', () => room.produce(peer, transportId, rtpParameters as types.RtpParameters, source));
      return { producerId: producer.id };
    },

    closeProducer: async ({ producerId }) => {
      this.member().peer.producer(producerId).close();
      return {};
    },

    consume: async ({ producerId }) => {
      const { room, peer } = this.member();
      // The peer's RTP capabilities (sent at join) are the client's input here.
      const { consumer, producerPeerId } = await withClientInput('RTP capabilities', () => room.consume(peer, producerId));
      return {
        consumerId: consumer.id,
        producerId,
        peerId: producerPeerId,
        kind: consumer.kind,
        rtpParameters: consumer.rtpParameters as unknown as Record<string, unknown>,
      };
    },

    resumeConsumer: async ({ consumerId }) => {
      await this.member().peer.consumer(consumerId).resume();
      return {};
    },

    ...aiHandlers({ member: () => this.member(), ai: (roomId) => this.ai(roomId) }),

    ...hostControlHandlers({ member: () => this.member(), setLocked: (room, locked) => this.registry.setLocked(room, locked) }),
    ...metronomeHandlers({ member: () => this.member() }),
    ...chatHandlers({
      member: () => this.member(),
      joinRecorded: () => this.membership?.participantId ?? Promise.resolve(null),
      toOthers: (room, message) => this.socket.to(socketRoom(room.id)).emit('chatMessage', message),
      store: () => this.participants,
    }),
    ...recordingHandlers({
      member: () => this.member(),
      recordings: () => this.recordings,
      joinRecorded: () => this.membership?.participantId ?? Promise.resolve(null),
      address: () => this.access.addressOfSocket(this.socket),
    }),
  };

  private ai(roomId: string): RoomAi {
    const ai = this.aiFor(roomId);
    if (!ai) throw new SignalRequestError('not_found', 'this room has no AI players (it is closing)');
    return ai;
  }

  /**
   * The join itself. Every step after an await checks that the connection is still open: a
   * browser that went away while it was being admitted must not leave a peer behind that keeps
   * the room open and its seat taken.
   */
  private async join(roomId: string, displayName: string, role: Role, rtpCapabilities: types.RtpCapabilities, invite: string | undefined, rejoin: string | undefined) {
    // A session a dead SFU node left is taken over first, so its lock and its people count.
    await this.registry.resumeIfInterrupted(roomId);
    this.assertOpen();
    // Live on another node, or opening on a less loaded one: refused here before admission (this
    // node's relay, if any, takes it there). A join relayed here is never placed on again.
    const elsewhere = await this.registry.elsewhere(roomId, { place: this.access.relayOfSocket(this.socket) === null });
    if (elsewhere) throw elsewhere;
    this.assertOpen();
    // Private rooms, invites, the lock and the join rate limits: refused here with a clear code.
    const admission = await this.access.admit({
      roomId,
      role,
      invite,
      cookieHeader: this.socket.handshake.headers.cookie,
      address: this.access.addressOfSocket(this.socket),
      connectionId: this.socket.id,
      rejoin,
    });
    this.assertOpen();
    // Refused before a room is opened for it; checked again as it joins (registry.join).
    this.registry.checkAccountPeers(admission.user?.id);
    const room = await this.registry.open(roomId);
    if (this.closed) {
      // Opened for nobody: an empty room closes here, as registry.join does on a refusal.
      if (room.peers.size === 0) room.close();
      this.assertOpen();
    }
    // Someone the room expects back keeps their peer id: the others see the same person return.
    const back = admission.returningPeerId;
    const peerId = back && !room.peers.has(back) && !this.peersById.has(back) ? back : randomUUID();
    const peer = new Peer(peerId, displayName, role, rtpCapabilities, false, {
      connectionId: this.socket.id,
      userId: admission.user?.id,
    });
    // Snapshot before joining so the newcomer is not told about itself.
    const peers = room.peerInfos();
    const producers = room.producerInfos();
    this.registry.join(room, peer);
    this.peersById.set(peer.id, this.socket);
    void this.socket.join(socketRoom(room.id));
    const participantId = this.participants
      .recordJoin({ roomId, displayName, role, peerId: peer.id, userId: admission.user?.id ?? null })
      .then((p) => p.id)
      .catch((err) => {
        this.logger.error({ err, roomId }, 'could not record a join');
        return null;
      });
    this.membership = { room, peer, participantId };
    // The room may end the membership itself (the host removed this peer).
    peer.once('close', () => {
      if (this.membership?.peer === peer) void this.leave();
    });
    return { peerId: peer.id, roomName: room.name, peers, producers, isHost: room.host() === peer, ai: this.ai(room.id).state, tempo: room.metronome.state, hostId: room.host()?.id ?? null, locked: room.locked, self: peer.info, recording: this.recordings?.service.state(room.id), rejoinToken: this.access.rejoinToken(room.id, peer.id) };
  }

  /** The socket went away: no join still under way may complete, and the membership ends. */
  async close(): Promise<void> {
    this.closed = true;
    await this.leave();
  }

  private assertOpen(): void {
    if (this.closed) throw new SignalRequestError('not_joined', 'the connection closed while joining');
  }

  /**
   * Ends the membership; resolves once the leave is written. A leave already under way (the room
   * ended it) is the one waited for: the server's shutdown must not close the database under it.
   */
  leave(): Promise<void> {
    const membership = this.membership;
    if (!membership) return this.leaving;
    this.membership = undefined;
    const { room, peer, participantId } = membership;
    this.onLeave?.();
    this.peersById.delete(peer.id);
    void this.socket.leave(socketRoom(room.id));
    // Read before room.leave: the room moving (or resumed) expects its people back, so its stored
    // session and node stay (else the node's fencing would see the room as ended and hand it over).
    const keepSession = room.awaitingReturn;
    room.leave(peer.id);
    // Suspended for a restart: the stay stays open, so the next process expects this person back.
    if (room.suspended) return this.leaving;
    this.leaving = participantId.then(async (id) => {
      if (id) await this.participants.recordLeave(id, { keepSession }).catch((err) => this.logger.error({ err }, 'could not record a leave'));
    });
    return this.leaving;
  }

  private member(): { room: Room; peer: Peer } {
    const m = this.membership;
    if (!m || m.room.isClosed) throw new SignalRequestError('not_joined', 'join a room first');
    return m;
  }
}

export function socketRoom(roomId: string): string {
  return `room:${roomId}`;
}
