import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { PeerInfo, Role } from '@bandmate/shared';
import { SignalRequestError } from '@bandmate/shared';

export type TransportDirection = 'send' | 'recv';

/** Who is behind a peer, beyond this one membership: host decisions stick to it (room-standing.ts). */
export interface PeerIdentity {
  /** The signed-in (or guest) account; the room's owner is recognised by it. */
  userId?: string;
  /** The signalling connection the peer joined on. */
  connectionId?: string;
}

interface PeerEvents {
  close: [];
}

/**
 * A participant of a room: owns its transports, producers and consumers and
 * closes them with itself. Knows nothing about sockets.
 */
export class Peer extends EventEmitter<PeerEvents> {
  readonly transports = new Map<string, types.WebRtcTransport>();
  readonly producers = new Map<string, types.Producer>();
  readonly consumers = new Map<string, types.Consumer>();
  /** Muted by the host: its producers are paused in the SFU and only the host can resume them. */
  hostMuted = false;
  readonly userId: string | undefined;
  readonly connectionId: string | undefined;
  private closed = false;

  constructor(
    readonly id: string,
    /** An AI player is renamed when the host changes its instrument (announced with Room.announce). */
    public displayName: string,
    /** Changes when the host makes a musician listen-only or lets them play again. */
    public role: Role,
    readonly rtpCapabilities: types.RtpCapabilities,
    /** The AI band member: a participant run by the inference worker, never the host. */
    readonly isAgent = false,
    identity: PeerIdentity = {},
  ) {
    super();
    this.userId = identity.userId;
    this.connectionId = identity.connectionId;
  }

  get info(): PeerInfo {
    return { id: this.id, displayName: this.displayName, role: this.role, hostMuted: this.hostMuted };
  }

  get isClosed(): boolean {
    return this.closed;
  }

  addTransport(transport: types.WebRtcTransport, direction: TransportDirection): void {
    const existing = [...this.transports.values()].filter((t) => t.appData.direction === direction);
    // A reconnecting client may ask again; one transport per direction is enough.
    for (const t of existing) {
      t.close();
      this.transports.delete(t.id);
    }
    transport.appData.direction = direction;
    this.transports.set(transport.id, transport);
  }

  transport(transportId: string, direction?: TransportDirection): types.WebRtcTransport {
    const transport = this.transports.get(transportId);
    if (!transport) throw new SignalRequestError('not_found', `transport ${transportId} not found`);
    if (direction && transport.appData.direction !== direction) {
      throw new SignalRequestError('bad_request', `transport ${transportId} is not a ${direction} transport`);
    }
    return transport;
  }

  producer(producerId: string): types.Producer {
    const producer = this.producers.get(producerId);
    if (!producer) throw new SignalRequestError('not_found', `producer ${producerId} not found`);
    return producer;
  }

  consumer(consumerId: string): types.Consumer {
    const consumer = this.consumers.get(consumerId);
    if (!consumer) throw new SignalRequestError('not_found', `consumer ${consumerId} not found`);
    return consumer;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // Closing a transport closes its producers and consumers in the worker.
    for (const transport of this.transports.values()) transport.close();
    this.transports.clear();
    this.producers.clear();
    this.consumers.clear();
    this.emit('close');
  }
}
