import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { AiLineup, PeerInfo, ProducerInfo } from '@bandmate/shared';
import { SignalRequestError } from '@bandmate/shared';
import type { Logger } from '../logger.ts';
import { followArrivals, type ArrivalLateness } from '../media/arrival-lateness.ts';
import { mediaCodecs } from '../media/codecs.ts';
import { createBrowserTransport } from '../media/webrtc-transports.ts';
import { Peer, type TransportDirection } from './peer.ts';
import { RoomStanding } from './room-standing.ts';
import { RoomMetronome } from '../metronome/room-metronome.ts';

export interface RtcListenConfig {
  listenIp: string;
  announcedAddress: string;
  minPort: number;
  maxPort: number;
  /** Measure how late each sender's packets arrive (SFU_ARRIVAL_STATS; media/arrival-lateness.ts). */
  arrivalStats?: boolean;
}

interface RoomEvents {
  peerJoined: [peer: PeerInfo];
  peerLeft: [peer: PeerInfo];
  newProducer: [producer: ProducerInfo];
  producerClosed: [producer: ProducerInfo];
  /** A consumer went away because its producer did; only its owner needs to know. */
  consumerClosed: [peerId: string, consumerId: string, producerId: string];
  /** The host role moved (null: nobody holds it, only listeners are left). */
  hostChanged: [peerId: string | null];
  /** A participant's role or host-muted flag changed. */
  peerUpdated: [peer: PeerInfo];
  lockChanged: [locked: boolean];
  /** The host removed a participant; emitted just before they leave, so they can be told why. */
  peerRemoved: [peerId: string, reason: string];
  /** The room's mediasoup worker died: the registry moves it (moveTo). */
  workerLost: [];
  /**
   * The room is on a new router: its people were asked to join again (emitted just before they
   * leave, so they can be told), and its services (AI players, recording, demo band) restart.
   */
  moved: [peerIds: string[], reason?: string];
  close: [];
}

/** A room owns one router and its peers, and closes them with itself. */
export class Room extends EventEmitter<RoomEvents> {
  readonly peers = new Map<string, Peer>();
  /** How late each browser's stream reaches this SFU, by producer (only with rtc.arrivalStats). */
  readonly arrivals = new Map<string, { peerId: string; lateness: ArrivalLateness }>();
  /** The account that owns the room, from its record; when that user joins they become host. */
  ownerId: string | null = null;
  /** The AI players this session had when the last SFU process ended, to play again (AiBand.restore). */
  resumedAiLineup: AiLineup = [];
  /** A locked room admits nobody new (enforced at join); the lock lasts for the room session. */
  locked = false;
  /** The host's decisions about people (removed, muted, listen-only) for this room session. */
  readonly standing = new RoomStanding();
  /** The metronome grid every browser clicks on; also the tempo the AI plays to. */
  readonly metronome = new RoomMetronome();
  private hostId: string | null = null;
  private closed = false;
  /** While moving to a new worker: its people are rejoining, so an empty room stays open a while. */
  private moving: ReturnType<typeof setTimeout> | undefined;
  /** Who was in when the room moved (accounts and connections): they may come back in, locked or not. */
  private readonly movedOut = new Set<string>();
  /** Who held the host role when the room moved: they take it back when they return. */
  private hostBeforeMove: string[] = [];
  private suspending = false;
  private currentRouter!: types.Router;
  private worker!: types.Worker;

  private constructor(
    readonly id: string,
    readonly name: string,
    router: types.Router,
    worker: types.Worker,
    private readonly rtc: RtcListenConfig,
    readonly maxPeers: number,
    private readonly logger: Logger,
  ) {
    super();
    this.attach(router, worker);
  }

  /** Whether this person was inside when the room moved or the server restarted: they may come back, locked or not. */
  expectsBack(identity: Identity): boolean {
    // A peer id proves nothing while that peer is inside (a copied token).
    const who = identity.id && this.peers.has(identity.id) ? { ...identity, id: undefined } : identity;
    return identityKeys(who).some((key) => this.movedOut.has(key));
  }

  /**
   * The process ended for a restart (not the room): its people will rejoin the next process, so
   * the record keeps the session, the lock and the host (RoomRegistry skips the close writes).
   */
  get suspended(): boolean {
    return this.suspending;
  }

  /**
   * Waiting for its people after a move or a restart: a leave now (the move ends every membership)
   * does not end the stored session, which the grace's end closes if nobody comes back.
   */
  get awaitingReturn(): boolean {
    return this.moving !== undefined && !this.closed;
  }

  get router(): types.Router {
    return this.currentRouter;
  }

  get workerPid(): number {
    return this.worker.pid;
  }

  private attach(router: types.Router, worker: types.Worker): void {
    this.currentRouter = router;
    this.worker = worker;
    router.observer.once('close', () => {
      if (router !== this.currentRouter || this.closed) return;
      // A dead worker closes its routers before it reports its death: the room is moved, not ended.
      if (worker.died) this.emit('workerLost');
      else this.close();
    });
  }

  /**
   * Moves the room to a router on `worker` after its own worker died: the room itself (its record
   * and session, owner, lock, the host's decisions about people, the metronome) stays; everyone's
   * media went with the old router, so its people are asked to join again (`moved`) and it waits
   * up to `graceMs` for them before an empty room closes.
   */
  async moveTo(worker: types.Worker, graceMs: number): Promise<void> {
    const router = await worker.createRouter({ mediaCodecs });
    if (this.closed) {
      router.close();
      return;
    }
    this.attach(router, worker);
    this.logger.warn({ workerPid: worker.pid }, 'room moved to another mediasoup worker');
    clearTimeout(this.moving);
    const people = [...this.peers.values()].filter((p) => !p.isAgent);
    const host = this.host();
    this.awaitReturn(people, host ? [host] : [], graceMs);
    const ids = people.map((p) => p.id);
    this.emit('moved', ids);
    for (const id of ids) this.leave(id);
  }

  /**
   * Waits up to `graceMs` for `people` (who were inside when the room moved, or when the previous
   * server process ended) to join again, locked or not; `host` takes the role back on return. An
   * empty room closes after the grace.
   */
  awaitReturn(people: Identity[], host: Identity[], graceMs: number): void {
    clearTimeout(this.moving);
    this.moving = setTimeout(() => {
      this.moving = undefined;
      if (![...this.peers.values()].some((p) => !p.isAgent)) this.close();
    }, graceMs);
    this.moving.unref?.();
    for (const who of people) for (const key of identityKeys(who)) this.movedOut.add(key);
    this.hostBeforeMove = host.flatMap(identityKeys);
  }

  /** Ends the live room for a restart of the process: see `suspended`. */
  suspend(): void {
    this.suspending = true;
    this.close();
  }

  static async create(options: {
    id: string;
    name: string;
    worker: types.Worker;
    rtc: RtcListenConfig;
    maxPeers: number;
    logger: Logger;
  }): Promise<Room> {
    const router = await options.worker.createRouter({ mediaCodecs });
    const room = new Room(
      options.id,
      options.name,
      router,
      options.worker,
      options.rtc,
      options.maxPeers,
      options.logger.child({ roomId: options.id }),
    );
    return room;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get rtpCapabilities(): types.RtpCapabilities {
    return this.router.rtpCapabilities;
  }

  peerInfos(): PeerInfo[] {
    return [...this.peers.values()].map((p) => p.info);
  }

  producerInfos(): ProducerInfo[] {
    return [...this.peers.values()].flatMap((peer) =>
      [...peer.producers.values()].map((producer) => producerInfo(peer, producer)),
    );
  }

  join(peer: Peer): void {
    if (this.closed) throw new SignalRequestError('not_found', 'the room has closed; rejoin to reopen it');
    if (this.peers.size >= this.maxPeers) {
      throw new SignalRequestError('room_full', `the room is full (${this.maxPeers} participants)`);
    }
    if (!peer.isAgent && !this.isOwner(peer)) this.standing.admit(peer);
    this.peers.set(peer.id, peer);
    if (!peer.isAgent && this.moving) {
      clearTimeout(this.moving);
      this.moving = undefined;
    }
    this.logger.info({ peerId: peer.id, role: peer.role }, 'peer joined');
    this.emit('peerJoined', peer.info);
    // The owner takes the role on arrival (and a host returning to a moved room); otherwise a musician fills an empty seat.
    const returningHost = !peer.isAgent && identityKeys(peer).some((key) => this.hostBeforeMove.includes(key));
    if (returningHost) this.hostBeforeMove = [];
    if (this.isOwner(peer) || returningHost || (!this.host() && mayHost(peer))) this.setHost(peer);
  }

  /**
   * Who controls the room: the owner when present, else whoever holds the role now
   * (handed over, or the musician present longest when the previous host left).
   */
  host(): Peer | undefined {
    return this.hostId === null ? undefined : this.peers.get(this.hostId);
  }

  isOwner(peer: Peer): boolean {
    return this.ownerId !== null && !peer.isAgent && peer.userId === this.ownerId;
  }

  /** Gives the host role to `peer` (a handover), or to nobody. */
  setHost(peer: Peer | undefined): void {
    const id = peer?.id ?? null;
    if (id === this.hostId) return;
    this.hostId = id;
    this.logger.info({ peerId: id }, 'host changed');
    this.emit('hostChanged', id);
  }

  /** Announces a change of a participant's role or host-muted flag to everyone. */
  announce(peer: Peer): void {
    if (!this.closed && this.peers.get(peer.id) === peer) this.emit('peerUpdated', peer.info);
  }

  /** Ends a participant's membership on the host's word: they are told why, then leave like anyone. */
  remove(peerId: string, reason: string): void {
    if (!this.peers.has(peerId)) return;
    this.emit('peerRemoved', peerId, reason);
    this.leave(peerId);
  }

  setLocked(locked: boolean): void {
    if (this.locked === locked || this.closed) return;
    this.locked = locked;
    this.emit('lockChanged', locked);
  }

  leave(peerId: string): void {
    const peer = this.peers.get(peerId);
    // A closing room closes its peers, whose connections then leave: the room ends as it was
    // (no host handed on, nothing announced), which a suspended room's record must keep.
    if (!peer || this.closed) return;
    const wasHost = this.hostId === peerId;
    this.peers.delete(peerId);
    peer.close();
    this.logger.info({ peerId }, 'peer left');
    this.emit('peerLeft', peer.info);
    const humans = [...this.peers.values()].filter((p) => !p.isAgent);
    if (humans.length === 0) {
      if (!this.moving) this.close();
      return;
    }
    if (wasHost) this.setHost(this.successor());
  }

  /** The next host when the host leaves: the owner if present, else the musician present longest. */
  private successor(): Peer | undefined {
    const peers = [...this.peers.values()];
    return peers.find((p) => this.isOwner(p)) ?? peers.find(mayHost);
  }

  async createWebRtcTransport(peer: Peer, direction: TransportDirection): Promise<types.WebRtcTransport> {
    if (direction === 'send' && peer.role === 'listener') {
      throw new SignalRequestError('forbidden', 'listeners do not send audio');
    }
    const transport = await createBrowserTransport(this.router, this.rtc);
    peer.addTransport(transport, direction);
    return transport;
  }

  async produce(peer: Peer, transportId: string, rtpParameters: types.RtpParameters, source: string) {
    const transport = peer.transport(transportId, 'send');
    // A host-muted musician's new microphone starts paused: closing and re-producing does not unmute.
    const producer = await transport.produce({ kind: 'audio', rtpParameters, appData: { source }, paused: peer.hostMuted });
    this.adopt(peer, producer);
    if (this.rtc.arrivalStats) {
      this.arrivals.set(producer.id, { peerId: peer.id, lateness: followArrivals(producer) });
      producer.observer.once('close', () => this.arrivals.delete(producer.id));
    }
    return producer;
  }

  /**
   * Makes a producer created elsewhere (the AI's plain transport) part of the room:
   * announced to everyone and consumable like a musician's microphone.
   */
  adopt(peer: Peer, producer: types.Producer): void {
    peer.producers.set(producer.id, producer);
    const info = producerInfo(peer, producer);
    producer.observer.once('close', () => {
      peer.producers.delete(producer.id);
      if (!this.closed) this.emit('producerClosed', info);
    });
    this.emit('newProducer', info);
  }

  async consume(peer: Peer, producerId: string): Promise<{ consumer: types.Consumer; producerPeerId: string }> {
    const owner = [...this.peers.values()].find((p) => p.producers.has(producerId));
    if (!owner) throw new SignalRequestError('not_found', `producer ${producerId} not found in this room`);
    if (owner.id === peer.id) throw new SignalRequestError('bad_request', 'a peer does not consume itself');
    if (!this.router.canConsume({ producerId, rtpCapabilities: peer.rtpCapabilities })) {
      throw new SignalRequestError('bad_request', 'your browser cannot receive this stream (no common codec)');
    }
    const transport = [...peer.transports.values()].find((t) => t.appData.direction === 'recv');
    if (!transport) throw new SignalRequestError('bad_request', 'create a recv transport before consuming');
    // Paused until the client has set up its side, so no early packets are lost.
    const consumer = await transport.consume({ producerId, rtpCapabilities: peer.rtpCapabilities, paused: true });
    peer.consumers.set(consumer.id, consumer);
    consumer.observer.once('close', () => peer.consumers.delete(consumer.id));
    consumer.on('producerclose', () => {
      peer.consumers.delete(consumer.id);
      if (!this.closed) this.emit('consumerClosed', peer.id, consumer.id, producerId);
    });
    return { consumer, producerPeerId: owner.id };
  }

  /**
   * Another SFU node runs this room now (RoomRegistry.fence): its people are told to join again,
   * which takes them there, and the room ends here as for a restart, with no write of its record.
   */
  handOver(): void {
    if (this.closed) return;
    this.emit('moved', this.peopleIds(), 'the room moved to another SFU node');
    this.suspend();
  }

  /** Closes the room after telling its people to join again (`moved`): a failed move's last resort. */
  closeForRejoin(): void {
    if (this.closed) return;
    this.emit('moved', this.peopleIds());
    this.close();
  }

  /** The people inside (not the AI players and other agents): the ones told to join again. */
  private peopleIds(): string[] {
    return [...this.peers.values()].filter((p) => !p.isAgent).map((p) => p.id);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.moving);
    for (const peer of this.peers.values()) peer.close();
    this.peers.clear();
    this.router.close();
    this.logger.info('room closed');
    this.emit('close');
  }
}

/** Who someone is across memberships: their account, their connection, or the peer id a rejoin token proves. */
export interface Identity {
  id?: string;
  userId?: string | null;
  connectionId?: string;
}

function identityKeys(who: Identity): string[] {
  return [
    ...(who.id ? [`peer:${who.id}`] : []),
    ...(who.userId ? [`user:${who.userId}`] : []),
    ...(who.connectionId ? [`connection:${who.connectionId}`] : []),
  ];
}

/** Without an owner present, the host is a musician (a person, not the AI). */
function mayHost(peer: Peer): boolean {
  return peer.role === 'musician' && !peer.isAgent;
}

function producerInfo(peer: Peer, producer: types.Producer): ProducerInfo {
  return {
    producerId: producer.id,
    peerId: peer.id,
    kind: producer.kind,
    source: String(producer.appData.source ?? 'mic'),
  };
}
