import { EventEmitter } from 'node:events';
import { io as connectTo, type Socket as ClientSocket } from 'socket.io-client';
import type { types } from 'mediasoup';
import { nodeLinkNotifications, SignalRequestError, type NodeLinkNotificationName } from '@bandmate/shared';
import type { Logger } from '../logger.ts';
import { mediaCodecs } from '../media/codecs.ts';
import type { RtcListenConfig } from '../rooms/room.ts';
import { askNodeLink } from './node-link-dispatch.ts';
import { createPipeEnd } from './pipe-transport.ts';

const CONNECT_TIMEOUT_MS = 5000;

export interface EdgeRoomOptions {
  roomId: string;
  /** The room's node (its SFU_NODE_URL, from the relay). */
  homeUrl: string;
  /** Signs this node's link token (RoomAccess.nodeLinkToken). */
  linkToken: () => string;
  worker: types.Worker;
  rtc: RtcListenConfig;
  /** The address the room's node sends the pipe's RTP to (SFU_PIPE_ADDRESS, resolved). */
  pipeIp: string;
  logger: Logger;
}

export interface PipedStream {
  producer: types.Producer;
  /** Whose stream it is in the room (the room's node says). */
  peerId: string;
}

/**
 * A room another SFU node runs, as this node serves it to listeners who reached it (a lesson's
 * audience spread over nodes): a router of this node's fed through one PipeTransport from the
 * room's router there, one copy of each stream the listeners here hear, whatever their number.
 * The room itself (its people, host, lock, chat) stays on its node, and the listeners' signalling
 * is relayed there as usual (signalling/node-relay.ts); only their media is served here. Ends with
 * the link or the room's pipe, and its listeners' consumers with it.
 */
export class EdgeRoom extends EventEmitter<{ close: [] }> {
  private readonly streams = new Map<string, Promise<PipedStream>>();
  private closed = false;

  private constructor(
    readonly roomId: string,
    readonly router: types.Router,
    private readonly pipe: types.PipeTransport,
    private readonly link: ClientSocket,
    private readonly logger: Logger,
  ) {
    super();
    link.on('disconnect', () => this.close('the link to the room’s node closed'));
    router.observer.once('close', () => this.close('this node’s media process ended'));
    link.onAny((event: string, payload: unknown) => {
      const schema = nodeLinkNotifications[event as NodeLinkNotificationName];
      const parsed = schema?.safeParse(payload);
      if (!parsed?.success) return void this.logger.warn({ event }, 'edge: a notification from the room’s node failed its schema');
      const data = parsed.data as { roomId: string; producerId?: string; reason?: string; paused?: boolean };
      if (data.roomId !== roomId) return;
      if (event === 'pipeClosed') this.close(data.reason ?? 'the room’s node closed the pipe');
      else if (event === 'pipeProducerClosed' && data.producerId) this.dropStream(data.producerId);
      else if (event === 'pipeProducerPaused' && data.producerId) this.pauseStream(data.producerId, data.paused === true);
    });
  }

  static async open(options: EdgeRoomOptions): Promise<EdgeRoom> {
    const logger = options.logger.child({ roomId: options.roomId, home: options.homeUrl });
    // Each step's time goes to the log: a slow first listener at an edge has to be traced to one.
    const started = performance.now();
    const ms: Record<string, number> = {};
    const step = (name: string) => (ms[name] = Math.round(performance.now() - started));
    const link = connectTo(`${options.homeUrl.replace(/\/$/, '')}/nodes`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      timeout: CONNECT_TIMEOUT_MS,
      auth: { token: options.linkToken() },
    });
    // Listened for before anything is awaited: on loopback the link can connect while the router
    // is made, and a 'connect' missed left the edge waiting for one forever (its listener was then
    // served at the room's node after placement's deadline).
    const linked = new Promise<void>((resolve, reject) => {
      link.once('connect', resolve);
      link.once('connect_error', reject);
    });
    linked.catch(() => undefined); // awaited below; a refusal while the router is made is not unhandled
    const router = await options.worker.createRouter({ mediaCodecs }).catch((err: unknown) => {
      link.close();
      throw err;
    });
    step('router');
    try {
      await linked;
      step('link');
      const pipe = await createPipeEnd(router, options.rtc, options.pipeIp);
      step('pipeEnd');
      const home = await askNodeLink(link, 'pipeOpen', { roomId: options.roomId, ip: options.pipeIp, port: pipe.tuple.localPort, srtpParameters: pipe.srtpParameters! });
      step('pipeOpen');
      await pipe.connect(home);
      step('connected');
      logger.info({ ms }, 'edge: piping a room of another node to listeners here');
      return new EdgeRoom(options.roomId, router, pipe, link, logger);
    } catch (err) {
      logger.warn({ ms, err: (err as Error).message }, 'edge: could not pipe a room of another node');
      link.close();
      router.close();
      throw err;
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Piped streams now (each forwarded once from the room's node). */
  get streamCount(): number {
    return this.streams.size;
  }

  /** The room's stream `producerId` on this node's router, piped at the first ask. */
  stream(producerId: string): Promise<PipedStream> {
    if (this.closed) return Promise.reject(new SignalRequestError('unavailable', 'the room’s pipe closed: join again'));
    let piped = this.streams.get(producerId);
    if (!piped) {
      piped = this.pipeStream(producerId);
      this.streams.set(producerId, piped);
      piped.catch(() => {
        if (this.streams.get(producerId) === piped) this.streams.delete(producerId);
      });
    }
    return piped;
  }

  private async pipeStream(producerId: string): Promise<PipedStream> {
    const piped = await askNodeLink(this.link, 'pipeConsume', { roomId: this.roomId, producerId });
    // Same id as at the room's node: the pages name streams by the ids the room announces.
    const producer = await this.pipe.produce({
      id: producerId,
      kind: piped.kind,
      rtpParameters: piped.rtpParameters as unknown as types.RtpParameters,
      paused: piped.paused,
      appData: { source: piped.source },
    });
    if (this.closed) producer.close();
    return { producer, peerId: piped.peerId };
  }

  private pauseStream(producerId: string, paused: boolean): void {
    void this.streams.get(producerId)?.then((s) => (paused ? s.producer.pause() : s.producer.resume()), () => undefined);
  }

  private dropStream(producerId: string): void {
    const piped = this.streams.get(producerId);
    this.streams.delete(producerId);
    void piped?.then((s) => s.producer.close(), () => undefined);
  }

  close(reason = 'closed'): void {
    if (this.closed) return;
    this.closed = true;
    this.logger.info({ reason }, 'edge: room pipe ended');
    this.link.removeAllListeners();
    this.link.close();
    this.router.close();
    this.emit('close');
  }
}
