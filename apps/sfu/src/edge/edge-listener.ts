import type { types } from 'mediasoup';
import { SignalRequestError, type RequestName, type RequestOf } from '@bandmate/shared';
import { connectOnce, createBrowserTransport, transportOptions } from '../media/webrtc-transports.ts';
import type { RtcListenConfig } from '../rooms/room.ts';
import { withClientInput } from '../signalling/client-input.ts';
import type { EdgeRoom } from './edge-room.ts';

/** Where a listener's media events go: their page's socket, or the room's node that placed them here. */
export interface ListenerPage {
  emit(event: 'consumerClosed', payload: { consumerId: string; producerId: string }): unknown;
}

/**
 * A listener's media on this node for a room another node runs (edge-room.ts): their receive
 * transport and consumers live on this node's router, fed by the room's pipe. Anything else the
 * page asks (the room's state, chat, a send transport if the host makes them a musician) is
 * relayed to the room's node as for any relayed page.
 */
export class EdgeListener {
  private transport: types.WebRtcTransport | undefined;
  private readonly consumers = new Map<string, types.Consumer>();
  private closed = false;

  constructor(
    readonly room: EdgeRoom,
    private readonly rtpCapabilities: types.RtpCapabilities,
    private readonly browser: ListenerPage,
    private readonly rtc: RtcListenConfig,
    private readonly onClose: () => void,
  ) {
    if (room.isClosed) queueMicrotask(() => this.close());
    else room.once('close', () => this.close());
  }

  get consumerCount(): number {
    return this.consumers.size;
  }

  /** Whether this request is about this node's media (else it goes to the room's node). */
  serves(name: RequestName, request: unknown): boolean {
    return !this.closed && isListenerMedia(name, request, this.transport?.id, (id) => this.consumers.has(id));
  }

  async handle(name: RequestName, request: unknown): Promise<unknown> {
    switch (name) {
      case 'createWebRtcTransport': {
        const transport = await createBrowserTransport(this.room.router, this.rtc);
        // One receive transport: a page asking again (reconnecting) replaces it.
        this.transport?.close();
        this.transport = transport;
        return transportOptions(transport);
      }
      case 'connectWebRtcTransport':
        await connectOnce(this.ownTransport(), (request as RequestOf<'connectWebRtcTransport'>).dtlsParameters);
        return {};
      case 'restartIce':
        return { iceParameters: (await this.ownTransport().restartIce()) as unknown as Record<string, unknown> };
      case 'consume':
        return this.consume((request as RequestOf<'consume'>).producerId);
      case 'resumeConsumer':
        await this.consumers.get((request as RequestOf<'resumeConsumer'>).consumerId)?.resume();
        return {};
      default:
        throw new SignalRequestError('internal', `${name} is not served at the edge`);
    }
  }

  private ownTransport(): types.WebRtcTransport {
    if (!this.transport || this.transport.closed) throw new SignalRequestError('bad_request', 'create a recv transport before consuming');
    return this.transport;
  }

  private async consume(producerId: string) {
    const transport = this.ownTransport();
    const { producer, peerId } = await this.room.stream(producerId);
    if (!this.room.router.canConsume({ producerId: producer.id, rtpCapabilities: this.rtpCapabilities })) {
      throw new SignalRequestError('bad_request', 'your browser cannot receive this stream (no common codec)');
    }
    // Paused until the page has set up its side, as at the room's node.
    const consumer = await withClientInput('RTP capabilities', () => transport.consume({ producerId, rtpCapabilities: this.rtpCapabilities, paused: true }));
    this.consumers.set(consumer.id, consumer);
    consumer.observer.once('close', () => this.consumers.delete(consumer.id));
    consumer.on('producerclose', () => {
      this.consumers.delete(consumer.id);
      if (!this.closed) this.browser.emit('consumerClosed', { consumerId: consumer.id, producerId });
    });
    return { consumerId: consumer.id, producerId, peerId, kind: consumer.kind, rtpParameters: consumer.rtpParameters as unknown as Record<string, unknown> };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.transport?.close();
    this.consumers.clear();
    this.onClose();
  }
}

/**
 * Whether a listener's request is about the receive media an edge serves them: their receive
 * transport (`transportId`, once made), what they consume, and their consumers.
 */
export function isListenerMedia(name: RequestName, request: unknown, transportId: string | undefined, hasConsumer: (id: string) => boolean): boolean {
  switch (name) {
    case 'createWebRtcTransport':
      return (request as RequestOf<'createWebRtcTransport'>).direction === 'recv';
    case 'connectWebRtcTransport':
    case 'restartIce':
      return transportId !== undefined && (request as { transportId: string }).transportId === transportId;
    case 'consume':
      return true;
    case 'resumeConsumer':
      return hasConsumer((request as RequestOf<'resumeConsumer'>).consumerId);
    default:
      return false;
  }
}
